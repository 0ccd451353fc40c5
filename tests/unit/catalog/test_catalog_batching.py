"""DataLoader batching: a page of 50 courses with units and versions costs a fixed few queries."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from catalog_helpers import gql, make_course, make_unit

from services.catalog.app import create_app
from services.catalog.settings import CatalogSettings
from services.catalog.store import CatalogStore

READS = ("find", "find_one", "count_documents", "aggregate")
PAGE = """{ courses(first: 50, tag: "bulk") { totalCount edges { node {
  id durationMinutes versions { number }
  units { id title course { id title } } } } } }"""


class CountingCollection:
    """A Mongo collection that counts the reads sent to it."""

    def __init__(self, inner: Any, name: str, counts: Counter[str]) -> None:
        self._inner, self._name, self._counts = inner, name, counts

    def __getattr__(self, attr: str) -> Any:
        if attr in READS:
            self._counts[f"{self._name}.{attr}"] += 1
        return getattr(self._inner, attr)


@pytest.fixture
async def bulk(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Counter[str]]]:
    store = CatalogStore.connect("memory://")
    await store.ensure_indexes()
    for i in range(50):
        cid = f"c-bulk-{i:02d}"
        units = [make_unit(id=f"u-{i:02d}-{n}", course_id=cid, position=n) for n in (1, 2, 3)]
        await store.put_course(
            tenant="demo", course=make_course(id=cid, tags=("bulk",)), units=units
        )
    counts: Counter[str] = Counter()
    for attr in ("_courses", "_units", "_paths", "_versions", "_rules"):
        setattr(store, attr, CountingCollection(getattr(store, attr), attr[1:], counts))
    settings = CatalogSettings(
        internal_secret="catalog-test-internal-key", state_dir=tmp_path, mongo_url="memory://"
    )
    app = create_app(settings, store=store)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://catalog") as client:
        yield client, counts
    await store.close()


async def test_a_page_of_fifty_courses_with_units_costs_four_queries(
    bulk: tuple[httpx.AsyncClient, Counter[str]],
) -> None:
    client, counts = bulk

    body = await gql(client, PAGE)

    edges = body["data"]["courses"]["edges"]
    assert len(edges) == 50
    assert all(len(e["node"]["units"]) == 3 for e in edges)
    assert edges[7]["node"]["units"][0]["course"]["id"] == "c-bulk-07"
    assert counts == Counter(
        {
            "courses.count_documents": 1,
            "courses.find": 1,
            "units.find": 1,
            "versions.find": 1,
        }
    )


async def test_node_looks_up_courses_units_and_paths_by_id(
    client: httpx.AsyncClient,
) -> None:
    query = """query ($id: ID!) { node(id: $id) { __typename
      ... on Course { title } ... on Unit { title } ... on LearningPath { title } } }"""

    found = [
        (await gql(client, query, {"id": i}))["data"]["node"]
        for i in ("c-safety", "u-safety-1", "p-service", "c-nope")
    ]

    assert [f and f["__typename"] for f in found] == ["Course", "Unit", "LearningPath", None]
    assert found[2] == {"__typename": "LearningPath", "title": "Service Excellence"}
