"""The progress service's MongoDB repository (`learnpulse_progress`): the only module that
knows the driver. Every document carries `tenant_id`, every query filters by it, and events are
one document each (never an unbounded array). Documents written on the ingest path (events,
units, enrollments) have their natural key as `_id` (`store_docs.doc_id`), so writes and the
look-ups of a batch go by the one index MongoDB keeps for every collection, with `$in`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import UpdateOne, WriteConcern
from pymongo.errors import BulkWriteError

from learnpulse import mongo
from services.progress.alert_store import AlertStore
from services.progress.assessment_store import AssessmentStore
from services.progress.domain import (
    DONE_VERBS,
    CourseFacts,
    Enrollment,
    Learner,
    LearnerPage,
    LearningEvent,
    PathOutline,
)
from services.progress.statement_store import StatementStore
from services.progress.store_docs import (
    aware,
    doc_id,
    enrollment_from,
    event_doc,
    event_from,
    learner_from,
    midnight,
    outline_from,
    present,
    unit_from,
)
from services.progress.tracking import EnrollmentState, UnitDelta, UnitKey, UnitState

DATABASE = "learnpulse_progress"
_NO_ID = {"_id": 0}
_DUPLICATE_KEY = 11000


def write_concern(value: str) -> WriteConcern:
    """`majority`, a node count such as `1`, or a tag set name (LEARNPULSE_MONGO_WRITE_CONCERN)."""
    return WriteConcern(w=int(value) if value.isdigit() else value)


class ProgressStore:
    """Roster, enrollments, path outlines and learning events, per tenant."""

    def __init__(self, client: Any, *, database: str = DATABASE, concern: str = "majority") -> None:
        self.client = client
        db = client.get_database(database, write_concern=write_concern(concern))
        self._learners, self._enrollments = db["learners"], db["enrollments"]
        self._outlines, self._events, self._units = db["outlines"], db["events"], db["units"]
        self.statements = StatementStore(db)
        self.assessments = AssessmentStore(db)  # risk history, pending marks, sweep state
        self.alerts = AlertStore(db)  # outbox, stall episodes, notification policies

    @classmethod
    def connect(cls, url: str, *, concern: str = "majority") -> ProgressStore:
        return cls(mongo.connect(url), concern=concern)

    async def close(self) -> None:
        await mongo.close(self.client)

    async def ping(self) -> bool:
        return await mongo.ping(self.client)

    async def ensure_indexes(self) -> None:
        await self._learners.create_index([("tenant_id", 1), ("id", 1)], unique=True)
        await self._learners.create_index([("tenant_id", 1), ("manager_id", 1)])
        # Events, units and enrollments are unique by `_id` (tenant + natural key): no second
        # unique index to keep on every write.
        await self._enrollments.create_index([("tenant_id", 1), ("learner_id", 1)])
        await self._outlines.create_index([("tenant_id", 1), ("path_id", 1)], unique=True)
        await self._events.create_index([("tenant_id", 1), ("learner_id", 1), ("ts", -1)])
        await self._events.create_index([("tenant_id", 1), ("ts", 1)])
        await self._units.create_index([("tenant_id", 1), ("learner_id", 1), ("unit_id", 1)])
        await self._units.create_index([("tenant_id", 1), ("course_id", 1)])
        await self._units.create_index([("tenant_id", 1), ("unit_id", 1)])  # unit statistics
        await self._enrollments.create_index([("tenant_id", 1), ("path_id", 1)])  # enrolled
        await self.statements.ensure_indexes()
        await self.assessments.ensure_indexes()
        await self.alerts.ensure_indexes()

    async def put_learner(
        self, *, tenant: str, learner: Learner, extra: dict[str, Any] | None = None
    ) -> None:
        """Replace a learner's profile; `extra` holds HR fields beyond it (ratings)."""
        doc = (
            vars(learner)
            | (extra or {})
            | {
                "hire_date": midnight(learner.hire_date),
                "left_at": midnight(learner.left_at),
            }
        )
        await self._replace(self._learners, {"tenant_id": tenant, "id": learner.id}, doc)

    async def put_enrollment(self, *, tenant: str, enrollment: Enrollment) -> None:
        doc = vars(enrollment) | {
            "status": enrollment.status.value,
            "milestones": [vars(m) for m in enrollment.milestones],
        }
        key = {"_id": doc_id(tenant, enrollment.id), "tenant_id": tenant, "id": enrollment.id}
        await self._replace(self._enrollments, key, doc)

    async def put_outline(self, *, tenant: str, outline: PathOutline) -> None:
        courses = [
            {"course_id": c.course_id, "unit_ids": list(c.unit_ids)} for c in outline.courses
        ]
        milestones = [{"title": t, "course_ids": list(ids)} for t, ids in outline.milestones]
        key = {"tenant_id": tenant, "path_id": outline.path_id}
        await self._replace(self._outlines, key, {"courses": courses, "milestones": milestones})

    async def insert_new_events(
        self, *, tenant: str, events: list[LearningEvent]
    ) -> list[LearningEvent]:
        """Insert events; returns those not stored before (a duplicate id is skipped, once)."""
        if not events:
            return []
        docs = [event_doc(tenant, e) for e in events]
        try:
            await self._events.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(err.get("code") != _DUPLICATE_KEY for err in errors):
                raise
            skipped = {int(err["index"]) for err in errors}
            return [e for i, e in enumerate(events) if i not in skipped]
        return list(events)

    async def remove_event(self, *, tenant: str, event_id: str) -> LearningEvent | None:
        found = await self._events.find_one_and_delete(
            {"_id": doc_id(tenant, event_id), "tenant_id": tenant}, projection=_NO_ID
        )
        return event_from(found) if found else None

    async def apply_unit_deltas(self, *, tenant: str, deltas: dict[UnitKey, UnitDelta]) -> None:
        """One atomic single-document upsert per (learner, unit), commutative operators only,
        sent in one unordered bulk write (one round trip per batch)."""
        ops = []
        for (learner_id, unit_id), d in deltas.items():
            inc: dict[str, Any] = {"dwell_s": d.dwell_s, "replays": d.replays}
            inc |= {"attempts": d.attempts} | {f"errors.{k}": n for k, n in d.errors.items()}
            low = {"first_at": d.first_at, "completed_at": d.completed_at}
            high = {"last_at": d.last_at, "best_score": d.best_score, "course_id": d.course_id}
            high |= {"passed": d.passed, "completed": d.completed}
            update = {"$inc": inc, "$min": present(low), "$max": present(high)}
            key = _unit_key(tenant, learner_id, unit_id)
            ops.append(UpdateOne(key, {op: f for op, f in update.items() if f}, upsert=True))
        if ops:
            await self._units.bulk_write(ops, ordered=False)

    async def rebuild_unit(
        self, *, tenant: str, learner_id: str, unit_id: str, delta: UnitDelta | None
    ) -> None:
        """Replace a unit's state with `delta` folded from all its events (after a voiding);
        None (no events left) removes it."""
        key = _unit_key(tenant, learner_id, unit_id)
        if delta is None:
            await self._units.delete_one(key)
            return
        doc = {k: v for k, v in vars(delta).items() if k != "errors"}
        await self._replace(self._units, key, doc | {"errors": dict(delta.errors)})

    async def unit_events(
        self, *, tenant: str, learner_id: str, unit_id: str
    ) -> list[LearningEvent]:
        query = {"tenant_id": tenant, "learner_id": learner_id, "unit_id": unit_id}
        return [event_from(d) async for d in self._events.find(query, _NO_ID)]

    async def unit_states(
        self, *, tenant: str, learner_ids: Iterable[str] | None
    ) -> dict[str, list[UnitState]]:
        """By learner; `learner_ids=None` reads the whole tenant (sweeps), without a long `$in`."""
        query: dict[str, Any] = {"tenant_id": tenant}
        if learner_ids is not None:
            query["learner_id"] = {"$in": list(learner_ids)}
        grouped: dict[str, list[UnitState]] = defaultdict(list)
        async for d in self._units.find(query, _NO_ID).sort("unit_id", 1):
            grouped[d["learner_id"]].append(unit_from(d))
        return grouped

    async def unit_states_of(
        self, *, tenant: str, keys: Iterable[UnitKey]
    ) -> dict[str, list[UnitState]]:
        """The states of the given (learner, unit) pairs that exist, by learner (by `_id`)."""
        ids = sorted({doc_id(tenant, learner, unit) for learner, unit in keys})
        grouped: dict[str, list[UnitState]] = defaultdict(list)
        async for d in self._units.find({"_id": {"$in": ids}, "tenant_id": tenant}, _NO_ID):
            grouped[d["learner_id"]].append(unit_from(d))
        return grouped

    async def set_enrollment_state(
        self, *, tenant: str, enrollment_id: str, state: EnrollmentState
    ) -> None:
        milestones = [
            {
                "title": m.title,
                "done_units": m.done_units,
                "total_units": m.total_units,
                "completed_at": m.completed_at,
            }
            for m in state.milestones
        ]
        key = {"_id": doc_id(tenant, enrollment_id), "tenant_id": tenant}
        fields = {"milestones": milestones, "progress": state.progress}
        await self._enrollments.update_one(key, {"$set": fields})
        if state.completed_at is not None:
            done = {"status": "completed", "completed_at": state.completed_at}
            await self._enrollments.update_one(key | {"status": "active"}, {"$set": done})

    async def close_enrollments(self, *, tenant: str, learner_id: str) -> int:
        """A leaver's open enrollments close; returns how many."""
        result = await self._enrollments.update_many(
            {"tenant_id": tenant, "learner_id": learner_id, "status": "active"},
            {"$set": {"status": "closed"}},
        )
        return int(result.modified_count)

    async def tenant_learners(self, *, tenant: str) -> Any:
        """Every learner of a tenant, by id (an async iterator, for streaming exports)."""
        async for d in self._learners.find({"tenant_id": tenant}, _NO_ID).sort("id", 1):
            yield learner_from(d)

    async def tenant_events(
        self, *, tenant: str, since: datetime | None, until: datetime | None
    ) -> Any:
        """A tenant's events in [since, until), oldest first (an async iterator)."""
        window: dict[str, Any] = {}
        if since is not None:
            window["$gte"] = since
        if until is not None:
            window["$lt"] = until
        query: dict[str, Any] = {"tenant_id": tenant} | ({"ts": window} if window else {})
        async for d in self._events.find(query, _NO_ID).sort([("ts", 1), ("event_id", 1)]):
            yield event_from(d)

    async def learners_by_ids(self, *, tenant: str, ids: Iterable[str]) -> dict[str, Learner]:
        query = {"tenant_id": tenant, "id": {"$in": list(ids)}}
        return {d["id"]: learner_from(d) async for d in self._learners.find(query, _NO_ID)}

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
        return LearnerPage(tuple(learner_from(d) for d in docs[:first]), len(docs) > first, total)

    async def enrollments_of(
        self, *, tenant: str, learner_ids: Iterable[str] | None
    ) -> dict[str, list[Enrollment]]:
        """By learner, oldest first; `learner_ids=None` reads the whole tenant (sweeps)."""
        query: dict[str, Any] = {"tenant_id": tenant}
        if learner_ids is not None:
            query["learner_id"] = {"$in": list(learner_ids)}
        grouped: dict[str, list[Enrollment]] = defaultdict(list)
        async for d in self._enrollments.find(query, _NO_ID).sort("enrolled_at", 1):
            grouped[d["learner_id"]].append(enrollment_from(d))
        return grouped

    async def outlines_of(self, *, tenant: str, path_ids: Iterable[str]) -> dict[str, PathOutline]:
        query = {"tenant_id": tenant, "path_id": {"$in": list(path_ids)}}
        return {d["path_id"]: outline_from(d) async for d in self._outlines.find(query, _NO_ID)}

    async def course_facts(
        self, *, tenant: str, learner_ids: Iterable[str]
    ) -> dict[str, dict[str, CourseFacts]]:
        """Per learner and course: the units finished and the last activity, in one query."""
        finished = {"$cond": [{"$in": ["$verb", sorted(DONE_VERBS)]}, "$unit_id", None]}
        pipeline = [
            {
                "$match": {
                    "tenant_id": tenant,
                    "learner_id": {"$in": list(learner_ids)},
                    "course_id": {"$ne": None},
                }
            },
            {
                "$group": {
                    "_id": {"learner": "$learner_id", "course": "$course_id"},
                    "last": {"$max": "$ts"},
                    "done": {"$addToSet": finished},
                }
            },
        ]
        facts: dict[str, dict[str, CourseFacts]] = defaultdict(dict)
        async for row in await self._events.aggregate(pipeline):
            done = frozenset(u for u in row["done"] if u is not None)
            facts[row["_id"]["learner"]][row["_id"]["course"]] = CourseFacts(
                done, aware(row["last"])
            )
        return facts

    async def recent_events(
        self, *, tenant: str, learner_id: str, limit: int
    ) -> list[LearningEvent]:
        query = {"tenant_id": tenant, "learner_id": learner_id}
        cursor = self._events.find(query, _NO_ID).sort([("ts", -1), ("event_id", -1)]).limit(limit)
        return [event_from(d) async for d in cursor]

    async def events_since(
        self, *, tenant: str, learner_id: str, since: datetime
    ) -> list[LearningEvent]:
        """A learner's events from `since` on, oldest first (a trajectory)."""
        query = {"tenant_id": tenant, "learner_id": learner_id, "ts": {"$gte": since}}
        cursor = self._events.find(query, _NO_ID).sort([("ts", 1), ("event_id", 1)])
        return [event_from(d) async for d in cursor]

    @staticmethod
    async def _replace(collection: Any, key: dict[str, Any], doc: dict[str, Any]) -> None:
        await collection.replace_one(key, doc | key, upsert=True)


def _unit_key(tenant: str, learner_id: str, unit_id: str) -> dict[str, Any]:
    """A unit state's filter: its `_id` plus the fields an upsert copies into a new document."""
    return {
        "_id": doc_id(tenant, learner_id, unit_id),
        "tenant_id": tenant,
        "learner_id": learner_id,
        "unit_id": unit_id,
    }
