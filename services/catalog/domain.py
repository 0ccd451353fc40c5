"""Catalog domain: courses, their micro-units and learning paths, plus paging rules.

Plain dataclasses; knows neither GraphQL nor MongoDB.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from enum import StrEnum

MAX_PAGE = 100


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


class InvalidArgument(ValueError):
    """A caller's argument is out of range; the API reports it as BAD_USER_INPUT naming it."""

    code = "BAD_USER_INPUT"

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.details = {"argument": argument}


def check_first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidArgument("first", f"`first` must be between 1 and {MAX_PAGE}, got {first}")
    return first


def encode_cursor(item_id: str) -> str:
    return base64.urlsafe_b64encode(f"id:{item_id}".encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    """The id a cursor points after; cursors are opaque to callers."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith("id:"):
        raise InvalidArgument("after", "`after` is not a cursor returned by this API")
    return raw[3:]


def duration_minutes(units: list[Unit]) -> int:
    return sum(unit.expected_minutes for unit in units)
