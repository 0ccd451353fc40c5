"""`learnpulse risk serve` as a child process for integration tests: started on free ports
with its own state dir, waited for until SERVING, stopped by its process group."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

SERVICE = "learnpulse.risk.v1.RiskService"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RiskProcess:
    process: subprocess.Popen[bytes]
    port: int
    metrics_port: int
    log: Path

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextmanager
def risk_process(mlflow_server: str, root: Path, api_keys: str) -> Iterator[RiskProcess]:
    """The CLI entry point, configured by environment as an operator would."""
    port, metrics_port, log = free_port(), free_port(), root / "risk.log"
    env = os.environ | {
        "LEARNPULSE_STATE_DIR": str(root / "state"),
        "LEARNPULSE_MLFLOW_URI": mlflow_server,
        "LEARNPULSE_API_KEYS": api_keys,
        "LEARNPULSE_INTERNAL_SECRET": "process-test",
        "LEARNPULSE_RISK_METRICS_PORT": str(metrics_port),
    }
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "learnpulse.cli", "risk", "serve", "--port", str(port)],
            env=env,
            stderr=stderr,
            start_new_session=True,  # its own process group, so teardown can stop all of it
        )
    try:
        yield RiskProcess(process, port, metrics_port, log)
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
