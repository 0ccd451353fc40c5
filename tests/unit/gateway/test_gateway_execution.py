"""The gateway answers federated queries: root routing, entity jumps, batching, partial failure."""

from __future__ import annotations

from typing import Any

import httpx
from gateway_harness import Harness


async def ask(
    client: httpx.AsyncClient, token: str | None, query: str, **variables: Any
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


async def test_entity_jump_fetches_titles_in_one_batched_request(
    harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = harness
    resp = await ask(
        client, h.token(), "{ team { id name enrollments { percent course { id title } } } }"
    )
    body = resp.json()
    assert resp.status_code == 200, body
    assert "errors" not in body
    first = body["data"]["team"][0]
    assert first == {
        "id": "l1",
        "name": "Learner l1",
        "enrollments": [
            {"percent": 0.5, "course": {"id": "c1", "title": "Forklift safety"}},
            {"percent": 1.0, "course": {"id": "c2", "title": "Customer care"}},
        ],
    }
    assert len(h.calls["progress"]) == 1
    assert len(h.calls["catalog"]) == 1  # six course references, one _entities call
    assert "_entities" in h.calls["catalog"][0]


async def test_aliases_fragments_variables_and_directives(
    harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = harness
    query = """
      query Q($id: ID!, $withName: Boolean!) {
        who: learner(id: $id) { ...L  kind: __typename  name @include(if: $withName) }
        c: course(id: "c3") { ... on Course { t: title } }
      }
      fragment L on Learner { id enrollments { course { title } } }
    """
    body = (await ask(client, h.token(), query, id="l9", withName=False)).json()
    assert body == {
        "data": {
            "who": {
                "id": "l9",
                "enrollments": [
                    {"course": {"title": "Forklift safety"}},
                    {"course": {"title": "Customer care"}},
                ],
                "kind": "Learner",
            },
            "c": {"t": "Cold chain"},
        }
    }


async def test_risk_field_requires_the_trajectory_and_names_the_model(
    harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = harness
    body = (
        await ask(
            client, h.token(), "{ team { id risk { attrition { band model { name version } } } } }"
        )
    ).json()
    assert "errors" not in body, body
    assert body["data"]["team"][0]["risk"]["attrition"] == {
        "band": "HIGH",
        "model": {"name": "learnpulse-attrition", "version": "3"},
    }
    assert len(h.risk.entity_calls) == 1  # one batch for all three learners
    reps = h.risk.entity_calls[0]
    assert [r["id"] for r in reps] == ["l1", "l2", "l3"]
    assert reps[0]["trajectory"]["profile"]["learnerId"] == "l1"


async def test_failing_source_degrades_one_field(
    harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = harness
    h.risk.down = True
    body = (await ask(client, h.token(), '{ learner(id: "l1") { name risk { asOf } } }')).json()
    assert body["data"] == {"learner": {"name": "Learner l1", "risk": None}}
    assert body["errors"][0]["path"] == ["learner", "risk"]
    assert body["errors"][0]["extensions"]["code"] == "RISK_UNAVAILABLE"


async def test_subgraph_error_keeps_its_path(harness: tuple[Harness, httpx.AsyncClient]) -> None:
    h, client = harness
    body = (await ask(client, h.token(), '{ learner(id: "l1") { name fails } }')).json()
    assert body["data"] == {"learner": None}  # `fails` is non-null, so null bubbles up
    assert body["errors"][0]["path"] == ["learner", "fails"]
    assert body["errors"][0]["extensions"]["serviceName"] == "progress"


async def test_unreachable_subgraph_gives_partial_data(
    harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = harness
    h.mounts["http://127.0.0.1:4001"].down = True
    body = (
        await ask(client, h.token(), '{ learner(id: "l1") { name } course(id: "c1") { title } }')
    ).json()
    assert body["data"]["learner"] == {"name": "Learner l1"}
    assert body["data"]["course"] is None
    assert body["errors"][0]["extensions"]["code"] == "DOWNSTREAM_SERVICE_ERROR"


async def test_root_field_of_risk_source(harness: tuple[Harness, httpx.AsyncClient]) -> None:
    h, client = harness
    body = (
        await ask(client, h.token(), "{ riskModels { model { name alias } bandHighThreshold } }")
    ).json()
    assert body == {
        "data": {
            "riskModels": [
                {
                    "model": {"name": "learnpulse-attrition", "alias": "champion"},
                    "bandHighThreshold": 0.6,
                }
            ]
        }
    }
