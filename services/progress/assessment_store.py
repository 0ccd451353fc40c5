"""MongoDB repository of risk assessments (one document each, never an array that grows), the
learners whose newer activity waits to be scored, and each tenant's sweep state.

Everything is keyed by `tenant_id`. It also reads the progress store's `learners` and `events`
collections (same database) the way sweeps need them: tenants, and many learners' events at once.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo import DeleteOne, UpdateOne
from pymongo.errors import BulkWriteError

from services.progress.assessments import (
    Assessment,
    AssessmentPage,
    Estimate,
    Factor,
    FactorDirection,
    ModelRef,
    PendingMark,
    RiskBand,
    SweepState,
    Trigger,
)
from services.progress.domain import LearningEvent
from services.progress.store_docs import aware, doc_id, event_from

_NO_ID = {"_id": 0}
_DUPLICATE_KEY = 11000
_IN_CHUNK = 50  # learners per events query


class AssessmentStore:
    def __init__(self, db: Any) -> None:
        self._assessments, self._pending = db["risk_assessments"], db["risk_pending"]
        self._sweeps, self._learners, self._events = db["risk_sweeps"], db["learners"], db["events"]

    async def ensure_indexes(self) -> None:
        await self._assessments.create_index(
            [("tenant_id", 1), ("learner_id", 1), ("as_of", -1)], unique=True
        )
        # marks are keyed (and kept unique) by `_id`, tenant|learner; this lists a tenant's
        await self._pending.create_index([("tenant_id", 1), ("learner_id", 1)])
        await self._sweeps.create_index("tenant_id", unique=True)

    # -- assessments -------------------------------------------------------------------------

    async def insert_new(self, *, tenant: str, assessments: list[Assessment]) -> list[Assessment]:
        """Store assessments; returns those not stored before (same learner and as_of: skipped)."""
        if not assessments:
            return []
        try:
            await self._assessments.insert_many(
                [_doc(tenant, a) for a in assessments], ordered=False
            )
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(err.get("code") != _DUPLICATE_KEY for err in errors):
                raise
            skipped = {int(err["index"]) for err in errors}
            return [a for i, a in enumerate(assessments) if i not in skipped]
        return list(assessments)

    async def latest(
        self, *, tenant: str, learner_ids: Iterable[str], before: datetime | None = None
    ) -> dict[str, Assessment]:
        """Each learner's newest assessment (strictly before `before` when given), one query."""
        match: dict[str, Any] = {"tenant_id": tenant, "learner_id": {"$in": list(learner_ids)}}
        if before is not None:
            match["as_of"] = {"$lt": before}
        pipeline = [
            {"$match": match},
            {"$sort": {"learner_id": 1, "as_of": -1}},
            {"$group": {"_id": "$learner_id", "doc": {"$first": "$$ROOT"}}},
        ]
        return {
            row["_id"]: _assessment(row["doc"])
            async for row in await self._assessments.aggregate(pipeline)
        }

    async def page(
        self, *, tenant: str, learner_id: str, first: int, before: datetime | None
    ) -> AssessmentPage:
        """A learner's assessments, newest first, older than `before` when given."""
        query: dict[str, Any] = {"tenant_id": tenant, "learner_id": learner_id}
        total = await self._assessments.count_documents(query)
        if before is not None:
            query["as_of"] = {"$lt": before}
        cursor = self._assessments.find(query, _NO_ID).sort("as_of", -1).limit(first + 1)
        docs = [d async for d in cursor]
        return AssessmentPage(tuple(_assessment(d) for d in docs[:first]), len(docs) > first, total)

    # -- learners waiting to be scored ------------------------------------------------------

    async def mark_pending(self, *, tenant: str, learner_ids: Iterable[str]) -> None:
        """Note new activity: one upsert per learner by `_id`, in one round trip. The counter
        lets a sweep clear only the marks it scored (activity during scoring keeps its mark)."""
        ops = [
            UpdateOne(
                {"_id": doc_id(tenant, i)},
                {"$inc": {"marks": 1}, "$setOnInsert": {"tenant_id": tenant, "learner_id": i}},
                upsert=True,
            )
            for i in sorted(set(learner_ids))
        ]
        if ops:
            await self._pending.bulk_write(ops, ordered=False)

    async def pending(self, *, tenant: str, limit: int) -> dict[str, PendingMark]:
        """Up to `limit` learners waiting to be scored, with their marks."""
        cursor = self._pending.find({"tenant_id": tenant}, _NO_ID).sort("learner_id", 1)
        return {
            d["learner_id"]: PendingMark(int(d["marks"]), aware(d.get("seen_at")))
            async for d in cursor.limit(limit)
        }

    async def see_pending(self, *, tenant: str, learner_ids: Iterable[str], now: datetime) -> None:
        """Start the debounce of marks no sweep had seen."""
        query = {"_id": {"$in": _ids(tenant, learner_ids)}, "seen_at": None}
        await self._pending.update_many(query, {"$set": {"seen_at": now}})

    async def pending_among(self, *, tenant: str, learner_ids: Iterable[str]) -> set[str]:
        query = {"_id": {"$in": _ids(tenant, learner_ids)}}
        return {d["learner_id"] async for d in self._pending.find(query, _NO_ID)}

    async def clear_pending(
        self, *, tenant: str, marks: dict[str, int], now: datetime | None = None
    ) -> None:
        """Drop the marks that are still exactly as read; one that newer activity changed stays,
        and with `now` its debounce starts again from then."""
        ops = [DeleteOne({"_id": doc_id(tenant, i), "marks": n}) for i, n in marks.items()]
        if not ops:
            return
        await self._pending.bulk_write(ops, ordered=False)
        if now is not None:
            query = {"_id": {"$in": _ids(tenant, marks)}}
            await self._pending.update_many(query, {"$set": {"seen_at": now}})

    # -- sweep state ---------------------------------------------------------------------------

    async def sweep_state(self, *, tenant: str) -> SweepState:
        d = await self._sweeps.find_one({"tenant_id": tenant}, _NO_ID)
        if d is None:
            return SweepState()
        return SweepState(
            failures=int(d.get("failures", 0)),
            retry_at=aware(d.get("retry_at")),
            daily_for=d.get("daily_for"),
            last_error=d.get("last_error"),
        )

    async def put_sweep_state(self, *, tenant: str, state: SweepState) -> None:
        key = {"tenant_id": tenant}
        await self._sweeps.replace_one(key, asdict(state) | key, upsert=True)

    # -- what sweeps read from the progress store's collections --------------------------------

    async def tenants(self) -> list[str]:
        """Every tenant with a roster."""
        return sorted(await self._learners.distinct("tenant_id"))

    async def events_of(
        self, *, tenant: str, learner_ids: Iterable[str], since: datetime, until: datetime
    ) -> dict[str, list[LearningEvent]]:
        """Each learner's events in [since, until], oldest first: one query per `_IN_CHUNK`
        learners, run together (a long `$in` list costs the memory fake a scan of it per
        document; MongoDB answers each from the (tenant_id, learner_id, ts) index)."""
        ids = list(learner_ids)
        grouped: dict[str, list[LearningEvent]] = defaultdict(list)

        async def read(chunk: list[str]) -> None:
            query = {
                "tenant_id": tenant,
                "learner_id": {"$in": chunk},
                "ts": {"$gte": since, "$lte": until},
            }
            async for d in self._events.find(query, _NO_ID):
                grouped[d["learner_id"]].append(event_from(d))

        await asyncio.gather(*(read(ids[i : i + _IN_CHUNK]) for i in range(0, len(ids), _IN_CHUNK)))
        for events in grouped.values():
            events.sort(key=lambda e: (e.ts, e.event_id))
        return grouped


