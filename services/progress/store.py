"""The progress service's MongoDB repository (`learnpulse_progress`): the only module that
knows the driver. Every document carries `tenant_id`, every query filters by it, and events are
one document each (never an unbounded array), unique per (tenant_id, event_id).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from pymongo import UpdateOne

from learnpulse import mongo
from services.progress.domain import (
    DONE_VERBS,
    CourseFacts,
    CourseOutline,
    Enrollment,
    EnrollmentStatus,
    Learner,
    LearnerPage,
    LearningEvent,
    PathOutline,
)

DATABASE = "learnpulse_progress"
_NO_ID = {"_id": 0}
_EVENT_FIELDS = (
    "learner_id", "ts", "verb", "course_id", "unit_id", "duration_s", "score", "success",
    "attempt", "response",
)  # fmt: skip


class ProgressStore:
    """Roster, enrollments, path outlines and learning events, per tenant."""

    def __init__(self, client: Any, *, database: str = DATABASE) -> None:
        self.client = client
        db = client[database]
        self._learners, self._enrollments = db["learners"], db["enrollments"]
        self._outlines, self._events = db["outlines"], db["events"]

    @classmethod
    def connect(cls, url: str) -> ProgressStore:
        return cls(mongo.connect(url))

    async def close(self) -> None:
        await mongo.close(self.client)

    async def ping(self) -> bool:
        return await mongo.ping(self.client)

    async def ensure_indexes(self) -> None:
        await self._learners.create_index([("tenant_id", 1), ("id", 1)], unique=True)
        await self._learners.create_index([("tenant_id", 1), ("manager_id", 1)])
        await self._enrollments.create_index([("tenant_id", 1), ("id", 1)], unique=True)
        await self._enrollments.create_index([("tenant_id", 1), ("learner_id", 1)])
        await self._outlines.create_index([("tenant_id", 1), ("path_id", 1)], unique=True)
        await self._events.create_index([("tenant_id", 1), ("event_id", 1)], unique=True)
        await self._events.create_index([("tenant_id", 1), ("learner_id", 1), ("ts", -1)])

    async def put_learner(self, *, tenant: str, learner: Learner) -> None:
        doc = vars(learner) | {
            "hire_date": _midnight(learner.hire_date),
            "left_at": _midnight(learner.left_at),
        }
        await self._replace(self._learners, {"tenant_id": tenant, "id": learner.id}, doc)

    async def put_enrollment(self, *, tenant: str, enrollment: Enrollment) -> None:
        doc = vars(enrollment) | {"status": enrollment.status.value}
        await self._replace(self._enrollments, {"tenant_id": tenant, "id": enrollment.id}, doc)

    async def put_outline(self, *, tenant: str, outline: PathOutline) -> None:
        courses = [
            {"course_id": c.course_id, "unit_ids": list(c.unit_ids)} for c in outline.courses
        ]
        key = {"tenant_id": tenant, "path_id": outline.path_id}
        await self._replace(self._outlines, key, {"courses": courses})

    async def add_events(self, *, tenant: str, events: Iterable[LearningEvent]) -> int:
        """Store events not seen before (by event_id); returns how many were new."""
        ops = [
            UpdateOne(
                {"tenant_id": tenant, "event_id": e.event_id},
                {"$setOnInsert": {f: getattr(e, f) for f in _EVENT_FIELDS}},
                upsert=True,
            )
            for e in events
        ]
        if not ops:
            return 0
        result = await self._events.bulk_write(ops, ordered=False)
        return int(result.upserted_count)

    async def learners_by_ids(self, *, tenant: str, ids: Iterable[str]) -> dict[str, Learner]:
        query = {"tenant_id": tenant, "id": {"$in": list(ids)}}
        return {d["id"]: _learner(d) async for d in self._learners.find(query, _NO_ID)}

    async def page_of_learners(
        self, *, tenant: str, only: frozenset[str] | None, first: int, after: str | None
    ) -> LearnerPage:
        """Learners ordered by id, restricted to `only` when given."""
        query: dict[str, Any] = {"tenant_id": tenant}
        if only is not None:
            query["id"] = {"$in": sorted(only)}
        total = await self._learners.count_documents(query)
        if after is not None:
            query["$and"] = [{"id": {"$gt": after}}]
        # One extra row tells whether another page follows.
        cursor = self._learners.find(query, _NO_ID).sort("id", 1).limit(first + 1)
        docs = [d async for d in cursor]
        return LearnerPage(tuple(_learner(d) for d in docs[:first]), len(docs) > first, total)

    async def enrollments_of(
        self, *, tenant: str, learner_ids: Iterable[str]
    ) -> dict[str, list[Enrollment]]:
        query = {"tenant_id": tenant, "learner_id": {"$in": list(learner_ids)}}
        grouped: dict[str, list[Enrollment]] = defaultdict(list)
        async for d in self._enrollments.find(query, _NO_ID).sort("enrolled_at", 1):
            grouped[d["learner_id"]].append(_enrollment(d))
        return grouped

    async def outlines_of(self, *, tenant: str, path_ids: Iterable[str]) -> dict[str, PathOutline]:
        query = {"tenant_id": tenant, "path_id": {"$in": list(path_ids)}}
        return {d["path_id"]: _outline(d) async for d in self._outlines.find(query, _NO_ID)}

    async def course_facts(
        self, *, tenant: str, learner_ids: Iterable[str]
    ) -> dict[str, dict[str, CourseFacts]]:
        """Per learner and course: the units finished and the last activity, in one query."""
        finished = {"$cond": [{"$in": ["$verb", sorted(DONE_VERBS)]}, "$unit_id", None]}
        pipeline = [
            {"$match": {"tenant_id": tenant, "learner_id": {"$in": list(learner_ids)},
                        "course_id": {"$ne": None}}},
            {"$group": {"_id": {"learner": "$learner_id", "course": "$course_id"},
                        "last": {"$max": "$ts"}, "done": {"$addToSet": finished}}},
        ]  # fmt: skip
        facts: dict[str, dict[str, CourseFacts]] = defaultdict(dict)
        async for row in await self._events.aggregate(pipeline):
            done = frozenset(u for u in row["done"] if u is not None)
            facts[row["_id"]["learner"]][row["_id"]["course"]] = CourseFacts(
                done, _aware(row["last"])
            )
        return facts

    async def recent_events(
        self, *, tenant: str, learner_id: str, limit: int
    ) -> list[LearningEvent]:
        query = {"tenant_id": tenant, "learner_id": learner_id}
        cursor = self._events.find(query, _NO_ID).sort([("ts", -1), ("event_id", -1)]).limit(limit)
        return [_event(d) async for d in cursor]

    async def events_since(
        self, *, tenant: str, learner_id: str, since: datetime
    ) -> list[LearningEvent]:
        """A learner's events from `since` on, oldest first (a trajectory)."""
        query = {"tenant_id": tenant, "learner_id": learner_id, "ts": {"$gte": since}}
        cursor = self._events.find(query, _NO_ID).sort([("ts", 1), ("event_id", 1)])
        return [_event(d) async for d in cursor]

    @staticmethod
    async def _replace(collection: Any, key: dict[str, Any], doc: dict[str, Any]) -> None:
        await collection.replace_one(key, doc | key, upsert=True)


