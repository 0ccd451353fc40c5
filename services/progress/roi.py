"""ROI figures for a tenant or one learning path: completion, on-time milestones, time to
complete, days to first independent work for new hires, and admin hours saved.

Plain rules, no driver; the README ("Heatmaps and ROI") documents every definition. Each
section carries the counts it is computed from and is withheld (None) when fewer learners
than the policy's minimum stand behind it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from statistics import median

from services.progress.domain import Enrollment, Learner
from services.progress.errors import InvalidArgument
from services.progress.performance import Check, first_pass_on_or_after

SECONDS_PER_DAY = 86400.0
MAX_MINUTES = 600.0


class IndependenceBasis(StrEnum):
    FIRST_PASSING_CHECK = "first_passing_check"
    FIRST_PATH_COMPLETED = "first_path_completed"


@dataclass(frozen=True)
class RoiInputs:
    """Minutes of manual work each automatically recorded item saves an administrator."""

    minutes_per_sign_in: float = 2.0  # collating one attendance (sign-in sheet) line
    minutes_per_quiz_result: float = 3.0  # marking and transcribing one quiz attempt
    minutes_per_milestone_check: float = 5.0  # checking and chasing one due milestone

    def checked(self) -> RoiInputs:
        for name, value in vars(self).items():
            if not 0.0 <= value <= MAX_MINUTES:
                argument = _camel(name)
                raise InvalidArgument(
                    argument, f"`{argument}` must be between 0 and {MAX_MINUTES:g}, got {value}"
                )
        return self


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.title() for w in rest)


@dataclass(frozen=True)
class Window:
    since: datetime | None
    until: datetime | None
    now: datetime

    @property
    def end(self) -> datetime:
        """The window's end, never after now: what has had the chance to happen."""
        return min(self.until, self.now) if self.until else self.now

    def holds(self, when: datetime) -> bool:
        return (self.since is None or when >= self.since) and (
            self.until is None or when < self.until
        )


@dataclass(frozen=True)
class Activity:
    """Automatically recorded items of one learner on one course in the window."""

    sign_ins: int = 0  # units completed
    quiz_results: int = 0  # quiz attempts, passed or failed


@dataclass(frozen=True)
class CompletionStats:
    enrollments: int  # enrolled in the window
    completed: int
    closed: int  # closed unfinished (the learner left)
    median_days_to_complete: float | None

    @property
    def completion_rate(self) -> float:
        return self.completed / self.enrollments if self.enrollments else 0.0


@dataclass(frozen=True)
class MilestoneStats:
    due: int  # milestones due in the window (up to now)
    on_time: int

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


@dataclass(frozen=True)
class NewHireStats:
    new_hires: int  # hired in the window
    independent: int  # of them, reached first independent work by the window's end
    median_days_to_independent: float | None


@dataclass(frozen=True)
class AdminSavings:
    sign_ins: int
    quiz_results: int
    milestone_checks: int
    hours_saved: float


@dataclass(frozen=True)
class RoiFigures:
    path_id: str | None  # None: the whole scope
    learners: int  # distinct learners with an enrollment in scope
    completion: CompletionStats | None
    milestones: MilestoneStats | None
    new_hires: NewHireStats | None
    admin: AdminSavings | None


@dataclass(frozen=True)
class PathPlan:
    """What the analytics need of a path's outline."""

    path_id: str
    unit_ids: tuple[str, ...]  # in the order learners take them
    course_ids: frozenset[str]
    milestone_due_days: Mapping[str, int]  # milestone title -> days after enrolment


@dataclass(frozen=True)
class RoiData:
    """Everything in the caller's scope the figures are computed from."""

    enrollments: tuple[Enrollment, ...]
    learners: Mapping[str, Learner]
    checks: Mapping[str, tuple[Check, ...]]
    activity: Mapping[tuple[str, str], Activity]  # (learner_id, course_id)
    plans: Mapping[str, PathPlan]  # by path id


