"""What an operator scraping `/metrics` sees: latency per RPC and status, scores per band,
and which model versions are in use, following a promotion."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families
from risk_fakes import (
    ACME_KEY,
    FakeBackend,
    free_port,
    make_request,
    make_trajectory,
    running_server,
)

from learnpulse.risk.v1 import risk_pb2
from services.risk.metrics import RiskMetrics

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(port: int) -> Samples:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def metrics() -> RiskMetrics:
    return RiskMetrics()


async def test_calls_scores_and_models_show_on_the_metrics_port(
    tmp_path: Path, backend: FakeBackend, metrics: RiskMetrics
) -> None:
    port = free_port()
    metrics.start_http("127.0.0.1", port)
    try:
        async with running_server(tmp_path, backend, metrics=metrics) as server:
            request = make_request(*(make_trajectory(f"l-{n}", events=n) for n in range(3)))
            response = await server.stub.ScoreTrajectories(request, metadata=ACME_KEY)
            with pytest.raises(grpc.aio.AioRpcError):
                await server.stub.ScoreTrajectories(make_request())  # no key
            samples = await asyncio.to_thread(scrape, port)

            backend.publish("2")
            await server.registry.refresh()
            promoted = await asyncio.to_thread(scrape, port)
    finally:
        metrics.stop_http()

    hist = "learnpulse_risk_rpc_duration_seconds"
    assert value(samples, f"{hist}_count", method="ScoreTrajectories", code="OK") == 1
    assert value(samples, f"{hist}_count", method="ScoreTrajectories", code="UNAUTHENTICATED") == 1

    bands = {"low", "medium", "high"}
    served = sum(
        value(samples, "learnpulse_risk_scores_total", model="learnpulse-attrition", band=b)
        for b in bands
    )
    assert served == len(response.scores) == 3
    high = sum(s.attrition.band == risk_pb2.BAND_HIGH for s in response.scores)
    assert (
        value(samples, "learnpulse_risk_scores_total", model="learnpulse-attrition", band="high")
        == high
    )

    in_use = {"model": "learnpulse-attrition", "alias": "champion", "from_cache": "false"}
    assert value(samples, "learnpulse_risk_model_info", version="1", **in_use) == 1
    assert value(promoted, "learnpulse_risk_model_info", version="2", **in_use) == 1
    assert (
        "learnpulse_risk_model_info",
        frozenset((in_use | {"version": "1"}).items()),
    ) not in promoted


def test_port_zero_serves_nothing_and_a_taken_port_does_not_stop_the_service(
    metrics: RiskMetrics,
) -> None:
    metrics.start_http("127.0.0.1", 0)
    assert metrics._http is None
    port = free_port()
    metrics.start_http("127.0.0.1", port)
    other = RiskMetrics()
    try:
        other.start_http("127.0.0.1", port)  # logged, not raised
        assert other._http is None
    finally:
        metrics.stop_http()