def _ids(tenant: str, learner_ids: Iterable[str]) -> list[str]:
    return sorted(doc_id(tenant, i) for i in set(learner_ids))


def _doc(tenant: str, a: Assessment) -> dict[str, Any]:
    return {
        "tenant_id": tenant,
        "id": a.id,
        "learner_id": a.learner_id,
        "as_of": a.as_of,
        "trigger": a.trigger.value,
        "attrition": _estimate_doc(a.attrition),
        "stall": _estimate_doc(a.stall),
    }


def _estimate_doc(e: Estimate) -> dict[str, Any]:
    return {
        "probability": e.probability,
        "band": e.band.value,
        "model": asdict(e.model),
        "factors": [asdict(f) | {"direction": f.direction.value} for f in e.factors],
    }


def _assessment(d: dict[str, Any]) -> Assessment:
    return Assessment(
        id=d["id"],
        learner_id=d["learner_id"],
        as_of=aware(d["as_of"]) or d["as_of"],
        attrition=_estimate(d["attrition"]),
        stall=_estimate(d["stall"]),
        trigger=Trigger(d["trigger"]),
    )


def _estimate(d: dict[str, Any]) -> Estimate:
    return Estimate(
        probability=float(d["probability"]),
        band=RiskBand(d["band"]),
        factors=tuple(
            Factor(f["name"], f["label"], FactorDirection(f["direction"]), float(f["contribution"]))
            for f in d["factors"]
        ),
        model=ModelRef(**d["model"]),
    )
