"""The same ingest on the memory fake with and without its `_id` look-ups leaves the same
documents in every collection: the fast path changes the cost, never the answer."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from learnpulse.memory_mongo import memory_client
from services.progress.bench import _statement
from services.progress.seed import seed_demo
from services.progress.statements import authority_of, store_statements
from services.progress.store import DATABASE, ProgressStore

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


async def ingest(store: ProgressStore) -> dict[str, list[dict[str, Any]]]:
    await store.ensure_indexes()
    await seed_demo(store=store, now=NOW)
    rng = random.Random(7)
    rows = [_statement(rng, i, learners=20, units=10) for i in range(240)]
    voiding = {
        "id": "00000000-0000-4000-8000-000000000001",
        "actor": rows[0]["actor"],
        "verb": {"id": VOIDED},
        "object": {"objectType": "StatementRef", "id": rows[0]["id"]},
    }
    # Out of order, a retried batch, and a voiding: the paths the fast look-ups serve.
    for batch in (rows[100:200], rows[:100], rows[150:240], [voiding], rows[:50]):
        await store_statements(
            store=store, tenant="demo", authority=authority_of("k"), statements=batch,
            prefix="statements", now=NOW,
        )  # fmt: skip
    db = store.client[DATABASE]
    names = ("events", "units", "enrollments", "statements", "learners", "outlines")
    return {n: comparable(await db[n].find({}).to_list()) for n in names}


def comparable(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Documents in a stable order, without the random ObjectIds of learners and outlines."""
    kept = [{k: v for k, v in d.items() if not isinstance(v, ObjectId)} for d in docs]
    return sorted(kept, key=lambda d: repr(sorted(d.items())))


async def test_ingest_leaves_the_same_documents_with_and_without_id_look_ups() -> None:
    fast = await ingest(ProgressStore(memory_client()))
    plain = await ingest(ProgressStore(memory_client(id_lookups=False)))

    assert fast == plain
    assert len(fast["statements"]) == 241 and len(fast["units"]) > 100
    assert any(s["voided"] for s in fast["statements"])
