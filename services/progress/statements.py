"""xAPI statement use cases: store a batch (all or nothing), read by id or by the GET filters.

A batch is validated and checked against stored statements before anything is written, so
an invalid statement (400) or a conflicting id (409) leaves the store untouched.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from services.progress.errors import Conflict, NotFound
from services.progress.ingest import record_events, retract_events
from services.progress.normalise import from_statement
from services.progress.statement_store import StatementQuery, StoredStatement
from services.progress.store import ProgressStore
from services.progress.xapi import XapiInvalid, check_statement, comparable, voided_target

VERSION = "2.0.0"


def agent_key(agent: dict[str, Any]) -> str | None:
    """An Agent's or identified Group's inverse functional identifier, as one string."""
    if "account" in agent:
        account = agent["account"]
        return f"account:{account.get('homePage')}|{account.get('name')}"
    for ifi in ("mbox", "mbox_sha1sum", "openid"):
        if ifi in agent:
            return f"{ifi}:{agent[ifi]}"
    return None


def authority_of(credential_key: str) -> dict[str, Any]:
    return {
        "objectType": "Agent",
        "account": {"homePage": "https://learnpulse.dev/xapi/credentials", "name": credential_key},
    }


def _same(statement: dict[str, Any]) -> str:
    return json.dumps(comparable(statement), sort_keys=True, separators=(",", ":"))


async def store_statements(
    *,
    store: ProgressStore,
    tenant: str,
    authority: dict[str, Any],
    statements: list[Any],
    prefix: str,
    now: datetime,
) -> list[str]:
    """Validate, deduplicate and store a batch; returns every statement's id, in order."""
    checked = [
        check_statement(s, f"{prefix}[{i}]" if prefix else "statement")
        for i, s in enumerate(statements)
    ]
    seen: dict[str, int] = {}
    for i, s in enumerate(checked):
        s.setdefault("id", str(uuid.uuid4()))
        if s["id"] in seen:
            raise XapiInvalid(f"{prefix}[{i}].id", f"repeats statements[{seen[s['id']]}].id")
        seen[s["id"]] = i
    targets = [t for s in checked if (t := voided_target(s)) is not None]
    known = await store.statements.by_ids(tenant=tenant, ids=[*seen, *targets])
    fresh = []
    for i, s in enumerate(checked):
        before = known.get(s["id"])
        if before is None:
            fresh.append(s)
        elif before.same != _same(s):
            raise Conflict(
                f"{prefix}[{i}].id" if prefix else "statementId",
                f"statement {s['id']} exists with different content",
            )
    batch_voiding = {s["id"] for s in checked if voided_target(s)}
    for i, s in enumerate(checked):
        target = voided_target(s)
        stored_target = known.get(target) if target else None
        if target in batch_voiding or (stored_target and voided_target(stored_target.statement)):
            raise XapiInvalid(f"{prefix}[{i}].object.id", "a voiding statement cannot be voided")
    rows = [_row(s, authority=authority, now=now) for s in fresh]
    if rows:
        await store.statements.insert(tenant=tenant, rows=rows)
    new_targets = [t for s in fresh if (t := voided_target(s)) is not None]
    if new_targets:
        await store.statements.void(tenant=tenant, ids=new_targets)
        await retract_events(store=store, tenant=tenant, event_ids=new_targets)
    # Known, identical, unvoided statements are counted again too: events dedupe by id, so a
    # retry after a failure between the two writes completes the progress update.
    again = [s for s in checked if s["id"] in known and not known[s["id"]].voided]
    events = [
        e
        for s in [*fresh, *again]
        if not voided_target(s) and (e := from_statement(s, stored=_stored_at(known, s, now)))
    ]
    await record_events(store=store, tenant=tenant, events=events)
    return [s["id"] for s in checked]


def _stored_at(
    known: dict[str, StoredStatement], statement: dict[str, Any], now: datetime
) -> datetime:
    before = known.get(statement["id"])
    return before.stored if before is not None else now


def _row(statement: dict[str, Any], *, authority: dict[str, Any], now: datetime) -> dict[str, Any]:
    full = statement | {
        "stored": now.isoformat().replace("+00:00", "Z"),
        "authority": authority,
        "version": statement.get("version", VERSION),
    }
    full.setdefault("timestamp", full["stored"])
    target = statement["object"]
    context = statement.get("context", {})
    return {
        "id": statement["id"],
        "statement": json.dumps(full),
        "same": _same(statement),
        "voided": False,
        "stored": now,
        "agent": agent_key(statement["actor"]),
        "verb": statement["verb"]["id"],
        "activity": target["id"] if target.get("objectType", "Activity") == "Activity" else None,
        "registration": context.get("registration"),
    }


async def statement_by_id(
    *, store: ProgressStore, tenant: str, statement_id: str, voided: bool
) -> dict[str, Any]:
    """`statementId` finds a statement that is not voided; `voidedStatementId` one that is."""
    found: StoredStatement | None = (
        await store.statements.by_ids(tenant=tenant, ids=[statement_id])
    ).get(statement_id)
    if found is None or found.voided != voided:
        raise NotFound(f"no {'voided ' if voided else ''}statement {statement_id}")
    return found.statement


async def find_statements(
    *, store: ProgressStore, tenant: str, query: StatementQuery, limit: int
) -> tuple[list[dict[str, Any]], tuple[datetime, str] | None]:
    """A page of statements and, when more follow, where the next page starts after."""
    page = await store.statements.find(tenant=tenant, query=query, limit=limit + 1)
    more = (page[limit - 1].stored, page[limit - 1].id) if len(page) > limit else None
    return [s.statement for s in page[:limit]], more
