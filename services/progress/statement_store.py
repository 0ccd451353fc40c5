"""MongoDB repository of xAPI statements and of the HTTP Basic credentials that write them.

Statements are one document each, with `_id` = tenant + statement id (unique, and what a
batch's look-up and voiding go by) and the fields the spec's GET filters read pulled out and
indexed. Credentials have their key as `_id` and keep only a hash of their secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import BulkWriteError

from services.progress.store_docs import doc_id

_NO_ID = {"_id": 0}


@dataclass(frozen=True)
class StoredStatement:
    id: str
    statement: dict[str, Any]  # exactly as returned by GET
    same: str  # the comparable form as canonical JSON
    voided: bool
    stored: datetime


@dataclass(frozen=True)
class StatementQuery:
    """The GET filters; `after` is the (stored, id) of the last statement of the previous page."""

    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    ascending: bool = False
    after: tuple[datetime, str] | None = None


@dataclass(frozen=True)
class Credential:
    tenant: str
    key: str
    name: str
    scopes: tuple[str, ...]


class StatementStore:
    def __init__(self, db: Any) -> None:
        self._statements, self._credentials = db["statements"], db["xapi_credentials"]

    async def ensure_indexes(self) -> None:
        await self._statements.create_index([("tenant_id", 1), ("stored", -1), ("id", -1)])
        for field in ("agent", "verb", "activity", "registration"):
            await self._statements.create_index([("tenant_id", 1), (field, 1), ("stored", -1)])

    async def by_ids(self, *, tenant: str, ids: list[str]) -> dict[str, StoredStatement]:
        query = {"_id": {"$in": [doc_id(tenant, i) for i in ids]}, "tenant_id": tenant}
        return {d["id"]: _stored(d) async for d in self._statements.find(query, _NO_ID)}

    async def insert(self, *, tenant: str, rows: list[dict[str, Any]]) -> set[str]:
        """Insert statement rows; returns the ids that were already there (raced writers)."""
        docs = [row | {"_id": doc_id(tenant, row["id"]), "tenant_id": tenant} for row in rows]
        try:
            await self._statements.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(err.get("code") != 11000 for err in errors):
                raise
            return {rows[int(err["index"])]["id"] for err in errors}
        return set()

    async def void(self, *, tenant: str, ids: list[str]) -> None:
        await self._statements.update_many(
            {"_id": {"$in": [doc_id(tenant, i) for i in ids]}, "tenant_id": tenant},
            {"$set": {"voided": True}},
        )

    async def find(
        self, *, tenant: str, query: StatementQuery, limit: int
    ) -> list[StoredStatement]:
        """Statements matching `query` (never voided ones), ordered by `stored`."""
        match: dict[str, Any] = {"tenant_id": tenant, "voided": False}
        for field in ("agent", "verb", "activity", "registration"):
            if getattr(query, field) is not None:
                match[field] = getattr(query, field)
        window: dict[str, Any] = {}
        if query.since is not None:
            window["$gt"] = query.since
        if query.until is not None:
            window["$lte"] = query.until
        if window:
            match["stored"] = window
        direction, beyond = (1, "$gt") if query.ascending else (-1, "$lt")
        if query.after is not None:
            at, last_id = query.after
            match["$or"] = [
                {"stored": {beyond: at}},
                {"stored": at, "id": {beyond: last_id}},
            ]
        cursor = self._statements.find(match, _NO_ID)
        cursor = cursor.sort([("stored", direction), ("id", direction)]).limit(limit)
        return [_stored(d) async for d in cursor]

    async def add_credential(
        self, *, credential: Credential, secret_hash: str, at: datetime
    ) -> None:
        await self._credentials.insert_one(
            {
                "_id": credential.key,
                "tenant_id": credential.tenant,
                "key": credential.key,
                "name": credential.name,
                "scopes": list(credential.scopes),
                "secret_hash": secret_hash,
                "created_at": at,
            }
        )

    async def credential(self, *, key: str) -> tuple[Credential, str] | None:
        """The credential with `key` and its secret's hash, or None."""
        d = await self._credentials.find_one({"_id": key}, _NO_ID)
        if d is None:
            return None
        found = Credential(d["tenant_id"], d["key"], d["name"], tuple(d["scopes"]))
        return found, str(d["secret_hash"])


def _stored(d: dict[str, Any]) -> StoredStatement:
    # The statement is kept as its JSON text: extension keys are IRIs full of dots.
    statement = json.loads(d["statement"])
    stored = d["stored"]
    if stored.tzinfo is None:  # the memory fake returns naive UTC datetimes
        stored = stored.replace(tzinfo=UTC)
    return StoredStatement(d["id"], statement, d["same"], d["voided"], stored)
