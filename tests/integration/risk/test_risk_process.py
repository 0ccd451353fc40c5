"""`learnpulse risk serve` as operators run it: configured by environment, ready when health
says SERVING, one JSON object per log line, and a clean exit on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from learnpulse.risk.v1 import risk_pb2, risk_pb2_grpc
from ml.training import ensure_champions

SERVICE = "learnpulse.risk.v1.RiskService"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def risk_process(
    mlflow_server: str, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    ensure_champions(tracking_uri=mlflow_server)
    port, log = free_port(), tmp_path / "risk.log"
    env = os.environ | {
        "LEARNPULSE_STATE_DIR": str(tmp_path / "state"),
        "LEARNPULSE_MLFLOW_URI": mlflow_server,
        "LEARNPULSE_API_KEYS": "proc-key:demo",
        "LEARNPULSE_INTERNAL_SECRET": "process-test",
    }
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "learnpulse.cli", "risk", "serve", "--port", str(port)],
            env=env,
            stderr=stderr,
            start_new_session=True,  # its own process group, so teardown can stop all of it
        )
    try:
        yield process, port, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def wait_until_serving(channel: grpc.aio.Channel, timeout_s: float = 60.0) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    for _ in range(int(timeout_s / 0.2)):
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=SERVICE), timeout=1)
            if reply.status == health_pb2.HealthCheckResponse.SERVING:
                return
        except grpc.aio.AioRpcError:
            pass  # not listening yet
        await asyncio.sleep(0.2)
    raise AssertionError(f"the risk service was not SERVING within {timeout_s} s")


async def test_serves_then_drains_on_sigterm(
    risk_process: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    process, port, log = risk_process
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        await wait_until_serving(channel)
        info = await risk_pb2_grpc.RiskServiceStub(channel).GetModelInfo(
            risk_pb2.GetModelInfoRequest(),
            metadata=(("x-api-key", "proc-key"), ("x-request-id", "proc-test-1")),
        )
    assert {m.model.name for m in info.models} == {"learnpulse-attrition", "learnpulse-stall"}

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
