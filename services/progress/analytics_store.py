"""Reads for heatmaps and ROI over the progress database: the only analytics module that
knows the driver. Every query filters by tenant (and by learner ids for a manager).

Counting is done by MongoDB aggregation pipelines (answers and recorded items per learner);
per-(learner, unit) states are streamed with only the fields the heatmap needs, so memory
grows with the learners and units in scope, never with the number of events.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from services.progress.domain import Enrollment, Learner
from services.progress.heatmap import UnitFacts
from services.progress.performance import Rating
from services.progress.roi import Activity, PathPlan
from services.progress.store import DATABASE, ProgressStore
from services.progress.store_docs import enrollment_from, learner_from

_NO_ID = {"_id": 0}
_UNIT_FIELDS = {"learner_id": 1, "unit_id": 1, "dwell_s": 1, "replays": 1, "attempts": 1}
_UNIT_FIELDS |= {"completed": 1} | _NO_ID


class AnalyticsStore:
    """Read-only aggregations over the progress collections of one database."""

    def __init__(self, client: Any, *, database: str = DATABASE) -> None:
        db = client.get_database(database)
        self._learners, self._enrollments = db["learners"], db["enrollments"]
        self._outlines, self._events, self._units = db["outlines"], db["events"], db["units"]

    @classmethod
    def beside(cls, store: ProgressStore) -> AnalyticsStore:
        """The analytics reads over the same client and database as `store`."""
        return cls(store.client)

    async def learners(
        self, *, tenant: str, only: frozenset[str] | None
    ) -> dict[str, tuple[Learner, tuple[Rating, ...]]]:
        """Learners in scope (all of the tenant when `only` is None) with their HR ratings."""
        query = _scoped(tenant, only, "id")
        found = {}
        async for d in self._learners.find(query, _NO_ID):
            ratings = tuple(
                Rating(str(r["period"]), float(r["rating"])) for r in d.get("ratings") or []
            )
            found[d["id"]] = (learner_from(d), ratings)
        return found

    async def unit_facts(
        self,
        *,
        tenant: str,
        only: frozenset[str] | None,
        since: datetime | None,
        until: datetime | None,
        unit_ids: Iterable[str] | None = None,
    ) -> list[UnitFacts]:
        """Each (learner, unit) with activity in [since, until): its standing, and the
        questions answered (and answered wrong) in the window."""
        query = _scoped(tenant, only, "learner_id")
        if since is not None:
            query["last_at"] = {"$gte": since}
        if until is not None:
            query["first_at"] = {"$lt": until}
        if unit_ids is not None:
            query["unit_id"] = {"$in": sorted(unit_ids)}
        answers = await self._answers(query_of=query, since=since, until=until)
        facts = []
        async for d in self._units.find(query, _UNIT_FIELDS):
            asked, wrong = answers.get((d["learner_id"], d["unit_id"]), (0, 0))
            facts.append(
                UnitFacts(
                    learner_id=d["learner_id"],
                    unit_id=d["unit_id"],
                    dwell_s=int(d.get("dwell_s", 0)),
                    replays=int(d.get("replays", 0)),
                    attempts=int(d.get("attempts", 0)),
                    completed=bool(d.get("completed", False)),
                    answers=asked,
                    wrong_answers=wrong,
                )
            )
        return facts

    async def _answers(
        self, *, query_of: dict[str, Any], since: datetime | None, until: datetime | None
    ) -> dict[tuple[str, str], tuple[int, int]]:
        match: dict[str, Any] = {
            k: v for k, v in query_of.items() if k in ("tenant_id", "learner_id", "unit_id")
        }
        match |= {"verb": "answered"} | _window("ts", since, until)
        pipeline = [
            {"$match": match},
            {
                "$group": {
                    "_id": {"learner": "$learner_id", "unit": "$unit_id"},
                    "answers": {"$sum": 1},
                    "wrong": {"$sum": {"$cond": [{"$eq": ["$success", False]}, 1, 0]}},
                }
            },
        ]
        out = {}
        async for row in await self._events.aggregate(pipeline):
            out[(row["_id"]["learner"], row["_id"]["unit"])] = (row["answers"], row["wrong"])
        return out

    async def enrollments(
        self, *, tenant: str, only: frozenset[str] | None, path_id: str | None
    ) -> list[Enrollment]:
        query = _scoped(tenant, only, "learner_id")
        if path_id is not None:
            query["path_id"] = path_id
        return [enrollment_from(d) async for d in self._enrollments.find(query, _NO_ID)]

    async def plans(self, *, tenant: str, path_ids: Iterable[str]) -> dict[str, PathPlan]:
        """What the analytics need of each known path's outline."""
        query = {"tenant_id": tenant, "path_id": {"$in": sorted(set(path_ids))}}
        return {d["path_id"]: plan_from(d) async for d in self._outlines.find(query, _NO_ID)}

    async def activity(
        self,
        *,
        tenant: str,
        only: frozenset[str] | None,
        since: datetime | None,
        until: datetime | None,
    ) -> dict[tuple[str, str], Activity]:
        """Per (learner, course): units completed and quiz attempts recorded in the window."""
        match = _scoped(tenant, only, "learner_id") | _window("ts", since, until)
        match["verb"] = {"$in": ["completed", "passed", "failed"]}
        match["course_id"] = {"$ne": None}
        pipeline = [
            {"$match": match},
            {
                "$group": {
                    "_id": {"learner": "$learner_id", "course": "$course_id"},
                    "sign_ins": {"$sum": {"$cond": [{"$eq": ["$verb", "completed"]}, 1, 0]}},
                    "quiz": {"$sum": {"$cond": [{"$eq": ["$verb", "completed"]}, 0, 1]}},
                }
            },
        ]
        return {
            (row["_id"]["learner"], row["_id"]["course"]): Activity(row["sign_ins"], row["quiz"])
            async for row in await self._events.aggregate(pipeline)
        }


def _scoped(tenant: str, only: frozenset[str] | None, key: str) -> dict[str, Any]:
    query: dict[str, Any] = {"tenant_id": tenant}
    if only is not None:
        query[key] = {"$in": sorted(only)}
    return query


def _window(key: str, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    if since is not None:
        bounds["$gte"] = since
    if until is not None:
        bounds["$lt"] = until
    return {key: bounds} if bounds else {}


def plan_from(d: dict[str, Any]) -> PathPlan:
    courses = d.get("courses", [])
    return PathPlan(
        path_id=d["path_id"],
        unit_ids=tuple(u for c in courses for u in c.get("unit_ids", [])),
        course_ids=frozenset(c["course_id"] for c in courses),
        milestone_due_days={
            m["title"]: m["due_after_days"]
            for m in d.get("milestones", [])
            if m.get("due_after_days") is not None
        },
    )
