"""Statement use cases without HTTP: a retry completes a batch that failed half-way, and a
voided statement sent again is not counted again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from progress_helpers import make_statement

from services.progress.statements import authority_of, store_statements
from services.progress.store import ProgressStore

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


async def post(store: ProgressStore, *statements: dict[str, Any]) -> list[str]:
    return await store_statements(
        store=store, tenant="demo", authority=authority_of("k"), statements=list(statements),
        prefix="statements", now=NOW,
    )  # fmt: skip


async def completed_units(store: ProgressStore) -> set[str]:
    states = (await store.unit_states(tenant="demo", learner_ids=["lrn-2"]))["lrn-2"]
    return {u.unit_id for u in states if u.completed}


async def test_a_retry_completes_progress_after_a_failure_between_the_writes(
    store: ProgressStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    statement = make_statement()
    original = store.insert_new_events

    async def broken(**kwargs: Any) -> Any:
        raise ConnectionError("primary stepped down")

    monkeypatch.setattr(store, "insert_new_events", broken)
    with pytest.raises(ConnectionError):
        await post(store, statement)
    monkeypatch.setattr(store, "insert_new_events", original)
    before = await completed_units(store)

    await post(store, statement)
    await post(store, statement)

    assert "u-privacy-1" not in before
    assert "u-privacy-1" in await completed_units(store)
    events = await store.unit_events(tenant="demo", learner_id="lrn-2", unit_id="u-privacy-1")
    assert [e.event_id for e in events if e.verb == "completed"] == [statement["id"]]


async def test_a_voided_statement_sent_again_stays_out_of_progress(store: ProgressStore) -> None:
    statement = make_statement()
    voiding = make_statement(
        verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": statement["id"]}
    )
    await post(store, statement)
    await post(store, voiding)

    await post(store, statement)

    assert "u-privacy-1" not in await completed_units(store)
