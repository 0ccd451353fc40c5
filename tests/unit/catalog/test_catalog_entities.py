"""Federation: the router resolves catalog entities through `_entities`, batched per type."""

from __future__ import annotations

import httpx
from catalog_helpers import CountingStore, caller, gql

ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Course { id title }
    ... on Unit { id title course { id } }
    ... on LearningPath { id title courses { id } }
  }
}
"""


def refs(typename: str, *ids: str) -> list[dict[str, str]]:
    return [{"__typename": typename, "id": i} for i in ids]


async def test_mixed_representations_resolve_in_one_query_per_type(
    client: httpx.AsyncClient, counting: CountingStore
) -> None:
    representations = (
        refs("Course", "c-safety", "c-service", "c-privacy")
        + refs("Unit", "u-safety-1", "u-service-5")
        + refs("LearningPath", "p-onboarding", "p-service")
    )

    body = await gql(client, ENTITIES, {"representations": representations})

    entities = body["data"]["_entities"]
    assert [e["id"] for e in entities] == [r["id"] for r in representations]
    assert entities[3] == {
        "__typename": "Unit",
        "id": "u-safety-1",
        "title": "Why safety comes first",
        "course": {"id": "c-safety"},
    }
    assert counting.calls["courses_by_ids"] == 1  # entity courses; nested ones hit the cache
    assert counting.calls["units_by_ids"] == 1
    assert counting.calls["paths_by_ids"] == 1


async def test_unknown_and_foreign_ids_resolve_to_null(client: httpx.AsyncClient) -> None:
    representations = refs("Course", "c-nope", "c-acme-intro") + refs("Unit", "u-acme-intro-1")

    body = await gql(client, ENTITIES, {"representations": representations})

    assert body["data"]["_entities"] == [None, None, None]


async def test_the_same_ids_resolve_for_their_own_tenant(client: httpx.AsyncClient) -> None:
    acme = caller("acme-lrn-1", tenant="acme")

    body = await gql(
        client, ENTITIES, {"representations": refs("Course", "c-acme-intro")}, principal=acme
    )

    assert body["data"]["_entities"] == [
        {"__typename": "Course", "id": "c-acme-intro", "title": "Acme Orientation"}
    ]
