"""The risk service against a real MLflow server: it serves the trained champions (with the
same features and probabilities as offline), follows a promotion while running, and after a
restart without MLflow serves the disk cache and says so."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import grpc
import numpy as np
import pandas as pd
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2, health_pb2_grpc
from mlflow import MlflowClient

from learnpulse.risk.v1 import risk_pb2, risk_pb2_grpc
from ml import calibration
from ml.dataset import Dataset
from ml.features import build_features
from ml.milestones import current_milestones
from ml.synth import generate
from ml.training import ensure_champions
from services.risk.registry import MlflowBackend, ModelRegistry
from services.risk.server import create_server
from services.risk.settings import RiskSettings

ATTRITION, STALL = "learnpulse-attrition", "learnpulse-stall"
KEY = (("x-api-key", "it-key"),)
LOOKBACK = pd.Timedelta(days=28)  # ml.features only reads the last 28 days


@pytest.fixture(scope="module")
def champions(mlflow_server: str) -> dict[str, str]:
    return ensure_champions(tracking_uri=mlflow_server)


@pytest.fixture(scope="module")
def world() -> Dataset:
    return generate(n_learners=40, days=60, seed=11)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_for(tracking_uri: str, cache: Path, **overrides: object) -> RiskSettings:
    fields: dict[str, object] = {
        "state_dir": cache.parent,
        "model_cache_dir": cache,
        "mlflow_uri": tracking_uri,
        "risk_port": free_port(),
        "api_keys": "it-key:demo",
        "internal_secret": "integration",
        "reload_interval_s": 0.3,
        "mlflow_timeout_s": 1.0,
    }
    return RiskSettings(**(fields | overrides))  # type: ignore[arg-type]


@asynccontextmanager
async def risk_service(settings: RiskSettings) -> AsyncIterator[risk_pb2_grpc.RiskServiceStub]:
    """What `serve` composes, started and stopped around one test."""
    registry = ModelRegistry.from_settings(settings)
    server = create_server(settings, registry=registry)
    await server.start()
    channel = grpc.aio.insecure_channel(settings.risk_target)
    try:
        await registry.start()
        yield risk_pb2_grpc.RiskServiceStub(channel)
    finally:
        await channel.close()
        await registry.stop()
        await server.stop(None)


def stamp(moment: pd.Timestamp) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(moment.to_pydatetime())
    return out


def request_for(
    world: Dataset, as_of: pd.Timestamp, n: int = 10
) -> risk_pb2.ScoreTrajectoriesRequest:
    """The last four weeks of `n` learners and their current milestone, as the progress
    service would send them."""
    events = world.events[(world.events["ts"] < as_of) & (world.events["ts"] >= as_of - LOOKBACK)]
    request = risk_pb2.ScoreTrajectoriesRequest(as_of=stamp(as_of), explain=True)
    learners = world.learners.head(n)
    current = current_milestones(
        world.milestones, pd.Index(learners["learner_id"]), as_of.value // 1000
    )
    for row, learner in enumerate(learners.itertuples()):
        trajectory = request.trajectories.add()
        trajectory.profile.CopyFrom(
            risk_pb2.LearnerProfile(
                learner_id=learner.learner_id,
                tenant_id=learner.tenant_id,
                role=learner.role,
                department=learner.department,
                shift=learner.shift,
                location=learner.location,
                manager_id=learner.manager_id,
                hire_date=stamp(learner.hire_date),
            )
        )
        if not np.isnan(current.assigned_us[row]):
            milestone = trajectory.profile.milestone
            milestone.assigned_at.FromMicroseconds(int(current.assigned_us[row]))
            milestone.due_at.FromMicroseconds(int(current.due_us[row]))
            milestone.units = int(current.units[row])
            if not np.isnan(current.reminders[row]):
                milestone.reminders = bool(current.reminders[row])
        for e in events[events["learner_id"] == learner.learner_id].itertuples():
            trajectory.events.add(
                ts=stamp(e.ts),
                verb=e.verb,
                course_id=e.course_id,
                unit_id=e.unit_id,
                duration_s=e.duration_s,
                score=0.0 if np.isnan(e.score) else e.score,
                success=e.success,
                attempt=e.attempt,
                response=e.response,
            )
    return request


async def wait_for_version(
    stub: risk_pb2_grpc.RiskServiceStub, name: str, version: str, timeout_s: float = 15.0
) -> risk_pb2.ModelInfo:
    for _ in range(int(timeout_s / 0.1)):
        info = await stub.GetModelInfo(risk_pb2.GetModelInfoRequest(), metadata=KEY)
        served = {m.model.name: m for m in info.models}
        if name in served and served[name].model.version == version:
            return served[name]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name} v{version} was not picked up within {timeout_s} s")


async def test_serves_the_champions_with_offline_probabilities(
    mlflow_server: str, champions: dict[str, str], world: Dataset, tmp_path: Path
) -> None:
    as_of = world.events["ts"].max().floor("D")
    request = request_for(world, as_of)

    async with risk_service(settings_for(mlflow_server, tmp_path / "models")) as stub:
        response = await stub.ScoreTrajectories(request, metadata=KEY)
        info = await stub.GetModelInfo(risk_pb2.GetModelInfoRequest(), metadata=KEY)

    first = response.scores[0].attrition
    assert (first.model.name, first.model.version, first.model.alias) == (
        ATTRITION,
        champions[ATTRITION],
        "champion",
    )
    assert response.scores[0].stall.model.version == champions[STALL]
    assert {m.model.name: m.from_cache for m in info.models} == {ATTRITION: False, STALL: False}
    assert all(m.band_medium_threshold <= m.band_high_threshold for m in info.models)

    # The same champion, loaded the way a data scientist would (and calibrated by the same
    # function as training), scores the same numbers.
    backend = MlflowBackend(mlflow_server)
    meta = backend.resolve(ATTRITION, "champion")
    backend.download(meta, tmp_path / "offline")
    booster = backend.load(tmp_path / "offline")
    # learners on a programme send their milestone; those on none (about 15 %) send none
    assert any(t.profile.HasField("milestone") for t in request.trajectories)
    assert "milestone_lateness" in meta.features
    features = build_features(world.learners.head(10), world.events, as_of, world.milestones)
    offline = calibration.apply(booster.predict(features[list(meta.features)]), meta.calibration)
    served = [s.attrition.probability for s in response.scores]
    np.testing.assert_allclose(served, offline, rtol=1e-9, atol=1e-12)


@pytest.fixture
def promoted(mlflow_server: str, champions: dict[str, str]) -> Iterator[str]:
    """A second registered version of the attrition model, made champion; undone afterwards."""
    client = MlflowClient(tracking_uri=mlflow_server, registry_uri=mlflow_server)
    current = client.get_model_version(ATTRITION, champions[ATTRITION])
    copy = client.create_model_version(
        ATTRITION,
        source=current.source,
        run_id=current.run_id,
        tags=current.tags,
        # MLflow 3 keeps the files on a logged model, `models:/<model_id>`, and wants its id
        model_id=current.model_id or current.source.removeprefix("models:/"),
    )
    client.set_registered_model_alias(ATTRITION, "champion", copy.version)
    try:
        yield str(copy.version)
    finally:
        client.set_registered_model_alias(ATTRITION, "champion", champions[ATTRITION])
        client.delete_model_version(ATTRITION, copy.version)


async def test_a_promotion_and_a_rollback_under_load_fail_no_call(
    mlflow_server: str,
    champions: dict[str, str],
    world: Dataset,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """Calls run back to back while the alias moves forward and back: every call succeeds,
    each names one version, and once the new version shows up no call names the old one."""
    scoring = request_for(world, world.events["ts"].max().floor("D"), n=3)
    client = MlflowClient(tracking_uri=mlflow_server, registry_uri=mlflow_server)
    async with risk_service(settings_for(mlflow_server, tmp_path / "models")) as stub:
        seen: list[str] = []
        failures: list[BaseException] = []
        done = asyncio.Event()

        async def load() -> None:
            while not done.is_set():
                try:
                    reply = await stub.ScoreTrajectories(scoring, metadata=KEY, timeout=10)
                except grpc.aio.AioRpcError as exc:
                    failures.append(exc)
                    continue
                versions = {s.attrition.model.version for s in reply.scores}
                assert len(versions) == 1, f"one reply mixes versions {versions}"
                seen.append(versions.pop())

        async def until(version: str, timeout_s: float = 15.0) -> None:
            for _ in range(int(timeout_s / 0.05)):
                if seen and seen[-1] == version:
                    return
                await asyncio.sleep(0.05)
            raise AssertionError(f"no call named v{version} within {timeout_s} s")

        workers = [asyncio.create_task(load()) for _ in range(3)]
        try:
            await until(champions[ATTRITION])
            version = await asyncio.to_thread(request.getfixturevalue, "promoted")
            await until(version)
            promoted_at = len(seen)
            await asyncio.sleep(0.5)  # more calls after the swap
            after_promotion = seen[promoted_at:]
            client.set_registered_model_alias(ATTRITION, "champion", champions[ATTRITION])
            await until(champions[ATTRITION])  # the rollback
        finally:
            done.set()
            await asyncio.gather(*workers)

    assert failures == []
    assert after_promotion and set(after_promotion) == {version}
    assert seen[0] == champions[ATTRITION] and seen[-1] == champions[ATTRITION]


async def test_a_restart_without_mlflow_serves_the_disk_cache(
    mlflow_server: str,
    champions: dict[str, str],
    world: Dataset,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = tmp_path / "models"
    async with risk_service(settings_for(mlflow_server, cache)) as stub:
        await wait_for_version(stub, ATTRITION, champions[ATTRITION])

    unreachable = f"http://127.0.0.1:{free_port()}"
    settings = settings_for(unreachable, cache)
    async with risk_service(settings) as stub:
        info = await stub.GetModelInfo(risk_pb2.GetModelInfoRequest(), metadata=KEY)
        scored = await stub.ScoreTrajectories(
            request_for(world, world.events["ts"].max().floor("D"), n=2), metadata=KEY
        )
        async with grpc.aio.insecure_channel(settings.risk_target) as channel:
            health = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service="learnpulse.risk.v1.RiskService")
            )

    assert {m.model.name: (m.model.version, m.from_cache) for m in info.models} == {
        ATTRITION: (champions[ATTRITION], True),
        STALL: (champions[STALL], True),
    }
    assert scored.scores[0].attrition.model.version == champions[ATTRITION]
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    said = [r for r in caplog.records if r.getMessage() == "serving models from the disk cache"]
    assert said and said[0].__dict__["from_cache"] is True
