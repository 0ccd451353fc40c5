"""Catalog domain: courses, their micro-units and learning paths.

Plain dataclasses; knows neither GraphQL nor MongoDB.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Unit:
    id: str
    course_id: str
    title: str
    kind: UnitKind
    expected_minutes: int
    position: int


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    summary: str
    status: CourseStatus = CourseStatus.DRAFT
    version: int = 1
    tags: tuple[str, ...] = ()


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


@dataclass(frozen=True)
class CoursePage:
    """One page of courses ordered by id, and how many match the filter in all."""

    items: tuple[Course, ...]
    has_next: bool
    total: int


def duration_minutes(units: list[Unit]) -> int:
    return sum(unit.expected_minutes for unit in units)
