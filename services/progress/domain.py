"""Progress domain: learners, enrollments, canonical learning events and computed progress.

Plain dataclasses and rules; knows neither GraphQL nor MongoDB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

# Canonical verbs that finish a unit; every other verb (launched, progressed, ...) only touches it.
DONE_VERBS = frozenset({"completed", "passed"})


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CLOSED = "closed"


class CourseProgressStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass(frozen=True)
class Learner:
    """A person on the roster (from HR); the profile is the canonical `learners` row."""

    id: str
    name: str
    role: str
    department: str
    shift: str
    location: str
    manager_id: str | None = None
    hire_date: date | None = None
    left_at: date | None = None


@dataclass(frozen=True)
class LearnerPage:
    """One page of learners ordered by id, and how many are in scope in all."""

    items: tuple[Learner, ...]
    has_next: bool
    total: int


@dataclass(frozen=True)
class MilestoneState:
    title: str
    done_units: int
    total_units: int
    completed_at: datetime | None

    @property
    def completed(self) -> bool:
        return self.total_units > 0 and self.done_units == self.total_units


@dataclass(frozen=True)
class Enrollment:
    id: str
    learner_id: str
    path_id: str
    status: EnrollmentStatus
    enrolled_at: datetime
    due_at: datetime | None = None
    completed_at: datetime | None = None
    milestones: tuple[MilestoneState, ...] = ()  # kept current as events arrive


@dataclass(frozen=True)
class LearningEvent:
    """One canonical `events` row: what a learner did, when, on which unit."""

    event_id: str
    learner_id: str
    ts: datetime
    verb: str
    course_id: str | None = None
    unit_id: str | None = None
    duration_s: int | None = None
    score: float | None = None
    success: bool | None = None
    attempt: int | None = None
    response: str | None = None
    skill: str | None = None  # for wrong answers: errors are counted per skill


@dataclass(frozen=True)
class CourseOutline:
    course_id: str
    unit_ids: tuple[str, ...]


@dataclass(frozen=True)
class PathOutline:
    """Which courses (and units) make up a path: the progress service's copy of the catalog.

    Seeded from the demo organisation for now; a later issue keeps it in sync from the
    catalog's `pathsFor`, since no service reads another service's database.
    """

    path_id: str
    courses: tuple[CourseOutline, ...]
    milestones: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (title, course ids)


@dataclass(frozen=True)
class CourseFacts:
    """What one learner's events say about one course."""

    done_unit_ids: frozenset[str]
    last_activity_at: datetime | None


@dataclass(frozen=True)
class CourseProgress:
    course_id: str
    completed_units: int
    total_units: int
    last_activity_at: datetime | None

    @property
    def percent(self) -> float:
        return 100.0 * self.completed_units / self.total_units if self.total_units else 0.0

    @property
    def status(self) -> CourseProgressStatus:
        if self.total_units and self.completed_units == self.total_units:
            return CourseProgressStatus.COMPLETED
        if self.completed_units or self.last_activity_at is not None:
            return CourseProgressStatus.IN_PROGRESS
        return CourseProgressStatus.NOT_STARTED


@dataclass(frozen=True)
class EnrollmentProgress:
    enrollment: Enrollment
    courses: tuple[CourseProgress, ...]

    @property
    def progress(self) -> float:
        """Share of the path's units finished, 0..1 (every unit weighs the same)."""
        total = sum(c.total_units for c in self.courses)
        return sum(c.completed_units for c in self.courses) / total if total else 0.0

    @property
    def status(self) -> EnrollmentStatus:
        if self.enrollment.status is EnrollmentStatus.ACTIVE and self.progress >= 1.0:
            return EnrollmentStatus.COMPLETED
        return self.enrollment.status


@dataclass(frozen=True)
class CurrentMilestone:
    """The milestone a learner works toward at a moment, as the canonical `milestones` table
    has it: since when (`assigned_at`), until when (`due_at`), how many units it assigns,
    and whether the learner is reminded when behind (None: unknown)."""

    assigned_at: datetime
    due_at: datetime
    units: int
    reminders: bool | None = None


@dataclass(frozen=True)
class Trajectory:
    """A learner's canonical rows: the profile and their events in a window, oldest first,
    and the milestone they work toward (None: unknown)."""

    tenant_id: str
    learner: Learner
    events: tuple[LearningEvent, ...]
    milestone: CurrentMilestone | None = None


def course_progress(outline: CourseOutline, facts: CourseFacts | None) -> CourseProgress:
    done = facts.done_unit_ids & set(outline.unit_ids) if facts else frozenset()
    last = facts.last_activity_at if facts else None
    return CourseProgress(outline.course_id, len(done), len(outline.unit_ids), last)


def enrollment_progress(
    enrollment: Enrollment, outline: PathOutline | None, facts: Mapping[str, CourseFacts]
) -> EnrollmentProgress:
    """Progress through every course of the enrolled path (none known yet: no courses)."""
    courses = outline.courses if outline else ()
    return EnrollmentProgress(
        enrollment, tuple(course_progress(c, facts.get(c.course_id)) for c in courses)
    )
