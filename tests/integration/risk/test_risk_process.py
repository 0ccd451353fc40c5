"""`learnpulse risk serve` as operators run it: configured by environment, ready when health
says SERVING, metrics on their HTTP port, one JSON object per log line, and a clean exit on
SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from risk_processes import SERVICE, RiskProcess, risk_process, wait_until_serving

from learnpulse.risk.v1 import risk_pb2, risk_pb2_grpc
from ml.training import ensure_champions


@pytest.fixture
def served(mlflow_server: str, tmp_path: Path) -> Iterator[RiskProcess]:
    ensure_champions(tracking_uri=mlflow_server)
    with risk_process(mlflow_server, tmp_path, "proc-key:demo") as running:
        yield running


async def test_serves_then_drains_on_sigterm(served: RiskProcess) -> None:
    process, log = served.process, served.log
    async with grpc.aio.insecure_channel(served.target) as channel:
        await wait_until_serving(channel)
        info = await risk_pb2_grpc.RiskServiceStub(channel).GetModelInfo(
            risk_pb2.GetModelInfoRequest(),
            metadata=(("x-api-key", "proc-key"), ("x-request-id", "proc-test-1")),
        )
    assert {m.model.name for m in info.models} == {"learnpulse-attrition", "learnpulse-stall"}

    # Prometheus sees the call and the versions in use on LEARNPULSE_RISK_METRICS_PORT.
    url = f"http://127.0.0.1:{served.metrics_port}/metrics"
    with await asyncio.to_thread(urllib.request.urlopen, url, timeout=5) as reply:
        scraped = reply.read().decode()
    assert (
        'learnpulse_risk_rpc_duration_seconds_count{code="OK",method="GetModelInfo"} 1.0' in scraped
    )
    version = next(m.model.version for m in info.models if m.model.name == "learnpulse-stall")
    assert f'model="learnpulse-stall",version="{version}"' in scraped

    process.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(process.wait, 20) == 0

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    messages = [line["msg"] for line in lines]
    assert "risk service ready" in messages
    assert messages[-2:] == ["risk service stopping", "risk service stopped"]
    call = next(line for line in lines if line.get("request_id") == "proc-test-1")
    assert (call["service"], call["method"], call["code"]) == (
        "risk",
        f"/{SERVICE}/GetModelInfo",
        "OK",
    )
