"""A course across both subgraphs, in process: the real gateway federating the real catalog
(title, units) and progress (completion statistics) apps over httpx, with the demo data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.app import build_supergraph, create_app
from gateway.settings import GatewaySettings
from learnpulse.auth import PRINCIPAL_HEADER, Principal, mint_token, principal_for, sign_principal
from services.catalog.app import create_app as create_catalog
from services.catalog.seed import seed_demo as seed_catalog
from services.catalog.settings import CatalogSettings
from services.catalog.store import CatalogStore
from services.progress.app import create_app as create_progress
from services.progress.seed import seed_demo as seed_progress
from services.progress.settings import ProgressSettings
from services.progress.store import ProgressStore

SECRETS = {
    "internal_secret": "completion-e2e-internal-secret",
    "jwt_secret": "completion-e2e-jwt-secret-long-enough-for-hs256",
}
FIGURES = "scope enrolled started completed completionRate medianDwellSeconds"
COURSE = f"""query {{ course(id: "c-safety") {{
  title completion {{ {FIGURES} }} units {{ id title completion {{ {FIGURES} passRate }} }} }} }}"""
DIRECT = f"""query ($r: [_Any!]!) {{ _entities(representations: $r) {{
  ... on Course {{ completion {{ {FIGURES} }} }} }} }}"""
HR = principal_for("demo", "hr-1", ["learner", "hr_admin"])
LEARNER = principal_for("demo", "lrn-1", ["learner"])


class Stack:
    def __init__(self, gateway: httpx.AsyncClient, progress: httpx.AsyncClient, key: str):
        self.gateway, self.progress, self.key = gateway, progress, key

    async def ask(self, who: Principal, query: str) -> dict[str, Any]:
        token = mint_token(who, secret=self.key)
        reply = await self.gateway.post(
            "/graphql", json={"query": query}, headers={"authorization": f"Bearer {token}"}
        )
        body: dict[str, Any] = reply.json()
        return body

    async def progress_alone(self, who: Principal) -> dict[str, Any]:
        variables = {"r": [{"__typename": "Course", "id": "c-safety"}]}
        signed = sign_principal(who, SECRETS["internal_secret"].encode())
        reply = await self.progress.post(
            "/graphql",
            json={"query": DIRECT, "variables": variables},
            headers={PRINCIPAL_HEADER: signed},
        )
        completion: dict[str, Any] = reply.json()["data"]["_entities"][0]["completion"]
        return completion


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    catalog_store, progress_store = (
        CatalogStore.connect("memory://"),
        ProgressStore.connect("memory://"),
    )
    for store in (catalog_store, progress_store):
        await store.ensure_indexes()
    await seed_catalog(store=catalog_store)
    await seed_progress(store=progress_store)
    common = {"state_dir": tmp_path, **SECRETS}
    settings = GatewaySettings(**common)  # type: ignore[arg-type]
    catalog = create_catalog(CatalogSettings(**common), store=catalog_store)  # type: ignore[arg-type]
    progress = create_progress(ProgressSettings(**common), store=progress_store)  # type: ignore[arg-type]
    mounts = {
        settings.catalog_url.rsplit("/", 1)[0]: httpx.ASGITransport(catalog),  # type: ignore[arg-type]
        settings.progress_url.rsplit("/", 1)[0]: httpx.ASGITransport(progress),  # type: ignore[arg-type]
    }
    upstream = httpx.AsyncClient(mounts=mounts)
    app = create_app(settings, supergraph=build_supergraph(), http=upstream, local_sources={})
    direct = httpx.AsyncClient(transport=mounts[settings.progress_url.rsplit("/", 1)[0]],
                               base_url="http://progress")  # fmt: skip
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield Stack(client, direct, settings.jwt_key())
    await direct.aclose()
    await upstream.aclose()
    for store in (catalog_store, progress_store):
        await store.close()


async def test_a_course_joins_the_catalogs_title_and_units_with_progress_statistics(
    stack: Stack,
) -> None:
    body = await stack.ask(HR, COURSE)

    assert "errors" not in body, body
    course = body["data"]["course"]
    assert course["title"] and course["units"] and all(u["title"] for u in course["units"])
    assert course["completion"] == await stack.progress_alone(HR)
    assert course["completion"]["scope"] == "TENANT" and course["completion"]["started"] > 0
    assert all(u["completion"]["scope"] == "TENANT" for u in course["units"])


async def test_a_learner_at_the_gateway_gets_only_their_own_figures(stack: Stack) -> None:
    body = await stack.ask(LEARNER, COURSE)

    assert "errors" not in body, body
    mine = body["data"]["course"]["completion"]
    assert mine == await stack.progress_alone(LEARNER)
    assert mine["scope"] == "SELF" and mine["enrolled"] <= 1 and mine["started"] <= 1