def roi_figures(
    data: RoiData,
    *,
    path_id: str | None,
    window: Window,
    inputs: RoiInputs,
    basis: IndependenceBasis,
    pass_rating: float,
    min_learners: int,
) -> RoiFigures:
    """Figures for one path, or for everything in `data` when `path_id` is None."""
    enrollments = [e for e in data.enrollments if path_id is None or e.path_id == path_id]
    cohort = [e for e in enrollments if window.holds(e.enrolled_at)]
    due = [(e, d) for e in enrollments for d in _milestones_due(e, data, window)]
    hires = _new_hires(enrollments, data.learners, window)
    if path_id is None:
        active = dict(data.activity)
    else:
        plan = data.plans.get(path_id)
        courses = plan.course_ids if plan else frozenset()
        enrolled = {e.learner_id for e in enrollments}
        active = {k: a for k, a in data.activity.items() if k[0] in enrolled and k[1] in courses}

    def enough(learner_ids: Iterable[str]) -> bool:
        return len(set(learner_ids)) >= min_learners

    completion = None
    if enough(e.learner_id for e in cohort):
        completion = _completion(cohort, window, min_learners)
    milestones = None
    if enough(e.learner_id for e, _ in due):
        milestones = MilestoneStats(len(due), sum(on_time for _, on_time in due))
    first_done = _first_completed(enrollments)
    independent = {
        who.id: _independent_at(who, first_done, data.checks, basis, pass_rating, window)
        for who in hires.values()
    }
    new_hires = None
    if enough(independent):
        days = [
            (at - _start(hires[i])).total_seconds() / SECONDS_PER_DAY
            for i, at in _some(independent)
        ]
        new_hires = NewHireStats(len(hires), len(days), _median(days, min_learners))
    admin = None
    if enough(learner for learner, _ in active):
        sign_ins = sum(a.sign_ins for a in active.values())
        quizzes = sum(a.quiz_results for a in active.values())
        minutes = (
            sign_ins * inputs.minutes_per_sign_in
            + quizzes * inputs.minutes_per_quiz_result
            + len(due) * inputs.minutes_per_milestone_check
        )
        admin = AdminSavings(sign_ins, quizzes, len(due), minutes / 60.0)
    learners = len({e.learner_id for e in enrollments})
    return RoiFigures(path_id, learners, completion, milestones, new_hires, admin)


def _some(found: Mapping[str, datetime | None]) -> list[tuple[str, datetime]]:
    return [(i, at) for i, at in found.items() if at is not None]


def _median(values: list[float], min_learners: int) -> float | None:
    """A median over fewer learners than the minimum would describe too few people."""
    return float(median(values)) if values and len(values) >= min_learners else None


def _completion(cohort: list[Enrollment], window: Window, min_learners: int) -> CompletionStats:
    done = [e for e in cohort if e.completed_at is not None and e.completed_at < window.end]
    days = [
        (e.completed_at - e.enrolled_at).total_seconds() / SECONDS_PER_DAY
        for e in done
        if e.completed_at
    ]
    closed = sum(e.status == "closed" and e.completed_at is None for e in cohort)
    return CompletionStats(len(cohort), len(done), closed, _median(days, min_learners))


def _milestones_due(e: Enrollment, data: RoiData, window: Window) -> list[bool]:
    """On time (True) or late, for each of the enrollment's milestones due in the window:
    due `dueAfterDays` after enrolment when the path says so, else when the path is due."""
    results = []
    for m in e.milestones:
        plan = data.plans.get(e.path_id)
        days = plan.milestone_due_days.get(m.title) if plan else None
        due_at = e.enrolled_at + timedelta(days=days) if days is not None else e.due_at
        if due_at is None or not window.holds(due_at) or due_at >= window.now:
            continue
        results.append(m.completed_at is not None and m.completed_at <= due_at)
    return results


def _new_hires(
    enrollments: list[Enrollment], learners: Mapping[str, Learner], window: Window
) -> dict[str, Learner]:
    """Learners of these enrollments hired in the window (by hire date)."""
    out = {}
    for e in enrollments:
        who = learners.get(e.learner_id)
        if who is None or who.hire_date is None:
            continue
        if window.holds(_start(who)) and _start(who) < window.now:
            out[who.id] = who
    return out


def _start(who: Learner) -> datetime:
    assert who.hire_date is not None
    return datetime.combine(who.hire_date, time(), UTC)


def _first_completed(enrollments: list[Enrollment]) -> dict[str, datetime]:
    """Each learner's first completed enrollment (one pass, not one per new hire)."""
    first: dict[str, datetime] = {}
    for e in enrollments:
        if e.completed_at is not None and (
            e.learner_id not in first or e.completed_at < first[e.learner_id]
        ):
            first[e.learner_id] = e.completed_at
    return first


def _independent_at(
    who: Learner,
    first_done: Mapping[str, datetime],
    checks: Mapping[str, tuple[Check, ...]],
    basis: IndependenceBasis,
    pass_rating: float,
    window: Window,
) -> datetime | None:
    """When a new hire first worked independently, if by the window's end."""
    assert who.hire_date is not None
    at: datetime | None
    if basis is IndependenceBasis.FIRST_PASSING_CHECK:
        day: date | None = first_pass_on_or_after(
            checks.get(who.id, ()), who.hire_date, pass_rating
        )
        at = datetime.combine(day, time(), UTC) if day else None
    else:
        at = first_done.get(who.id)
    return at if at is not None and at <= window.end else None
