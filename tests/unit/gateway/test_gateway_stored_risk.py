"""Our gateway over the real progress subgraph (in process) with the risk service down:
`Learner.risk` is the last assessment the sweeps stored, stale; history comes from progress."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.composition import compose
from gateway.risk import RiskSource
from gateway.sdl import file_sdls
from gateway.settings import GatewaySettings
from learnpulse.auth import Principal, mint_token, principal_for
from services.progress.app import create_app as create_progress_app
from services.progress.assessments import (
    Assessment,
    Estimate,
    Factor,
    FactorDirection,
    ModelRef,
    RiskBand,
    Score,
    Trigger,
)
from services.progress.seed import seed_demo
from services.progress.settings import ProgressSettings
from services.progress.store import ProgressStore

SECRET, JWT = "gateway-stored-risk-internal", "gateway-stored-risk-jwt-secret-long-enough"
AS_OF = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
QUERY = """{ learner(id: "lrn-1") { name
  risk { stale asOf attrition { band probability model { name version } factors { label } } }
  riskHistory(first: 5) { totalCount edges { node { asOf stall { band } } } } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stored(learner_id: str) -> Assessment:
    why = (
        Factor(
            "days_since_last_activity", "Days since last activity: 6", FactorDirection.RAISES, 0.9
        ),
    )
    attrition = Estimate(
        0.42, RiskBand.MEDIUM, why, ModelRef("learnpulse-attrition", "5", "champion")
    )
    stall = Estimate(0.71, RiskBand.HIGH, why, ModelRef("learnpulse-stall", "5", "champion"))
    return Assessment.of(Score(learner_id, attrition, stall), as_of=AS_OF, trigger=Trigger.DAILY)


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, GatewaySettings]]:
    store = ProgressStore.connect("memory://")
    await store.ensure_indexes()
    await seed_demo(store=store)
    await store.assessments.insert_new(tenant="demo", assessments=[stored("lrn-1")])
    progress = create_progress_app(
        ProgressSettings(internal_secret=SECRET, state_dir=tmp_path), store=store
    )
    settings = GatewaySettings(state_dir=tmp_path, internal_secret=SECRET, jwt_secret=JWT)
    upstream = httpx.AsyncClient(
        mounts={"http://127.0.0.1:4002": httpx.ASGITransport(progress)}  # type: ignore[arg-type]
    )
    down = RiskSource(f"127.0.0.1:{free_port()}", key=SECRET.encode(), timeout_s=2.0)
    app = create_app(
        settings, supergraph=compose(file_sdls()), http=upstream, local_sources={"risk": down}
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client, settings
    await upstream.aclose()
    await store.close()


async def ask(gateway: tuple[httpx.AsyncClient, GatewaySettings], who: Principal) -> dict[str, Any]:
    client, settings = gateway
    token = mint_token(who, secret=settings.jwt_key())
    response = await client.post(
        "/graphql", json={"query": QUERY}, headers={"authorization": f"Bearer {token}"}
    )
    body: dict[str, Any] = response.json()
    return body


async def test_risk_down_serves_the_stored_assessment_marked_stale(
    gateway: tuple[httpx.AsyncClient, GatewaySettings],
) -> None:
    body = await ask(gateway, principal_for("demo", "mgr-1", ["manager"], ["lrn-1"]))

    assert "errors" not in body, body
    learner = body["data"]["learner"]
    assert learner["risk"] == {
        "stale": True,
        "asOf": "2026-12-03T09:00:00+00:00",
        "attrition": {
            "band": "MEDIUM",
            "probability": 0.42,
            "model": {"name": "learnpulse-attrition", "version": "5"},
            "factors": [{"label": "Days since last activity: 6"}],
        },
    }
    assert learner["riskHistory"] == {
        "totalCount": 1,
        "edges": [{"node": {"asOf": "2026-12-03T09:00:00+00:00", "stall": {"band": "HIGH"}}}],
    }


async def test_the_learner_still_gets_no_risk_of_their_own(
    gateway: tuple[httpx.AsyncClient, GatewaySettings],
) -> None:
    body = await ask(gateway, principal_for("demo", "lrn-1", ["learner"]))

    learner = body["data"]["learner"]
    assert learner["name"] and learner["risk"] is None and learner["riskHistory"] is None
    paths = sorted(e["path"][-1] for e in body["errors"])
    assert paths == ["risk", "riskHistory"]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
