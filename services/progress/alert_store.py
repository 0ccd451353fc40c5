"""MongoDB repository of notifications (the outbox), stall episodes and per-tenant notification
policies, in the progress database. Every document carries `tenant_id` and every query filters
by it, except the deliverer's claim, which works across tenants by design.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime, time, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.progress.notices import (
    DeliveryStatus,
    EpisodeStatus,
    Notification,
    NotificationPage,
    StallEpisode,
)
from services.progress.store_docs import aware

_NO_ID = {"_id": 0}
_NOTICE_TIMES = ("created_at", "deliver_after", "next_attempt_at", "delivered_at")
_EPISODE_TIMES = (
    "last_progress_at",
    "detected_at",
    "reminded_at",
    "alerted_at",
    "escalated_at",
    "acknowledged_at",
    "closed_at",
)


class AlertStore:
    """The `notifications`, `stall_episodes` and `notify_policies` collections."""

    def __init__(self, db: Any) -> None:
        self._notices, self._episodes = db["notifications"], db["stall_episodes"]
        self._policies, self._learners = db["notify_policies"], db["learners"]

    async def ensure_indexes(self) -> None:
        await self._notices.create_index([("tenant_id", 1), ("id", 1)], unique=True)
        await self._notices.create_index([("tenant_id", 1), ("dedupe_key", 1)], unique=True)
        await self._notices.create_index([("tenant_id", 1), ("recipient_id", 1), ("id", -1)])
        await self._notices.create_index([("tenant_id", 1), ("learner_id", 1), ("id", -1)])
        await self._notices.create_index([("status", 1), ("next_attempt_at", 1)])
        await self._episodes.create_index([("tenant_id", 1), ("id", 1)], unique=True)
        await self._episodes.create_index([("tenant_id", 1), ("status", 1)])
        await self._policies.create_index([("tenant_id", 1)], unique=True)

    # -- outbox -------------------------------------------------------------------------------

    async def insert_notification(self, notice: Notification) -> bool:
        """Store a new notification; False when its dedupe key is already there."""
        try:
            await self._notices.insert_one(_notice_doc(notice))
        except DuplicateKeyError:
            return False
        return True

    async def claim_due(
        self, *, tenants: Iterable[str], now: datetime, lease: timedelta
    ) -> Notification | None:
        """Take the next notification due for delivery among `tenants`, leased to the caller.

        A lease that ran out (a deliverer died mid-send) makes the notification due again;
        the receiver's idempotency key keeps that from showing twice.
        """
        query = {
            "tenant_id": {"$in": sorted(tenants)},
            "$or": [
                {"status": DeliveryStatus.PENDING.value, "next_attempt_at": {"$lte": now}},
                {"status": DeliveryStatus.SENDING.value, "lease_until": {"$lte": now}},
            ],
        }
        update = {"$set": {"status": DeliveryStatus.SENDING.value, "lease_until": now + lease}}
        found = await self._notices.find_one_and_update(
            query, update, sort=[("next_attempt_at", 1)], return_document=ReturnDocument.AFTER
        )
        return _notice_from(found) if found else None

    async def mark_delivered(self, *, tenant: str, notice_id: str, now: datetime) -> None:
        await self._notices.update_one(
            {"tenant_id": tenant, "id": notice_id},
            {
                "$set": {"status": DeliveryStatus.DELIVERED.value, "delivered_at": now},
                "$inc": {"attempts": 1},
                "$unset": {"lease_until": "", "last_error": ""},
            },
        )

    async def mark_failed(
        self, *, tenant: str, notice_id: str, error: str, retry_at: datetime | None
    ) -> None:
        """Record a failed attempt: due again at `retry_at`, or dead when None."""
        status = DeliveryStatus.PENDING if retry_at is not None else DeliveryStatus.DEAD
        fields_: dict[str, Any] = {"status": status.value, "last_error": error[:500]}
        if retry_at is not None:
            fields_["next_attempt_at"] = retry_at
        await self._notices.update_one(
            {"tenant_id": tenant, "id": notice_id},
            {"$set": fields_, "$inc": {"attempts": 1}, "$unset": {"lease_until": ""}},
        )

    async def withdraw(
        self, *, tenant: str, kinds: Iterable[str], keep: Iterable[str], now: datetime
    ) -> int:
        """Withdraw `kinds` not yet due whose dedupe key is not in `keep`; returns how many."""
        waiting = {
            "tenant_id": tenant,
            "kind": {"$in": sorted(kinds)},
            "status": DeliveryStatus.PENDING.value,
            "deliver_after": {"$gt": now},
        }
        kept = set(keep)
        projection = {"_id": 0, "id": 1, "dedupe_key": 1}
        stale = [
            d["id"]
            async for d in self._notices.find(waiting, projection)
            if d["dedupe_key"] not in kept
        ]
        if not stale:
            return 0
        result = await self._notices.update_many(
            waiting | {"id": {"$in": stale}},
            {"$set": {"status": DeliveryStatus.WITHDRAWN.value}},
        )
        return int(result.modified_count)

    async def withdraw_key(self, *, tenant: str, dedupe_key: str, now: datetime) -> bool:
        """Withdraw one notification if it is still waiting for its time."""
        result = await self._notices.update_one(
            {
                "tenant_id": tenant,
                "dedupe_key": dedupe_key,
                "status": DeliveryStatus.PENDING.value,
                "deliver_after": {"$gt": now},
            },
            {"$set": {"status": DeliveryStatus.WITHDRAWN.value}},
        )
        return bool(result.modified_count)

    async def requeue_dead(self, *, tenant: str, now: datetime) -> int:
        result = await self._notices.update_many(
            {"tenant_id": tenant, "status": DeliveryStatus.DEAD.value},
            {"$set": {"status": DeliveryStatus.PENDING.value, "next_attempt_at": now}},
        )
        return int(result.modified_count)

    async def notification(self, *, tenant: str, notice_id: str) -> Notification | None:
        found = await self._notices.find_one({"tenant_id": tenant, "id": notice_id}, _NO_ID)
        return _notice_from(found) if found else None

    async def page_of_notifications(
        self,
        *,
        tenant: str,
        recipients: Iterable[str] | None,
        learners: Iterable[str] | None,
        kinds: Iterable[str] | None,
        unacknowledged: bool,
        first: int,
        after: str | None,
    ) -> NotificationPage:
        """Newest first (ids sort by creation time); `None` filters mean "any". Withdrawn
        reminders (never sent) are left out."""
        query: dict[str, Any] = {
            "tenant_id": tenant,
            "status": {"$ne": DeliveryStatus.WITHDRAWN.value},
        }
        if recipients is not None:
            query["recipient_id"] = {"$in": sorted(recipients)}
        if learners is not None:
            query["learner_id"] = {"$in": sorted(learners)}
        if kinds is not None:
            query["kind"] = {"$in": sorted(kinds)}
        if unacknowledged:
            query["acknowledged_at"] = None
        total = await self._notices.count_documents(query)
        if after is not None:
            query["$and"] = [{"id": {"$lt": after}}]
        cursor = self._notices.find(query, _NO_ID).sort("id", -1).limit(first + 1)
        docs = [d async for d in cursor]
        return NotificationPage(
            tuple(_notice_from(d) for d in docs[:first]), len(docs) > first, total
        )

    async def has_key(self, *, tenant: str, dedupe_key: str) -> bool:
        found = await self._notices.find_one(
            {"tenant_id": tenant, "dedupe_key": dedupe_key}, {"_id": 0, "id": 1}
        )
        return found is not None

    async def count_notifications(
        self,
        *,
        tenant: str,
        recipient_id: str,
        kinds: Iterable[str],
        start: datetime,
        end: datetime,
    ) -> int:
        """How many of `kinds` reach `recipient_id` in [start, end) (the daily cap)."""
        return int(
            await self._notices.count_documents(
                {
                    "tenant_id": tenant,
                    "recipient_id": recipient_id,
                    "kind": {"$in": sorted(kinds)},
                    "deliver_after": {"$gte": start, "$lt": end},
                    "status": {"$ne": DeliveryStatus.WITHDRAWN.value},
                }
            )
        )

    async def acknowledge(
        self, *, tenant: str, notice_id: str, by: str, now: datetime
    ) -> Notification | None:
        found = await self._notices.find_one_and_update(
            {"tenant_id": tenant, "id": notice_id, "acknowledged_at": None},
            {"$set": {"acknowledged_at": now, "acknowledged_by": by}},
            return_document=ReturnDocument.AFTER,
        )
        return (
            _notice_from(found)
            if found
            else await self.notification(tenant=tenant, notice_id=notice_id)
        )

    # -- stall episodes -----------------------------------------------------------------------

    async def open_episodes(self, *, tenant: str) -> list[StallEpisode]:
        query = {"tenant_id": tenant, "status": EpisodeStatus.OPEN.value}
        return [_episode_from(d) async for d in self._episodes.find(query, _NO_ID).sort("id", 1)]

    async def episode(self, *, tenant: str, episode_id: str) -> StallEpisode | None:
        found = await self._episodes.find_one({"tenant_id": tenant, "id": episode_id}, _NO_ID)
        return _episode_from(found) if found else None

    async def episodes_of(self, *, tenant: str, learner_ids: Iterable[str]) -> list[StallEpisode]:
        query = {"tenant_id": tenant, "learner_id": {"$in": sorted(learner_ids)}}
        return [_episode_from(d) async for d in self._episodes.find(query, _NO_ID).sort("id", 1)]

    async def all_episodes(self, *, tenant: str) -> list[StallEpisode]:
        query = {"tenant_id": tenant}
        return [_episode_from(d) async for d in self._episodes.find(query, _NO_ID).sort("id", 1)]

    async def open_episode(self, *, tenant: str, episode: StallEpisode) -> bool:
        """Start tracking an episode; False when it is already tracked."""
        doc = vars(episode) | {"tenant_id": tenant, "status": episode.status.value}
        try:
            await self._episodes.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def update_episode(self, *, tenant: str, episode_id: str, **changes: Any) -> None:
        changes = {k: v.value if hasattr(v, "value") else v for k, v in changes.items()}
        await self._episodes.update_one({"tenant_id": tenant, "id": episode_id}, {"$set": changes})

    # -- policies and tenants -----------------------------------------------------------------

    async def policy_overrides(self, *, tenant: str) -> dict[str, Any]:
        found = await self._policies.find_one({"tenant_id": tenant}, _NO_ID)
        if not found:
            return {}
        out = {k: v for k, v in found.items() if k != "tenant_id"}
        for name in ("quiet_start", "quiet_end"):
            if isinstance(out.get(name), str):
                out[name] = time.fromisoformat(out[name])
        if "shift_starts" in out:
            out["shift_starts"] = {k: time.fromisoformat(v) for k, v in out["shift_starts"].items()}
        if "high_bands" in out:
            out["high_bands"] = tuple(out["high_bands"])
        return out

    async def set_policy_overrides(self, *, tenant: str, overrides: dict[str, Any]) -> None:
        """Store a tenant's overrides; times as HH:MM strings (BSON has no time of day)."""
        doc: dict[str, Any] = {}
        for key, value in overrides.items():
            if isinstance(value, time):
                value = value.isoformat("minutes")
            elif key == "shift_starts":
                value = {k: t.isoformat("minutes") for k, t in value.items()}
            elif key == "high_bands":
                value = list(value)
            doc[key] = value
        # None is stored as null: "no quiet hours" must override the default quiet hours.
        await self._policies.update_one(
            {"tenant_id": tenant}, {"$set": {"tenant_id": tenant} | doc}, upsert=True
        )

    async def tenants(self) -> list[str]:
        """Every tenant with a roster (the sweep's "all tenants")."""
        return sorted(await self._learners.distinct("tenant_id"))


def _notice_doc(n: Notification) -> dict[str, Any]:
    doc = {f.name: getattr(n, f.name) for f in fields(n)}
    doc["status"] = n.status.value
    doc["next_attempt_at"] = n.next_attempt_at or n.deliver_after
    return doc


def _notice_from(d: dict[str, Any]) -> Notification:
    known = {f.name for f in fields(Notification)}
    values = {k: v for k, v in d.items() if k in known}
    for name in (*_NOTICE_TIMES, "acknowledged_at"):
        values[name] = aware(values.get(name))
    values["status"] = DeliveryStatus(values["status"])
    values["data"] = dict(values.get("data") or {})
    return Notification(**values)


def _episode_from(d: dict[str, Any]) -> StallEpisode:
    known = {f.name for f in fields(StallEpisode)}
    values = {k: v for k, v in d.items() if k in known}
    for name in _EPISODE_TIMES:
        values[name] = aware(values.get(name))
    values["status"] = EpisodeStatus(values["status"])
    values["extra"] = dict(values.get("extra") or {})
    return StallEpisode(**values)
