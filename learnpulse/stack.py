"""`learnpulse up`: run the whole stack on embedded defaults, and stop exactly what it started.

Starts a real MLflow tracking server (SQLite + local artifacts under the state folder, from its
own virtual environment), trains and registers a first pair of models if the registry has no
champions, then the catalog, progress, risk and gateway processes; waits until each is ready
and prints where to go. Ctrl-C (or SIGTERM) stops every child by process group.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from learnpulse.settings import StackSettings, ensure_secret

ROOT = Path(__file__).resolve().parent.parent
MLFLOW_BIN = ROOT / ".venv-mlflow" / "bin" / "mlflow"


class StackError(Exception):
    """The stack could not start; the message says which part and where its log is."""


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path


@dataclass
class Stack:
    settings: StackSettings
    env: dict[str, str] = field(default_factory=dict)
    seed: bool = True
    say: Callable[[str], None] = print
    children: list[Child] = field(default_factory=list)

    @property
    def state(self) -> Path:
        return self.settings.state_dir.resolve()

    def start(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        ensure_secret(self.state / "jwt.key")
        ensure_secret(self.state / "internal.key")
        self._check_ports()
        self.start_mlflow()
        self.ensure_models()
        for name in ("catalog", "progress", "risk"):
            self._spawn(name, [sys.executable, "-m", "learnpulse.cli", name, "serve"])
        self._wait_http("catalog", self.settings.catalog_port)
        self._wait_http("progress", self.settings.progress_port)
        self._wait_grpc("risk", self.settings.risk_port)
        self._spawn("gateway", [sys.executable, "-m", "learnpulse.cli", "gateway", "serve"])
        self._wait_http("gateway", self.settings.gateway_port)

    def start_mlflow(self) -> None:
        if self.settings.mlflow_uri:
            self.say(f"using the MLflow server at {self.settings.mlflow_uri}")
            return
        if not MLFLOW_BIN.exists():
            raise StackError(f"{MLFLOW_BIN} is missing: run `make up` (it creates the MLflow venv)")
        folder = self.state / "mlflow"
        (folder / "artifacts").mkdir(parents=True, exist_ok=True)
        cmd = [
            str(MLFLOW_BIN),
            "server",
            "--host",
            self.settings.host,
            "--port",
            str(self.settings.mlflow_port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{folder / 'mlflow.db'}",
            "--serve-artifacts",
            "--artifacts-destination",
            str(folder / "artifacts"),
        ]
        self._spawn("mlflow", cmd)
        url = f"http://{self.settings.host}:{self.settings.mlflow_port}/health"
        self._wait(lambda: _http_ok(url), "mlflow", timeout_s=90)

    def ensure_models(self) -> None:
        from ml.training import ensure_champions

        self.say("checking the MLflow registry for champion models ...")
        started = time.monotonic()
        versions = ensure_champions(tracking_uri=self.settings.tracking_uri)
        self.say(f"models: {versions} ({time.monotonic() - started:.1f}s)")

    def _child_env(self) -> dict[str, str]:
        env = {**os.environ, **self.env}
        env["LEARNPULSE_STATE_DIR"] = str(self.state)
        env["LEARNPULSE_HOST"] = self.settings.host
        for name in ("gateway", "catalog", "progress", "risk", "mlflow"):
            env[f"LEARNPULSE_{name.upper()}_PORT"] = str(getattr(self.settings, f"{name}_port"))
        env["LEARNPULSE_MLFLOW_URI"] = self.settings.tracking_uri
        env["LEARNPULSE_SEED_DEMO"] = "1" if self.seed else "0"
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    def _spawn(self, name: str, cmd: list[str]) -> None:
        logs = self.state / "logs"
        logs.mkdir(exist_ok=True)
        log_path = logs / f"{name}.log"
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env=self._child_env(),
                start_new_session=True,
            )
        self.children.append(Child(name, proc, log_path))
        self.say(f"started {name} (pid {proc.pid}, log {log_path})")

    def _wait_http(self, name: str, port: int) -> None:
        url = f"http://{self.settings.host}:{port}/readyz"
        self._wait(lambda: _http_ok(url), name)

    def _wait_grpc(self, name: str, port: int) -> None:
        self._wait(lambda: _grpc_serving(f"{self.settings.host}:{port}"), name)

    def _wait(self, check: Callable[[], bool], name: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        child = next((c for c in self.children if c.name == name), None)
        while time.monotonic() < deadline:
            if child is not None and child.proc.poll() is not None:
                raise StackError(
                    f"{name} exited with code {child.proc.returncode}; "
                    f"last log lines:\n{_tail(child.log_path)}"
                )
            if check():
                self.say(f"{name} is ready")
                return
            time.sleep(0.25)
        raise StackError(
            f"{name} was not ready after {timeout_s:.0f}s; see {child.log_path if child else ''}"
        )

    def _check_ports(self) -> None:
        s = self.settings
        wanted = {
            "gateway": s.gateway_port,
            "catalog": s.catalog_port,
            "progress": s.progress_port,
            "risk": s.risk_port,
        }
        if not s.mlflow_uri:
            wanted["mlflow"] = s.mlflow_port
        for name, port in wanted.items():
            with socket.socket() as sock:
                if sock.connect_ex((s.host, port)) == 0:
                    raise StackError(
                        f"port {port} ({name}) is already in use; stop what holds it "
                        f"or set LEARNPULSE_{name.upper()}_PORT"
                    )

    def failed_child(self) -> Child | None:
        return next((c for c in self.children if c.proc.poll() is not None), None)

    def stop(self, grace_s: float = 10) -> None:
        """SIGTERM every child's process group, newest first; SIGKILL what outlives `grace_s`."""
        for child in reversed(self.children):
            _signal_group(child.proc, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for child in reversed(self.children):
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child.proc, signal.SIGKILL)
                child.proc.wait()
        self.children.clear()


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def _http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _grpc_serving(target: str) -> bool:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=1
            )
        except grpc.RpcError:
            return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def banner(settings: StackSettings) -> str:
    host = settings.host
    return f"""
LearnPulse is up.
  GraphQL (GraphiQL): http://{host}:{settings.gateway_port}/graphql
  MLflow UI:          {settings.tracking_uri}
  risk (gRPC):        {host}:{settings.risk_port}
Get a token, then paste it into GraphiQL's Headers tab as {{"Authorization": "Bearer <token>"}}:
  .venv/bin/learnpulse token --role manager --sub mgr-1 \\
      --reports lrn-1 lrn-2 lrn-3 lrn-4
Logs: {settings.state_dir.resolve() / "logs"}    Ctrl-C stops everything.
"""


def main(args: argparse.Namespace) -> int:
    settings = StackSettings()
    stack = Stack(settings, seed=not args.no_seed)

    def on_term(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        stack.start()
        print(banner(settings), flush=True)
        while (failed := stack.failed_child()) is None:
            time.sleep(0.5)
        print(
            f"{failed.name} exited (code {failed.proc.returncode}); stopping the stack.\n"
            f"{_tail(failed.log_path)}",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 0
    except StackError as exc:
        print(f"learnpulse up: {exc}", file=sys.stderr)
        return 1
    finally:
        print("stopping ...", flush=True)
        stack.stop()
        print("stopped.", flush=True)
