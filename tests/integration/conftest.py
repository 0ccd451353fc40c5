"""Integration fixtures: a real MLflow server, run from its own venv (.venv-mlflow) on a free
loopback port with SQLite and served artifacts, shared by the whole test session.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MLFLOW_BIN = REPO / ".venv-mlflow" / "bin" / "mlflow"
STARTUP_TIMEOUT_S = 120.0
START_ATTEMPTS = 3  # a free port can be taken between choosing it and binding it


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Yield the tracking URI of a fresh MLflow server; stopped (process group) at the end.

    Artifacts are proxied (`--serve-artifacts`): clients upload and download over HTTP, as
    they would against a remote server, never through a shared folder.
    """
    if not MLFLOW_BIN.exists():
        pytest.fail(f"{MLFLOW_BIN} is missing: run `make install-mlflow`")
    root = tmp_path_factory.mktemp("mlflow")
    for attempt in range(1, START_ATTEMPTS + 1):
        port = _free_port()
        process, log = _start(root, port)
        try:
            _wait_until_healthy(process, port, log)
        except _PortTaken:
            _stop(process)
            if attempt == START_ATTEMPTS:
                raise
            continue
        except BaseException:
            _stop(process)
            raise
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop(process)
        return


class _PortTaken(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(root: Path, port: int) -> tuple[subprocess.Popen[bytes], Path]:
    log = root / f"server-{port}.log"
    command = [
        str(MLFLOW_BIN), "server",
        "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
        "--serve-artifacts", "--artifacts-destination", str(root / "artifacts"),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    # The client's MLFLOW_* settings (tracking URI, credentials) must not steer the server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return process, log


def _wait_until_healthy(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = log.read_text(errors="replace")
            if "address already in use" in text.lower():
                raise _PortTaken(f"port {port} was taken")
            raise RuntimeError(f"mlflow server exited with {process.returncode}:\n{text[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    tail = log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"mlflow server not healthy after {STARTUP_TIMEOUT_S:.0f} s:\n{tail}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (the server forks workers), then SIGKILL whatever
    is left of the group after a grace period, including workers whose parent has exited.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15.0
    while time.monotonic() < deadline:
        process.poll()  # reap the leader: a zombie would still count as a group member
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5.0)
