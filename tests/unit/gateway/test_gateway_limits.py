"""Abuse limits and request handling: estimated cost, persisted queries, the plan cache."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_harness import Harness
from starlette.applications import Starlette

from gateway.app import GRAPHQL_RESPONSE, create_app

# team is a list (estimated 10), enrollments too: 10 * (1 + 1 + 1 + 10 * (1 + 1 + 3)) = 530
DEEP = "{ team { id name enrollments { percent course { id title } } } }"
SHALLOW = "{ team { id } }"  # 10 * (1 + 1) = 20


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"max_cost": 200}


async def post(h: Harness, client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    headers = {"authorization": f"Bearer {h.token()}", "accept": GRAPHQL_RESPONSE}
    return await client.post("/graphql", json=body, headers=headers)


async def test_costly_query_is_refused_naming_the_limit(
    harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = harness
    assert (await post(h, client, {"query": SHALLOW})).status_code == 200
    refused = await post(h, client, {"query": DEEP})
    assert refused.status_code == 400
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["limit"] == "max_cost" and "max_cost=200" in error["message"]
    assert len(h.calls["progress"]) == 1  # the refused query reached no subgraph


async def test_list_size_argument_scales_the_estimate(
    harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = harness
    few = await post(h, client, {"query": "{ courses(first: 2) { id title } }"})  # 2 * 3
    many = await post(h, client, {"query": "{ courses(first: 100) { id title } }"})  # 100 * 3
    assert few.status_code == 200 and few.json()["data"]["courses"]
    assert many.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_persisted_query_by_hash_after_one_registration(
    harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = harness
    digest = hashlib.sha256(SHALLOW.encode()).hexdigest()
    ext = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    unknown = await post(h, client, {"extensions": ext})
    assert unknown.status_code == 200
    assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = await post(h, client, {"query": SHALLOW, "extensions": ext})
    by_hash = await post(h, client, {"extensions": ext})
    assert (
        by_hash.json()
        == registered.json()
        == {"data": {"team": [{"id": f"l{i}"} for i in (1, 2, 3)]}}
    )


async def test_persisted_query_with_a_wrong_hash_is_refused(
    harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = harness
    ext = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    resp = await post(h, client, {"query": SHALLOW, "extensions": ext})
    assert "does not match" in resp.json()["errors"][0]["message"]
    assert h.calls["progress"] == []


@contextlib.asynccontextmanager
async def serve(h: Harness) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    upstream = httpx.AsyncClient(mounts=h.mounts)
    app = create_app(
        h.settings, supergraph=h.supergraph, http=upstream, local_sources={"risk": h.risk}
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield app, client
    await upstream.aclose()


async def test_repeated_operation_is_planned_once(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    async with serve(h) as (app, client):
        answers = [(await post(h, client, {"query": SHALLOW})).json() for _ in range(3)]
    assert answers[0] == answers[2] and answers[0]["data"]["team"]
    plans = app.state.executor.plans
    assert plans.hits == 2 and list(plans.cache) == [SHALLOW]


async def test_production_settings_turn_off_introspection_and_graphiql(tmp_path: Path) -> None:
    h = Harness(tmp_path, env="prod")
    async with serve(h) as (_, client):
        intro = await post(h, client, {"query": "{ __schema { types { name } } }"})
        page = await client.get("/graphql")
        ok = await post(h, client, {"query": SHALLOW})
    assert intro.status_code == 400
    assert intro.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "introspection" in intro.json()["errors"][0]["message"]
    assert page.status_code == 404
    assert ok.json()["data"]["team"]


async def test_slow_subgraph_times_out_into_a_located_error(tmp_path: Path) -> None:
    h = Harness(tmp_path, subgraph_timeout_s=0.2)
    h.mounts["http://127.0.0.1:4001"].delay_s = 5.0
    query = '{ learner(id: "l1") { name } course(id: "c1") { title } }'
    async with serve(h) as (_, client):
        body = (await post(h, client, {"query": query})).json()
    assert body["data"] == {"learner": {"name": "Learner l1"}, "course": None}
    error = body["errors"][0]
    assert error["path"] == ["course"]
    assert error["extensions"]["code"] == "SUBGRAPH_TIMEOUT"
    assert "0.2 s" in error["message"]


async def test_identical_queries_in_flight_share_one_subgraph_call(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.mounts["http://127.0.0.1:4002"].delay_s = 0.05  # so the two requests overlap
    async with serve(h) as (_, client):
        first, second = await asyncio.gather(
            post(h, client, {"query": SHALLOW}), post(h, client, {"query": SHALLOW})
        )
        other = await post(h, client, {"query": "{ team { name } }"})
    assert first.json() == second.json() == {"data": {"team": [{"id": f"l{i}"} for i in (1, 2, 3)]}}
    assert other.json()["data"]["team"][0] == {"name": "Learner l1"}
    assert len(h.calls["progress"]) == 2  # one for the pair, one for the different query
