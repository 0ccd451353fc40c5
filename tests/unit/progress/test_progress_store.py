"""The progress store against the in-memory Mongo fake: idempotent events, tenancy, indexes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from progress_helpers import make_enrollment, make_event, make_learner

from learnpulse.demo import DEMO_TENANT, demo_enrollments, demo_people
from services.progress.domain import CourseOutline, PathOutline
from services.progress.seed import seed_demo
from services.progress.store import ProgressStore

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
async def empty() -> AsyncIterator[ProgressStore]:
    store = ProgressStore.connect("memory://")
    await store.ensure_indexes()
    yield store
    await store.close()


async def count(store: ProgressStore, collection: str, tenant: str) -> int:
    db = store.client["learnpulse_progress"]
    return int(await db[collection].count_documents({"tenant_id": tenant}))


async def test_an_event_is_stored_once_however_often_it_arrives(empty: ProgressStore) -> None:
    events = [make_event(event_id="a"), make_event(event_id="b", verb="launched")]

    assert await empty.insert_new_events(tenant="t1", events=events) == events
    assert await empty.insert_new_events(tenant="t1", events=[*events, events[0]]) == []
    assert await count(empty, "events", "t1") == 2


async def test_events_round_trip_with_aware_timestamps(empty: ProgressStore) -> None:
    event = make_event(ts=NOW, verb="answered", score=0.8, success=True, attempt=1, response="a")
    await empty.insert_new_events(tenant="t1", events=[event])

    [stored] = await empty.recent_events(tenant="t1", learner_id="lrn-t", limit=5)

    assert stored == event
    assert stored.ts.tzinfo is not None


async def test_the_same_event_id_in_two_tenants_is_two_events(empty: ProgressStore) -> None:
    await empty.insert_new_events(tenant="t1", events=[make_event()])
    await empty.insert_new_events(tenant="t2", events=[make_event(learner_id="other")])

    mine = await empty.recent_events(tenant="t1", learner_id="other", limit=5)

    assert mine == []
    assert await count(empty, "events", "t2") == 1


async def test_facts_count_only_finished_units_per_course(empty: ProgressStore) -> None:
    events = [
        make_event(event_id="1", verb="launched", unit_id="u1", ts=NOW - timedelta(days=3)),
        make_event(event_id="2", verb="completed", unit_id="u1", ts=NOW - timedelta(days=3)),
        make_event(event_id="3", verb="failed", unit_id="u2", ts=NOW - timedelta(days=2)),
        make_event(event_id="4", verb="passed", unit_id="u3", ts=NOW - timedelta(days=1)),
        make_event(event_id="5", verb="login", course_id=None, unit_id=None, ts=NOW),
    ]
    await empty.insert_new_events(tenant="t1", events=events)

    facts = await empty.course_facts(tenant="t1", learner_ids=["lrn-t", "nobody"])

    assert set(facts) == {"lrn-t"}
    assert facts["lrn-t"]["c-test"].done_unit_ids == {"u1", "u3"}
    assert facts["lrn-t"]["c-test"].last_activity_at == NOW - timedelta(days=1)


async def test_roster_enrollments_and_outlines_round_trip(empty: ProgressStore) -> None:
    learner, enrollment = make_learner(), make_enrollment(due_at=NOW)
    outline = PathOutline("p-test", (CourseOutline("c-test", ("u1", "u2")),))
    await empty.put_learner(tenant="t1", learner=learner)
    await empty.put_enrollment(tenant="t1", enrollment=enrollment)
    await empty.put_outline(tenant="t1", outline=outline)

    assert await empty.learners_by_ids(tenant="t1", ids=["lrn-t"]) == {"lrn-t": learner}
    assert await empty.enrollments_of(tenant="t1", learner_ids=["lrn-t"]) == {"lrn-t": [enrollment]}
    assert await empty.outlines_of(tenant="t1", path_ids=["p-test"]) == {"p-test": outline}
    assert await empty.learners_by_ids(tenant="t2", ids=["lrn-t"]) == {}


async def test_seeding_twice_does_not_duplicate(empty: ProgressStore) -> None:
    first = await seed_demo(store=empty, now=NOW)
    again = await seed_demo(store=empty, now=NOW + timedelta(hours=1))

    assert first > 100
    assert again == 0
    assert await count(empty, "events", "demo") + await count(empty, "events", "acme") == first
    people = [p for p in demo_people(NOW) if p.tenant == DEMO_TENANT]
    enrolled = [e for e in demo_enrollments(NOW) if e.tenant == DEMO_TENANT]
    assert await count(empty, "learners", "demo") == len(people) > 6  # teams of 4, 8 and 6
    assert await count(empty, "enrollments", "demo") == len(enrolled)


async def test_events_have_a_unique_tenant_scoped_id_and_every_index_starts_with_tenant(
    empty: ProgressStore,
) -> None:
    await empty.insert_new_events(tenant="t|1", events=[make_event(event_id="a")])
    await empty.insert_new_events(tenant="t", events=[make_event(event_id="1|a")])
    db = empty.client["learnpulse_progress"]
    ids = {d["_id"] async for d in db["events"].find({})}
    assert ids == {"t%7C1|a", "t|1%7Ca"}  # `_id` is the tenant-scoped id; `|` cannot collide
    for name in ("learners", "enrollments", "outlines", "events"):
        indexes = await (await db[name].list_indexes()).to_list()
        keys = [list(ix["key"]) for ix in indexes if ix["name"] != "_id_"]
        assert keys and all(k[0] == "tenant_id" for k in keys), (name, keys)
