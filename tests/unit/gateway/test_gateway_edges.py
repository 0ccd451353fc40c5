"""What the gateway refuses, and how it says so: auth, validation, limits, composition conflicts."""

from __future__ import annotations

import httpx
import pytest
from gateway_harness import Harness

from gateway.app import GRAPHQL_RESPONSE
from gateway.composition import CompositionError, compose
from learnpulse.auth import mint_token, principal_for


async def test_no_token_is_unauthenticated(harness: tuple[Harness, httpx.AsyncClient]) -> None:
    h, client = harness
    resp = await client.post("/graphql", json={"query": "{ team { id } }"})
    assert resp.status_code == 401
    assert resp.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert h.calls["progress"] == []  # nothing reached a subgraph


async def test_token_signed_with_another_secret_is_refused(
    harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    _, client = harness
    forged = mint_token(
        principal_for("demo", "x", ["hr_admin"]), secret=b"another-secret-of-sufficient-length-0123"
    )
    resp = await client.post(
        "/graphql", json={"query": "{ team { id } }"}, headers={"authorization": f"Bearer {forged}"}
    )
    assert resp.status_code == 401
    assert "signature" in resp.json()["errors"][0]["message"].lower()


async def test_unknown_field_is_a_validation_error(
    harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = harness
    resp = await client.post(
        "/graphql",
        json={"query": "{ team { salary } }"},
        headers={"authorization": f"Bearer {h.token()}", "accept": GRAPHQL_RESPONSE},
    )
    assert resp.status_code == 400  # a request error, for a GraphQL-over-HTTP client
    assert "data" not in resp.json()
    error = resp.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "salary" in error["message"]


async def test_depth_limit_names_the_limit(harness: tuple[Harness, httpx.AsyncClient]) -> None:
    h, client = harness
    h_settings_depth = h.settings.max_depth
    deep = "{ team { enrollments { course { id } } } }"
    assert h_settings_depth >= 3
    ok = await client.post(
        "/graphql", json={"query": deep}, headers={"authorization": f"Bearer {h.token()}"}
    )
    assert ok.status_code == 200
    aliases = (
        "{ " + " ".join(f"a{i}: team {{ id }}" for i in range(h.settings.max_aliases + 1)) + " }"
    )
    resp = await client.post(
        "/graphql",
        json={"query": aliases},
        headers={"authorization": f"Bearer {h.token()}", "accept": GRAPHQL_RESPONSE},
    )
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["extensions"]["limit"] == "max_aliases"


async def test_introspection_returns_the_composed_schema(
    harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = harness
    resp = await client.post(
        "/graphql",
        json={"query": '{ __type(name: "Learner") { fields { name } } }'},
        headers={"authorization": f"Bearer {h.token()}"},
    )
    names = {f["name"] for f in resp.json()["data"]["__type"]["fields"]}
    assert {"id", "name", "enrollments", "risk"} <= names  # progress fields plus the risk source's


async def test_subgraph_recovers_without_restart(
    harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = harness
    auth = {"authorization": f"Bearer {h.token()}"}
    h.mounts["http://127.0.0.1:4002"].down = True
    down = (await client.post("/graphql", json={"query": "{ team { id } }"}, headers=auth)).json()
    assert down["data"] is None and down["errors"][0]["extensions"]["serviceName"] == "progress"
    h.mounts["http://127.0.0.1:4002"].down = False
    up = (await client.post("/graphql", json={"query": "{ team { id } }"}, headers=auth)).json()
    assert up == {"data": {"team": [{"id": "l1"}, {"id": "l2"}, {"id": "l3"}]}}


def test_conflicting_field_types_name_subgraphs_and_field() -> None:
    a = 'type Query { a: Int } type Course @key(fields: "id") { id: ID! title: String! }'
    b = 'type Query { b: Int } type Course @key(fields: "id") { id: ID! title: Int }'
    with pytest.raises(CompositionError) as err:
        compose({"catalog": a, "progress": b})
    message = str(err.value)
    assert "Course.title" in message and "'catalog'" in message and "'progress'" in message


def test_unshareable_duplicate_field_is_refused() -> None:
    a = 'type Query { a: Int } type Course @key(fields: "id") { id: ID! title: String! }'
    b = 'type Query { b: Int } type Course @key(fields: "id") { id: ID! title: String! }'
    with pytest.raises(CompositionError, match="not marked @shareable"):
        compose({"catalog": a, "progress": b})
    shared = b.replace("title: String!", "title: String! @shareable")
    a_shared = a.replace("title: String!", "title: String! @shareable")
    assert compose({"catalog": a_shared, "progress": shared}).owners[("Course", "title")] == [
        "catalog",
        "progress",
    ]
