"""Where the supergraph comes from: live `_service { sdl }` with retries, and `gateway compose`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from subgraphs import catalog_schema, progress_schema, sdl

from gateway import main as gateway_main
from gateway.app import build_supergraph
from gateway.composition import CompositionError
from gateway.sdl import live_sdls
from gateway.settings import GatewaySettings
from learnpulse.auth import PRINCIPAL_HEADER, verify_principal

SECRET = "internal-test-secret"


def settings(tmp: Path, **overrides: object) -> GatewaySettings:
    return GatewaySettings(state_dir=tmp, internal_secret=SECRET, sdl_source="live", **overrides)


class StartingSubgraphs:
    """Answers `_service { sdl }` once each subgraph has 'started' (after `refusals` calls)."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        verify_principal(request.headers.get(PRINCIPAL_HEADER), SECRET.encode())
        if self.calls <= self.refusals:
            raise httpx.ConnectError("connection refused", request=request)
        schema = catalog_schema if request.url.port == 4001 else progress_schema
        return httpx.Response(200, json={"data": {"_service": {"sdl": sdl(schema)}}})


def test_live_sdl_waits_for_subgraphs_that_are_still_starting(tmp_path: Path) -> None:
    fake = StartingSubgraphs(refusals=3)
    with httpx.Client(transport=httpx.MockTransport(fake)) as client:
        sdls = live_sdls(settings(tmp_path), client=client, retry_s=0.01)
    assert "type Learner" in sdls["progress"] and "type Course" in sdls["catalog"]
    supergraph = build_supergraph(sdls)
    assert supergraph.owners[("Course", "title")] == ["catalog"]
    assert supergraph.owners[("Learner", "risk")] == ["risk"]


def test_live_sdl_gives_up_naming_the_silent_subgraph(tmp_path: Path) -> None:
    fake = StartingSubgraphs(refusals=10**6)
    s = settings(tmp_path, live_sdl_timeout_s=0.05)
    with (
        httpx.Client(transport=httpx.MockTransport(fake)) as client,
        pytest.raises(CompositionError) as err,
    ):
        live_sdls(s, client=client, retry_s=0.01)
    assert "subgraph 'catalog'" in str(err.value) and "subgraph 'progress'" in str(err.value)
    assert ":4001/graphql" in str(err.value)


def test_compose_command_prints_the_supergraph(capsys: pytest.CaptureFixture[str]) -> None:
    assert gateway_main.compose_command(None) == 0  # type: ignore[arg-type]
    printed = capsys.readouterr().out
    for expected in ("type Query", "type Learner", "risk: RiskAssessment", "type Course"):
        assert expected in printed
    assert "_entities" not in printed and "@key" not in printed


def test_conflict_names_subgraphs_types_and_fields() -> None:
    a = "type Query { a: Int } type Milestone { title: String! }"
    b = "type Query { b: Int } type Milestone { title: String! }"
    with pytest.raises(CompositionError) as err:
        build_supergraph({"catalog": a, "progress": b})
    assert "Milestone.title" in str(err.value)
    assert "'catalog'" in str(err.value) and "'progress'" in str(err.value)