def _midnight(day: date | None) -> datetime | None:
    # BSON has no date type: store a day as its midnight in UTC.
    return datetime.combine(day, time(), UTC) if day else None


def _aware(ts: datetime | None) -> datetime | None:
    # PyMongo (tz_aware=True) returns aware datetimes; the memory fake returns naive UTC ones.
    if ts is None or ts.tzinfo is not None:
        return ts
    return ts.replace(tzinfo=UTC)


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _learner(d: dict[str, Any]) -> Learner:
    return Learner(
        id=d["id"],
        name=d["name"],
        role=d.get("role", ""),
        department=d.get("department", ""),
        shift=d.get("shift", ""),
        location=d.get("location", ""),
        manager_id=d.get("manager_id"),
        hire_date=_day(d.get("hire_date")),
        left_at=_day(d.get("left_at")),
    )


def _enrollment(d: dict[str, Any]) -> Enrollment:
    return Enrollment(
        id=d["id"],
        learner_id=d["learner_id"],
        path_id=d["path_id"],
        status=EnrollmentStatus(d["status"]),
        enrolled_at=_aware(d["enrolled_at"]) or d["enrolled_at"],
        due_at=_aware(d.get("due_at")),
    )


def _outline(d: dict[str, Any]) -> PathOutline:
    courses = tuple(CourseOutline(c["course_id"], tuple(c["unit_ids"])) for c in d["courses"])
    return PathOutline(d["path_id"], courses)


def _event(d: dict[str, Any]) -> LearningEvent:
    fields: dict[str, Any] = {f: d.get(f) for f in _EVENT_FIELDS}
    fields["ts"] = _aware(d["ts"])
    return LearningEvent(event_id=d["event_id"], **fields)
