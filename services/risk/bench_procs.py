"""Processes and inputs for `learnpulse bench risk`: an MLflow server, `learnpulse risk serve`
and `mlflow models serve` on free loopback ports (stopped by process group), and the synthetic
trajectories as canonical tables and as ScoreTrajectories requests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from learnpulse.risk.v1 import risk_pb2
from ml.dataset import micros_of
from ml.milestones import current_milestones

ROOT = Path(__file__).resolve().parents[2]
MLFLOW_BIN = ROOT / ".venv-mlflow" / "bin" / "mlflow"
LOOKBACK = pd.Timedelta(days=28)  # ml.features reads no further back
BENCH_KEY, BENCH_TENANT = "bench-key", "demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def child(
    name: str, command: list[str], root: Path, env: dict[str, str]
) -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    """Run `command` in its own process group; yield its log path and process; kill the
    group on exit."""
    log = root / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield log, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_until(ready: Callable[[], bool], what: str, log: Path, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.25)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"{what} not ready within {timeout_s} s; its log ends:\n{tail}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _clean_env() -> dict[str, str]:
    # The bench's own MLFLOW_* settings must not steer the servers it starts.
    return {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}


@contextmanager
def mlflow_server(root: Path) -> Iterator[str]:
    """A throwaway tracking server (SQLite, proxied artifacts) from .venv-mlflow."""
    if not MLFLOW_BIN.exists():
        raise RuntimeError(f"{MLFLOW_BIN} is missing: run `make install-mlflow`")
    port = free_port()
    command = [
        str(MLFLOW_BIN), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
        "--serve-artifacts", "--artifacts-destination", str(root / "artifacts"),
    ]  # fmt: skip
    with child("mlflow-server", command, root, _clean_env()) as (log, _):
        uri = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(f"{uri}/health"), "mlflow server", log)
        yield uri


@contextmanager
def models_serve(tracking_uri: str, model_uri: str, root: Path) -> Iterator[str]:
    """`mlflow models serve` of `model_uri`, one worker, in .venv-mlflow (needs lightgbm
    there: `make install-mlflow`); yields its /invocations URL."""
    port = free_port()
    command = [
        str(MLFLOW_BIN), "models", "serve", "-m", model_uri, "--env-manager", "local",
        "-h", "127.0.0.1", "-p", str(port), "-w", "1",
    ]  # fmt: skip
    env = _clean_env() | {"MLFLOW_TRACKING_URI": tracking_uri}
    env["PATH"] = f"{MLFLOW_BIN.parent}{os.pathsep}{env.get('PATH', '')}"  # it execs `uvicorn`
    with child("mlflow-models-serve", command, root, env) as (log, _):
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(f"{base}/ping"), "mlflow models serve", log)
        yield f"{base}/invocations"


@dataclass(frozen=True)
class Served:
    target: str  # host:port
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far (all its threads)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def risk_server(tracking_uri: str, root: Path) -> Iterator[Served]:
    """`learnpulse risk serve` with a bench key; yields it once models are loaded."""
    port = free_port()
    env = os.environ | {
        "LEARNPULSE_STATE_DIR": str(root / "risk-state"),
        "LEARNPULSE_MLFLOW_URI": tracking_uri,
        "LEARNPULSE_API_KEYS": f"{BENCH_KEY}:{BENCH_TENANT}",
        "LEARNPULSE_INTERNAL_SECRET": "bench",
        "LEARNPULSE_RISK_METRICS_PORT": "0",
        "LEARNPULSE_LOG_LEVEL": "WARNING",  # one access-log line per call would cost time
    }
    command = [sys.executable, "-m", "learnpulse.cli", "risk", "serve", "--port", str(port)]
    with child("risk-serve", command, root, env) as (log, process):
        target = f"127.0.0.1:{port}"
        wait_until(lambda: _serving(target), "risk service", log)
        yield Served(target, process.pid)


def _serving(target: str) -> bool:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service="learnpulse.risk.v1.RiskService"), timeout=1
            )
        except grpc.RpcError:
            return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def window(events: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The events scoring at `as_of` reads: the four weeks before it."""
    return events[(events["ts"] < as_of) & (events["ts"] >= as_of - LOOKBACK)]


def trajectories(
    learners: pd.DataFrame,
    events: pd.DataFrame,
    milestones: pd.DataFrame | None = None,
    as_of: pd.Timestamp | None = None,
) -> list[risk_pb2.Trajectory]:
    """One proto trajectory per learner (in `learners` order), as the progress service sends:
    with a canonical `milestones` table, each profile carries the learner's current milestone
    at `as_of` (none for learners without one)."""
    out: dict[str, risk_pb2.Trajectory] = {}
    for p in learners.itertuples():
        t = risk_pb2.Trajectory()
        t.profile.learner_id, t.profile.tenant_id, t.profile.role = (
            p.learner_id, p.tenant_id, p.role,
        )  # fmt: skip
        t.profile.department, t.profile.shift, t.profile.location = (
            p.department, p.shift, p.location,
        )  # fmt: skip
        t.profile.manager_id = p.manager_id
        t.profile.hire_date.FromDatetime(p.hire_date.to_pydatetime())
        out[p.learner_id] = t
    if milestones is not None:
        if as_of is None:
            raise ValueError("as_of: required with milestones (the moment they are current at)")
        _set_milestones(list(out.values()), milestones, as_of)
    epoch = pd.Timestamp(0, tz="UTC")
    micros = ((events["ts"] - epoch) // pd.Timedelta(microseconds=1)).tolist()
    columns = ("learner_id", "verb", "course_id", "unit_id", "duration_s", "score", "success")
    responses = events["response"].fillna("").tolist()
    rows = zip(
        *(events[c].tolist() for c in columns),
        events["attempt"].tolist(),
        responses,
        micros,
        strict=True,
    )
    for learner, verb, course, unit, duration, score, success, attempt, response, us in rows:
        e = out[learner].events.add(
            verb=verb, course_id=course, unit_id=unit, duration_s=duration,
            score=0.0 if score != score else score, success=success, attempt=attempt,
            response=response,
        )  # fmt: skip
        e.ts.seconds, e.ts.nanos = divmod(us, 1_000_000)[0], (us % 1_000_000) * 1000
    return list(out.values())


def _set_milestones(
    trajectories: list[risk_pb2.Trajectory], milestones: pd.DataFrame, as_of: pd.Timestamp
) -> None:
    """Each profile's `milestone`: training's current milestone (ml.milestones), so the
    service's milestone features match `build_features` on the same table."""
    ids = pd.Index([t.profile.learner_id for t in trajectories])
    context = current_milestones(milestones, ids, micros_of(as_of))
    for row in np.flatnonzero(~np.isnan(context.assigned_us)):
        m = trajectories[row].profile.milestone
        m.assigned_at.FromMicroseconds(int(context.assigned_us[row]))
        m.due_at.FromMicroseconds(int(context.due_us[row]))
        m.units = int(context.units[row])
        if not np.isnan(context.reminders[row]):  # optional in the proto: only when known
            m.reminders = bool(context.reminders[row])
