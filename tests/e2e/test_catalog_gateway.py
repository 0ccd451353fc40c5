"""Catalog authoring through the gateway, in process: the real gateway app federating the real
catalog app over httpx, with JWTs as a course author, a learner and another tenant would send.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.app import build_supergraph, create_app
from gateway.settings import GatewaySettings
from learnpulse.auth import mint_token, principal_for
from services.catalog.app import create_app as create_catalog
from services.catalog.seed import seed_demo
from services.catalog.settings import CatalogSettings
from services.catalog.store import CatalogStore

SECRETS = {
    "internal_secret": "catalog-e2e-internal-secret",
    "jwt_secret": "catalog-e2e-jwt-secret-long-enough-for-hs256",
}
COURSE = """query ($id: ID!, $v: Int) { course(id: $id, version: $v) {
  id title status version publishedVersion units { title expectedMinutes } } }"""


class Gateway:
    def __init__(self, client: httpx.AsyncClient, settings: GatewaySettings) -> None:
        self.client, self.settings = client, settings

    async def gql(
        self, query: str, variables: dict[str, Any], *, tenant: str = "demo", role: str = "author"
    ) -> dict[str, Any]:
        token = mint_token(
            principal_for(tenant, f"{role}-1", [role], []), secret=self.settings.jwt_key()
        )
        response = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
        body: dict[str, Any] = response.json()
        return body

    async def mutate(self, name: str, input_: dict[str, Any], selection: str, **kw: Any) -> Any:
        kind = name[0].upper() + name[1:] + "Input"
        query = f"mutation ($i: {kind}!) {{ {name}(input: $i) {{ {selection} }} }}"
        return await self.gql(query, {"i": input_}, **kw)


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    store = CatalogStore.connect("memory://")
    await store.ensure_indexes()
    await seed_demo(store=store)
    catalog_settings = CatalogSettings(state_dir=tmp_path, **SECRETS)  # type: ignore[arg-type]
    settings = GatewaySettings(state_dir=tmp_path, **SECRETS)  # type: ignore[arg-type]
    catalog = httpx.ASGITransport(create_catalog(catalog_settings, store=store))  # type: ignore[arg-type]
    base = settings.catalog_url.rsplit("/", 1)[0]
    upstream = httpx.AsyncClient(mounts={base: catalog})
    app = create_app(settings, supergraph=build_supergraph(), http=upstream, local_sources={})
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield Gateway(client, settings)
    await upstream.aclose()
    await store.close()


async def test_an_author_builds_publishes_and_revises_a_course(gateway: Gateway) -> None:
    made = await gateway.mutate("createCourse", {"title": "Dock safety"}, "course { id }")
    course_id = made["data"]["createCourse"]["course"]["id"]
    units = []
    for title, kind in (("Dock hazards", "VIDEO"), ("Loading rules", "READING"), ("Check", "QUIZ")):
        unit = {"courseId": course_id, "title": title, "kind": kind, "expectedMinutes": 5}
        added = await gateway.mutate("addUnit", unit, "unit { id }")
        units.append(added["data"]["addUnit"]["unit"]["id"])
    question = {
        "prompt": "Who may drive a forklift?",
        "kind": "SINGLE_CHOICE",
        "skill": "forklift",
        "options": [{"text": "Certified staff", "correct": True}, {"text": "Anyone"}],
    }
    quiz = {"unitId": units[2], "questions": [question], "passScore": 100}
    assert "errors" not in await gateway.mutate("attachQuiz", quiz, "unit { id }")

    published = await gateway.mutate(
        "publishCourse", {"courseId": course_id}, "course { status version } warnings { field }"
    )
    edited = await gateway.mutate(
        "updateUnit", {"unitId": units[0], "title": "Dock hazards (2027)"}, "course { version }"
    )
    v1 = await gateway.gql(COURSE, {"id": course_id, "v": 1})
    v2 = await gateway.gql(COURSE, {"id": course_id, "v": 2})

    assert published["data"]["publishCourse"] == {
        "course": {"status": "PUBLISHED", "version": 1},
        "warnings": [],
    }
    assert edited["data"]["updateUnit"]["course"]["version"] == 2
    assert v1["data"]["course"]["units"][0]["title"] == "Dock hazards"
    assert v2["data"]["course"]["units"][0]["title"] == "Dock hazards (2027)"
    assert (v2["data"]["course"]["status"], v2["data"]["course"]["publishedVersion"]) == (
        "DRAFT",
        1,
    )

    other_tenant = await gateway.gql(COURSE, {"id": course_id}, tenant="acme")
    assert other_tenant["data"] == {"course": None}


async def test_a_learner_cannot_write_through_the_gateway(gateway: Gateway) -> None:
    body = await gateway.mutate("createCourse", {"title": "Mine"}, "course { id }", role="learner")

    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_an_invalid_publish_names_the_unit_and_field_and_changes_nothing(
    gateway: Gateway,
) -> None:
    made = await gateway.mutate("createCourse", {"title": "Half done"}, "course { id }")
    course_id = made["data"]["createCourse"]["course"]["id"]
    for minutes in (4, None):
        unit = {"courseId": course_id, "title": "Unit", "kind": "VIDEO", "expectedMinutes": minutes}
        added = await gateway.mutate("addUnit", unit, "unit { id }")
    undated = added["data"]["addUnit"]["unit"]["id"]

    body = await gateway.mutate("publishCourse", {"courseId": course_id}, "course { id }")
    after = await gateway.gql(COURSE, {"id": course_id})

    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "units[1].expectedMinutes"
    assert error["extensions"]["unitId"] == undated
    assert (after["data"]["course"]["status"], after["data"]["course"]["publishedVersion"]) == (
        "DRAFT",
        None,
    )
