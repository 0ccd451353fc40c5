"""Federation: the router resolves Learner entities through `_entities`, batched and scoped."""

from __future__ import annotations

import httpx
from progress_helpers import HR, MANAGER, CountingStore, gql

ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Learner { id name enrollments { pathId } }
  }
}
"""


def learners(*ids: str) -> dict[str, list[dict[str, str]]]:
    return {"representations": [{"__typename": "Learner", "id": i} for i in ids]}


async def test_learners_resolve_in_one_batch(
    client: httpx.AsyncClient, counting: CountingStore
) -> None:
    body = await gql(client, ENTITIES, learners("lrn-1", "lrn-2", "lrn-3", "lrn-4"), principal=HR)

    assert [e["name"] for e in body["data"]["_entities"]] == [
        "Ana Silva",
        "Ben Carter",
        "Chloe Martin",
        "Dev Patel",
    ]
    assert counting.calls["learners_by_ids"] == 1
    assert counting.calls["enrollments_of"] == 1


async def test_entities_outside_the_callers_scope_are_forbidden_one_by_one(
    client: httpx.AsyncClient,
) -> None:
    body = await gql(client, ENTITIES, learners("lrn-1", "hr-1", "lrn-2"), principal=MANAGER)

    entities = body["data"]["_entities"]
    assert [e and e["id"] for e in entities] == ["lrn-1", None, "lrn-2"]
    assert [(e["extensions"]["code"], e["path"]) for e in body["errors"]] == [
        ("FORBIDDEN", ["_entities", 1])
    ]


async def test_unknown_learners_are_not_found(client: httpx.AsyncClient) -> None:
    body = await gql(client, ENTITIES, learners("lrn-404"), principal=HR)

    assert body["data"]["_entities"] == [None]
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
