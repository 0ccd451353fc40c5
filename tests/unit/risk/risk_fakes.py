"""Factories and fakes for the risk service's unit tests: tiny Boosters trained inline on
random feature values, an in-memory registry backend, request builders, and a real server
on a free loopback port."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import grpc
import lightgbm as lgb
import numpy as np
import pandas as pd
from google.rpc import error_details_pb2, status_pb2
from pydantic import SecretStr

from learnpulse.risk.v1 import risk_pb2, risk_pb2_grpc
from ml.features import FEATURE_NAMES
from services.risk import scoring
from services.risk.cache import ModelCache
from services.risk.metrics import RiskMetrics
from services.risk.models import LoadedModel, ModelMeta, ModelSet
from services.risk.registry import ModelRegistry, RegistryUnavailable
from services.risk.server import create_server
from services.risk.settings import RiskSettings

ATTRITION, STALL = "learnpulse-attrition", "learnpulse-stall"
AS_OF = datetime(2026, 11, 30, tzinfo=UTC)
INTERNAL_SECRET = "unit-test-internal-secret"


@cache  # Boosters are only read; training each once keeps the suite quick on a busy machine
def train_booster(seed: int = 0) -> lgb.Booster:
    """A small binary Booster on random values of the real feature columns."""
    names = list(FEATURE_NAMES)
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.normal(size=(400, len(names))) * 10, columns=names)
    y = (x.iloc[:, 0] + rng.normal(size=400) * 5 > 0).astype(int)
    params = {"objective": "binary", "num_leaves": 7, "verbose": -1, "seed": seed, "num_threads": 1}
    return lgb.train(params, lgb.Dataset(x, y), num_boost_round=10)


def make_meta(name: str = ATTRITION, version: str = "1", **overrides: Any) -> ModelMeta:
    meta = ModelMeta(
        name=name,
        version=version,
        alias="champion",
        features=tuple(FEATURE_NAMES),
        band_medium_threshold=0.3,
        band_high_threshold=0.6,
        trained_at=datetime(2026, 11, 1, tzinfo=UTC),
        metrics={"roc_auc": 0.81},
        run_id=f"run-{name}-{version}",
    )
    return replace(meta, **overrides)


def make_model_set(version: str = "1") -> ModelSet:
    return ModelSet(
        LoadedModel(make_meta(ATTRITION, version), train_booster(1)),
        LoadedModel(make_meta(STALL, version), train_booster(2)),
    )


class FakeBackend:
    """An in-memory registry: `publish` moves the alias; `down` makes every call fail."""

    def __init__(self) -> None:
        self.versions: dict[str, tuple[ModelMeta, lgb.Booster]] = {}
        self.down = False
        self.downloads = 0
        self.gate: threading.Event | None = None  # when set, `load` waits for it

    def publish(self, version: str, **overrides: Any) -> None:
        for seed, name in enumerate((ATTRITION, STALL), start=int(version) * 10):
            self.versions[name] = (make_meta(name, version, **overrides), train_booster(seed))

    def resolve(self, name: str, alias: str) -> ModelMeta:
        if self.down:
            raise RegistryUnavailable("fake registry is down")
        if name not in self.versions:
            raise RegistryUnavailable(f"{name}@{alias} not found")
        return self.versions[name][0]

    def download(self, meta: ModelMeta, dest: Path) -> None:
        if self.down:
            raise RegistryUnavailable("fake registry is down")
        self.downloads += 1
        self.versions[meta.name][1].save_model(str(dest / "model.txt"))

    def load(self, path: Path) -> lgb.Booster:
        if self.gate is not None:
            self.gate.wait(timeout=10)
        return lgb.Booster(model_file=str(path / "model.txt"))


def make_registry(
    backend: FakeBackend, cache_dir: Path, *, reload_interval_s: float = 0.0
) -> ModelRegistry:
    """A registry over `backend` that does not poll unless asked to."""
    return ModelRegistry(
        backend,
        ModelCache(cache_dir),
        reload_interval_s=reload_interval_s,
        known_features=FEATURE_NAMES,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_settings(tmp_path: Path, **overrides: object) -> RiskSettings:
    fields: dict[str, object] = {
        "state_dir": tmp_path,
        "risk_port": free_port(),
        "api_keys": "acme-key:acme,globex-key:globex",
        "internal_secret": SecretStr(INTERNAL_SECRET),
        "max_batch": 50,
        "mlflow_uri": f"http://127.0.0.1:{free_port()}",  # nothing listens there
        "mlflow_timeout_s": 0.5,
    }
    return RiskSettings(**(fields | overrides))  # type: ignore[arg-type]


def ts(moment: datetime) -> dict[str, int]:
    return {"seconds": int(moment.timestamp()), "nanos": 0}


def make_event(days_ago: float = 1.0, **overrides: object) -> risk_pb2.LearningEvent:
    fields: dict[str, object] = {
        "ts": ts(AS_OF - timedelta(days=days_ago)),
        "verb": "progressed",
        "course_id": "c-1",
        "unit_id": "u-1",
        "duration_s": 120.0,
    }
    return risk_pb2.LearningEvent(**(fields | overrides))


def make_milestone(
    assigned_days_ago: float = 6.0,
    due_in_days: float = 8.0,
    units: int = 8,
    reminders: bool | None = True,
) -> risk_pb2.CurrentMilestone:
    """A current milestone relative to AS_OF (`reminders=None` leaves it unknown)."""
    milestone = risk_pb2.CurrentMilestone(
        assigned_at=ts(AS_OF - timedelta(days=assigned_days_ago)),
        due_at=ts(AS_OF + timedelta(days=due_in_days)),
        units=units,
    )
    if reminders is not None:
        milestone.reminders = reminders
    return milestone


def make_trajectory(
    learner_id: str = "l-1", tenant: str = "acme", events: int = 5, **profile: object
) -> risk_pb2.Trajectory:
    fields: dict[str, object] = {
        "learner_id": learner_id,
        "tenant_id": tenant,
        "role": "agent",
        "department": "support",
        "shift": "day",
        "location": "Lyon",
        "manager_id": "m-1",
        "hire_date": ts(AS_OF - timedelta(days=200)),
    }
    verbs = ["login", "launched", "progressed", "answered", "failed", "replayed", "completed"]
    history = [
        make_event(days_ago=1 + 3 * n, verb=verbs[n % len(verbs)], score=0.4, attempt=1)
        if verbs[n % len(verbs)] in ("answered", "failed")
        else make_event(days_ago=1 + 3 * n, verb=verbs[n % len(verbs)])
        for n in range(events)
    ]
    return risk_pb2.Trajectory(
        profile=risk_pb2.LearnerProfile(**(fields | profile)), events=history
    )


def field_violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    """The google.rpc.BadRequest packed in the status details (grpc-status-details-bin)."""
    details = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
    assert details, "the error carries no google.rpc.Status details"
    parsed = status_pb2.Status.FromString(details)
    bad = error_details_pb2.BadRequest()
    assert parsed.details[0].Unpack(bad)
    return {v.field: v.description for v in bad.field_violations}


def make_request(
    *trajectories: risk_pb2.Trajectory, **fields: object
) -> risk_pb2.ScoreTrajectoriesRequest:
    request = risk_pb2.ScoreTrajectoriesRequest(
        trajectories=trajectories or [make_trajectory()], **fields
    )
    request.as_of.FromDatetime(AS_OF)
    return request


def score_request(
    models: ModelSet, request: risk_pb2.ScoreTrajectoriesRequest
) -> list[risk_pb2.LearnerScore]:
    """Score a request with explanations, whichever event form it carries, as of AS_OF."""
    given = request.event_columns if request.HasField("event_columns") else None
    return scoring.score_trajectories(
        models=models,
        trajectories=request.trajectories,
        as_of=AS_OF,
        explain=True,
        event_columns=given,
    )


@dataclass
class RunningServer:
    settings: RiskSettings
    registry: ModelRegistry
    backend: FakeBackend
    channel: grpc.aio.Channel

    @property
    def stub(self) -> risk_pb2_grpc.RiskServiceStub:
        return risk_pb2_grpc.RiskServiceStub(self.channel)


@asynccontextmanager
async def running_server(
    tmp_path: Path,
    backend: FakeBackend,
    *,
    load: bool = True,
    metrics: RiskMetrics | None = None,
    **settings: object,
) -> AsyncIterator[RunningServer]:
    """Start a server (and, with `load`, its registry); stop both whatever happens."""
    config = make_settings(tmp_path, **settings)
    registry = make_registry(backend, tmp_path / "models")
    server = create_server(config, registry=registry, metrics=metrics)
    await server.start()
    channel = grpc.aio.insecure_channel(config.risk_target)
    try:
        if load:
            await registry.start()
        yield RunningServer(config, registry, backend, channel)
    finally:
        await channel.close()
        await registry.stop()
        await server.stop(None)


ACME_KEY = (("x-api-key", "acme-key"),)
