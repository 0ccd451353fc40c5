"""Progress kept current: what a batch of canonical events changes in each unit's state, and
how unit states add up to milestones and enrollment completion. Plain rules, no driver.

Every change is commutative (sums, minima, maxima, "ever true" flags), so applying the
deltas of events in any order gives the same state; duplicates are removed before by id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ml.dataset import VERBS
from services.progress.domain import DONE_VERBS, LearningEvent, MilestoneState, PathOutline

CANONICAL_VERBS = frozenset(VERBS)  # the canonical dataset's verbs (ml.dataset)
DEFAULT_SKILL = "general"


@dataclass
class UnitDelta:
    """What some events of one learner on one unit add to its state."""

    course_id: str | None = None
    first_at: datetime | None = None
    last_at: datetime | None = None
    dwell_s: int = 0
    replays: int = 0
    attempts: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    best_score: float | None = None
    passed: bool = False
    completed: bool = False
    completed_at: datetime | None = None

    def add(self, event: LearningEvent) -> None:
        self.course_id = self.course_id or event.course_id
        self.first_at = min(filter(None, (self.first_at, event.ts)))
        self.last_at = max(filter(None, (self.last_at, event.ts)))
        if event.verb in ("progressed", "replayed") and event.duration_s:
            self.dwell_s += max(0, event.duration_s)
        if event.verb == "replayed":
            self.replays += 1
        if event.verb in ("passed", "failed"):
            self.attempts += 1
        if event.verb == "answered" and event.success is False:
            self.errors[event.skill or DEFAULT_SKILL] += 1
        if event.score is not None:
            self.best_score = max(event.score, self.best_score or event.score)
        if event.verb == "passed":
            self.passed = True
        if event.verb in DONE_VERBS:
            self.completed = True
            self.completed_at = min(filter(None, (self.completed_at, event.ts)))


UnitKey = tuple[str, str]  # (learner_id, unit_id)


def unit_deltas(events: Iterable[LearningEvent]) -> dict[UnitKey, UnitDelta]:
    """One merged delta per (learner, unit) touched by `events` (unit-less events are skipped)."""
    deltas: dict[UnitKey, UnitDelta] = {}
    for event in events:
        if event.unit_id is None:
            continue
        deltas.setdefault((event.learner_id, event.unit_id), UnitDelta()).add(event)
    return deltas


@dataclass(frozen=True)
class UnitState:
    """A learner's standing on one unit, as the store keeps it."""

    learner_id: str
    unit_id: str
    course_id: str | None
    first_at: datetime | None
    last_at: datetime | None
    dwell_s: int
    replays: int
    attempts: int
    errors: Mapping[str, int]
    best_score: float | None
    passed: bool
    completed: bool
    completed_at: datetime | None

    @property
    def status(self) -> str:
        return "completed" if self.completed else "in_progress"


@dataclass(frozen=True)
class EnrollmentState:
    """What the store writes on an enrollment after its learner's units changed."""

    milestones: tuple[MilestoneState, ...]
    progress: float
    completed_at: datetime | None


def enrollment_state(outline: PathOutline, done: Mapping[str, datetime | None]) -> EnrollmentState:
    """Milestones (the outline's, or one per course) and completion from finished units.

    `done` maps each finished unit id to when it was first finished.
    """
    units_of = {c.course_id: c.unit_ids for c in outline.courses}
    groups = outline.milestones or tuple((c.course_id, (c.course_id,)) for c in outline.courses)
    milestones = []
    for title, course_ids in groups:
        units = [u for cid in course_ids for u in units_of.get(cid, ())]
        finished = [done[u] for u in units if u in done]
        whens = [w for w in finished if w is not None]
        complete = bool(units) and len(finished) == len(units)
        milestones.append(
            MilestoneState(title, len(finished), len(units), max(whens) if complete else None)
        )
    all_units = [u for c in outline.courses for u in c.unit_ids]
    finished_all = [done[u] for u in all_units if u in done]
    progress = len(finished_all) / len(all_units) if all_units else 0.0
    whens = [w for w in finished_all if w is not None]
    completed_at = max(whens) if all_units and progress >= 1.0 and whens else None
    return EnrollmentState(tuple(milestones), progress, completed_at)
