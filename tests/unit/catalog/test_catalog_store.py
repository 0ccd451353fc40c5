"""The catalog store against the in-memory Mongo fake: tenancy, idempotent writes, indexes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from catalog_helpers import make_course, make_unit

from services.catalog.domain import CourseFilter, CourseStatus
from services.catalog.seed import seed_demo
from services.catalog.store import CatalogStore


@pytest.fixture
async def empty() -> AsyncIterator[CatalogStore]:
    store = CatalogStore.connect("memory://")
    await store.ensure_indexes()
    yield store
    await store.close()


async def test_writing_a_course_twice_keeps_one_copy(empty: CatalogStore) -> None:
    units = [make_unit(id=f"u-{i}", position=i) for i in (1, 2)]
    await empty.put_course(tenant="t1", course=make_course(title="First"), units=units)
    await empty.put_course(tenant="t1", course=make_course(title="Second"), units=units)

    page = await empty.page_of_courses(tenant="t1", where=CourseFilter(), first=10, after=None)

    assert [c.title for c in page.items] == ["Second"]
    assert (await empty.units_of_courses(tenant="t1", course_ids=["c-test"]))["c-test"] == units


async def test_the_same_id_in_two_tenants_stays_apart(empty: CatalogStore) -> None:
    await empty.put_course(tenant="t1", course=make_course(title="Ours"), units=[])
    await empty.put_course(tenant="t2", course=make_course(title="Theirs"), units=[])

    found = await empty.courses_by_ids(tenant="t1", ids=["c-test"])

    assert found["c-test"].title == "Ours"


async def test_pages_report_totals_and_whether_more_follow(empty: CatalogStore) -> None:
    for i in range(5):
        status = CourseStatus.DRAFT if i == 4 else CourseStatus.PUBLISHED
        await empty.put_course(
            tenant="t1", course=make_course(id=f"c-{i}", status=status), units=[]
        )
    published = CourseFilter(status=CourseStatus.PUBLISHED)

    first = await empty.page_of_courses(tenant="t1", where=published, first=3, after=None)
    rest = await empty.page_of_courses(tenant="t1", where=published, first=3, after="c-2")

    assert ([c.id for c in first.items], first.has_next, first.total) == (
        ["c-0", "c-1", "c-2"],
        True,
        4,
    )
    assert ([c.id for c in rest.items], rest.has_next) == (["c-3"], False)


async def test_seeding_twice_does_not_duplicate(empty: CatalogStore) -> None:
    await seed_demo(store=empty)
    await seed_demo(store=empty)

    page = await empty.page_of_courses(tenant="demo", where=CourseFilter(), first=100, after=None)
    units = await empty.units_of_courses(tenant="demo", course_ids=[c.id for c in page.items])

    assert page.total == 4
    assert sum(len(u) for u in units.values()) == 4 + 3 + 5 + 3


async def test_every_index_starts_with_tenant_id(empty: CatalogStore) -> None:
    db = empty.client["learnpulse_catalog"]
    for name in ("courses", "units", "paths"):
        indexes = await (await db[name].list_indexes()).to_list()
        keys = [list(ix["key"]) for ix in indexes if ix["name"] != "_id_"]
        assert keys, name
        assert all(k[0] == "tenant_id" for k in keys), (name, keys)
