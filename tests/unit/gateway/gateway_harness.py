"""The gateway test harness: inline subgraphs behind switchable transports, a fake risk source."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import httpx
from graphql import FieldNode, GraphQLError

sys.path.insert(0, str(Path(__file__).parent))

from subgraphs import catalog_schema, progress_schema, sdl, subgraph_app

from gateway.composition import compose
from gateway.risk import SDL as RISK_SDL
from gateway.settings import GatewaySettings
from learnpulse.auth import mint_token, principal_for


class FakeRisk:
    """Stands in for the gRPC risk source; records what it was asked."""

    name = "risk"

    def __init__(self) -> None:
        self.entity_calls: list[list[dict[str, Any]]] = []
        self.down = False

    async def root(self, fields: list[FieldNode], ctx: Any) -> dict[str, Any]:
        return {
            "riskModels": [
                {
                    "model": {"name": "learnpulse-attrition", "version": "3", "alias": "champion"},
                    "trainedAt": None,
                    "metrics": [],
                    "features": ["a"],
                    "bandMediumThreshold": 0.3,
                    "bandHighThreshold": 0.6,
                    "fromCache": False,
                }
            ]
        }

    async def entities(
        self, type_name: str, reps: list[dict[str, Any]], fields: list[FieldNode], ctx: Any
    ) -> list[dict[str, Any] | Exception]:
        self.entity_calls.append(reps)
        if self.down:
            return [
                GraphQLError("risk service: unavailable", extensions={"code": "RISK_UNAVAILABLE"})
                for _ in reps
            ]
        model = {"name": "learnpulse-attrition", "version": "3", "alias": "champion"}
        est = {"probability": 0.7, "band": "HIGH", "factors": [], "model": model}
        return [
            {"risk": {"asOf": "2026-12-04T00:00:00+00:00", "attrition": est, "stall": est}}
            for _ in reps
        ]


class Switchable(httpx.AsyncBaseTransport):
    """An in-process transport that can be switched off or slowed, like a subgraph in trouble."""

    def __init__(self, app: object) -> None:
        self.inner = httpx.ASGITransport(app)  # type: ignore[arg-type]
        self.down = False
        self.delay_s = 0.0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return await self.inner.handle_async_request(request)


class Harness:
    def __init__(self, tmp: Path, **overrides: Any) -> None:
        self.settings = GatewaySettings(
            state_dir=tmp,
            internal_secret="internal-test-secret",
            jwt_secret="jwt-test-secret-that-is-long-enough-for-hs256",
            **overrides,
        )
        self.calls: dict[str, list[str]] = {"catalog": [], "progress": []}
        self.risk = FakeRisk()
        key = self.settings.internal_key()
        self.mounts = {
            "http://127.0.0.1:4001": Switchable(
                subgraph_app(catalog_schema, key, self.calls["catalog"])
            ),
            "http://127.0.0.1:4002": Switchable(
                subgraph_app(progress_schema, key, self.calls["progress"])
            ),
        }
        self.supergraph = compose(
            {"catalog": sdl(catalog_schema), "progress": sdl(progress_schema), "risk": RISK_SDL}
        )

    def token(self, *roles: str, reports: tuple[str, ...] = ("l1", "l2", "l3")) -> str:
        principal = principal_for("demo", "mgr-1", roles or ("manager",), reports)
        return mint_token(principal, secret=self.settings.jwt_key())
