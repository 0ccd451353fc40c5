"""Translations between progress domain objects and their MongoDB documents (no driver).

BSON has no date type (a day is stored as its midnight in UTC), and the memory fake returns
naive datetimes, so every datetime read goes through `aware`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from services.progress.domain import (
    CourseOutline,
    Enrollment,
    EnrollmentStatus,
    Learner,
    LearningEvent,
    MilestoneState,
    PathOutline,
)
from services.progress.tracking import UnitState

EVENT_FIELDS = (
    "learner_id",
    "ts",
    "verb",
    "course_id",
    "unit_id",
    "duration_s",
    "score",
    "success",
    "attempt",
    "response",
    "skill",
)


def doc_id(*parts: str) -> str:
    """A document's `_id` from its natural key (tenant first), e.g. `demo|lrn-2|u-3`: writes and
    look-ups then go by `_id`, the one index every collection has and keeps unique. `%` and `|`
    inside a part are escaped, so two different keys never give the same `_id`."""
    return "|".join(p.replace("%", "%25").replace("|", "%7C") for p in parts)


def midnight(day: date | None) -> datetime | None:
    # BSON has no date type: store a day as its midnight in UTC.
    return datetime.combine(day, time(), UTC) if day else None


def aware(ts: datetime | None) -> datetime | None:
    # PyMongo (tz_aware=True) returns aware datetimes; the memory fake returns naive UTC ones.
    if ts is None or ts.tzinfo is not None:
        return ts
    return ts.replace(tzinfo=UTC)


def day_of(value: datetime | None) -> date | None:
    return value.date() if value else None


def learner_from(d: dict[str, Any]) -> Learner:
    return Learner(
        id=d["id"],
        name=d["name"],
        role=d.get("role", ""),
        department=d.get("department", ""),
        shift=d.get("shift", ""),
        location=d.get("location", ""),
        manager_id=d.get("manager_id"),
        hire_date=day_of(d.get("hire_date")),
        left_at=day_of(d.get("left_at")),
    )


def enrollment_from(d: dict[str, Any]) -> Enrollment:
    return Enrollment(
        id=d["id"],
        learner_id=d["learner_id"],
        path_id=d["path_id"],
        status=EnrollmentStatus(d["status"]),
        enrolled_at=aware(d["enrolled_at"]) or d["enrolled_at"],
        due_at=aware(d.get("due_at")),
        completed_at=aware(d.get("completed_at")),
        milestones=tuple(
            MilestoneState(
                m["title"], m["done_units"], m["total_units"], aware(m.get("completed_at"))
            )
            for m in d.get("milestones", [])
        ),
    )


def outline_from(d: dict[str, Any]) -> PathOutline:
    courses = tuple(CourseOutline(c["course_id"], tuple(c["unit_ids"])) for c in d["courses"])
    milestones = tuple((m["title"], tuple(m["course_ids"])) for m in d.get("milestones", []))
    return PathOutline(d["path_id"], courses, milestones)


def event_doc(tenant: str, e: LearningEvent) -> dict[str, Any]:
    key = {"_id": doc_id(tenant, e.event_id), "tenant_id": tenant, "event_id": e.event_id}
    return key | {f: getattr(e, f) for f in EVENT_FIELDS}


def present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def unit_from(d: dict[str, Any]) -> UnitState:
    return UnitState(
        learner_id=d["learner_id"],
        unit_id=d["unit_id"],
        course_id=d.get("course_id"),
        first_at=aware(d.get("first_at")),
        last_at=aware(d.get("last_at")),
        dwell_s=int(d.get("dwell_s", 0)),
        replays=int(d.get("replays", 0)),
        attempts=int(d.get("attempts", 0)),
        errors=dict(d.get("errors", {})),
        best_score=d.get("best_score"),
        passed=bool(d.get("passed", False)),
        completed=bool(d.get("completed", False)),
        completed_at=aware(d.get("completed_at")),
    )


def event_from(d: dict[str, Any]) -> LearningEvent:
    fields: dict[str, Any] = {f: d.get(f) for f in EVENT_FIELDS}
    fields["ts"] = aware(d["ts"])
    return LearningEvent(event_id=d["event_id"], **fields)
