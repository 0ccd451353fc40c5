"""The progress app as a process sees it: health probes, start-up seeding and indexes."""

from __future__ import annotations

import httpx
from progress_helpers import KEY, caller, serving

from learnpulse.auth import PRINCIPAL_HEADER, sign_principal
from services.progress.app import create_app
from services.progress.settings import ProgressSettings

ME = {"query": "{ me { id enrollments { progress } } }"}


async def test_healthz_and_readyz_answer_without_a_principal(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    ready = await client.get("/readyz")

    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ok", "checks": {"mongo": True}})


async def test_not_ready_before_the_store_is_open(settings: ProgressSettings) -> None:
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://progress") as client:
        ready = await client.get("/readyz")

    assert ready.status_code == 503
    assert ready.json()["checks"] == {"mongo": False}


async def test_start_up_in_memory_seeds_the_demo_progress(settings: ProgressSettings) -> None:
    headers = {PRINCIPAL_HEADER: sign_principal(caller(), KEY)}

    async with serving(create_app(settings)) as client:
        body = (await client.post("/graphql", json=ME, headers=headers)).json()
        ready = await client.get("/readyz")

    assert body["data"]["me"]["id"] == "lrn-1"
    assert [e["progress"] for e in body["data"]["me"]["enrollments"]] == [1.0, 1.0]
    assert ready.status_code == 200


async def test_seeding_can_be_turned_off(settings: ProgressSettings) -> None:
    settings = settings.model_copy(update={"seed_demo": False})
    headers = {PRINCIPAL_HEADER: sign_principal(caller(), KEY)}

    async with serving(create_app(settings)) as client:
        body = (await client.post("/graphql", json=ME, headers=headers)).json()

    assert body["data"]["me"] is None


async def test_graphiql_is_off_on_the_internal_subgraph(client: httpx.AsyncClient) -> None:
    headers = {PRINCIPAL_HEADER: sign_principal(caller(), KEY), "accept": "text/html"}

    response = await client.get("/graphql", headers=headers)

    assert response.status_code == 404
