"""Catalog domain: courses, their micro-units and learning paths.

Plain dataclasses; knows neither GraphQL nor MongoDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CourseStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class UnitKind(StrEnum):
    VIDEO = "video"
    READING = "reading"
    QUIZ = "quiz"
    PRACTICE = "practice"


class QuestionKind(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool = False


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    kind: QuestionKind
    options: tuple[Option, ...]
    skill: str | None = None
    explanation: str | None = None


@dataclass(frozen=True)
class RetakePolicy:
    """How often a learner may retake a quiz (None: without limit) and how long to wait."""

    max_attempts: int | None = None
    wait_minutes: int = 0


@dataclass(frozen=True)
class Quiz:
    questions: tuple[Question, ...]
    pass_score: int = 80  # percent of questions answered correctly
    retake: RetakePolicy = RetakePolicy()


@dataclass(frozen=True)
class Unit:
    id: str
    course_id: str
    title: str
    kind: UnitKind
    expected_minutes: int | None  # None until the author knows; publishing requires it
    position: int
    media_url: str | None = None
    skills: tuple[str, ...] = ()
    quiz: Quiz | None = None


@dataclass(frozen=True)
class Course:
    """The head of a course: its latest content, a draft or the published version itself."""

    id: str
    title: str
    summary: str
    status: CourseStatus = CourseStatus.DRAFT
    version: int = 1
    tags: tuple[str, ...] = ()
    published_version: int | None = None
    external_id: str | None = None  # stable across tenants and environments (import/export)


@dataclass(frozen=True)
class CourseVersion:
    """A frozen, published version: what learners who started it keep seeing."""

    course: Course
    units: tuple[Unit, ...]
    published_at: datetime
    published_by: str
    required: bool = False  # learners on older versions must move to this one

    @property
    def number(self) -> int:
        return self.course.version


@dataclass(frozen=True)
class Milestone:
    title: str
    course_ids: tuple[str, ...]
    due_after_days: int | None = None


@dataclass(frozen=True)
class LearningPath:
    id: str
    title: str
    course_ids: tuple[str, ...]
    milestones: tuple[Milestone, ...] = ()


@dataclass(frozen=True)
class CourseFilter:
    """What `courses(...)` narrows the catalog to; empty fields do not filter."""

    status: CourseStatus | None = None
    tag: str | None = None
    search: str | None = None
    published_only: bool = False  # learners' view: no never-published drafts; see `status_for`


@dataclass(frozen=True)
class CoursePage:
    """One page of courses ordered by id, and how many match the filter in all."""

    items: tuple[Course, ...]
    has_next: bool
    total: int


def duration_minutes(units: list[Unit] | tuple[Unit, ...]) -> int:
    """Sum of the known expected minutes."""
    return sum(unit.expected_minutes or 0 for unit in units)


def version_for_learner(versions: list[CourseVersion], started: int) -> int:
    """The version a learner who started on `started` takes: theirs, or a later required one."""
    required = [v.number for v in versions if v.required and v.number > started]
    return max(required, default=started)
