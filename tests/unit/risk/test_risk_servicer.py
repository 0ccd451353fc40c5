"""The risk service over a real loopback gRPC connection: what partners and LearnPulse
services get back for good calls, and which status (with which details) for bad ones."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import grpc
import pandas as pd
import pytest
from risk_fakes import (
    ACME_KEY,
    AS_OF,
    INTERNAL_SECRET,
    RunningServer,
    field_violations,
    make_request,
    make_trajectory,
)

from learnpulse.auth import principal_for, sign_principal
from learnpulse.risk.v1 import risk_pb2
from ml.features import FEATURE_NAMES, build_features
from services.risk import scoring, servicer


async def test_scores_name_the_champion_and_explain_when_asked(server: RunningServer) -> None:
    request = make_request(make_trajectory("a", events=9), make_trajectory("b"), explain=True)

    call = server.stub.ScoreTrajectories(request, metadata=ACME_KEY)
    response = await call

    assert [s.learner_id for s in response.scores] == ["a", "b"]
    attrition = response.scores[0].attrition
    assert (attrition.model.name, attrition.model.version, attrition.model.alias) == (
        "learnpulse-attrition",
        "1",
        "champion",
    )
    assert response.scores[0].stall.model.name == "learnpulse-stall"
    assert 0 < len(attrition.factors) <= 5
    assert ": " in attrition.factors[0].label
    assert dict(await call.initial_metadata()).get("x-request-id")


async def test_the_callers_request_id_is_echoed(server: RunningServer) -> None:
    call = server.stub.ScoreTrajectories(
        make_request(), metadata=(*ACME_KEY, ("x-request-id", "req-42"))
    )
    await call
    assert dict(await call.initial_metadata())["x-request-id"] == "req-42"


async def test_a_forwarded_principal_is_accepted(server: RunningServer) -> None:
    header = sign_principal(
        principal_for("acme", "svc-progress", ["hr_admin"]), INTERNAL_SECRET.encode()
    )
    response = await server.stub.ScoreTrajectories(
        make_request(), metadata=(("x-learnpulse-principal", header),)
    )
    assert len(response.scores) == 1


async def test_invalid_payloads_name_each_field(server: RunningServer) -> None:
    trajectories = [make_trajectory(f"l-{n}", events=8) for n in range(4)]
    trajectories[3].events[7].verb = "jump"
    trajectories[1].events[2].duration_s = -5
    trajectories[2].profile.ClearField("hire_date")

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await server.stub.ScoreTrajectories(make_request(*trajectories), metadata=ACME_KEY)

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "trajectories[1].events[2].duration_s: must be >= 0" in caught.value.details()
    fields = field_violations(caught.value)
    assert fields["trajectories[3].events[7].verb"].startswith("unknown verb 'jump'")
    assert fields["trajectories[1].events[2].duration_s"] == "must be >= 0"
    assert fields["trajectories[2].profile.hire_date"] == "required"


async def test_calls_without_credentials_are_unauthenticated(server: RunningServer) -> None:
    for metadata in ((), (("x-api-key", "stolen"),)):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await server.stub.ScoreTrajectories(make_request(), metadata=metadata)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await server.stub.GetModelInfo(risk_pb2.GetModelInfoRequest())
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_another_tenants_learners_are_permission_denied(server: RunningServer) -> None:
    request = make_request(make_trajectory("a"), make_trajectory("b", tenant="globex"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await server.stub.ScoreTrajectories(request, metadata=ACME_KEY)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert field_violations(caught.value) == {
        "trajectories[1].profile.tenant_id": "'globex' is not your tenant"
    }


async def test_batches_above_the_limit_are_resource_exhausted(server: RunningServer) -> None:
    limit = server.settings.max_batch
    request = make_request(*(make_trajectory(f"l-{n}", events=1) for n in range(limit + 1)))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await server.stub.ScoreTrajectories(request, metadata=ACME_KEY)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert f"limit of {limit}" in caught.value.details()


async def test_without_a_model_the_service_is_unavailable(empty_server: RunningServer) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await empty_server.stub.ScoreTrajectories(make_request(), metadata=ACME_KEY)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "learnpulse-attrition@champion" in caught.value.details()
    info = await empty_server.stub.GetModelInfo(risk_pb2.GetModelInfoRequest(), metadata=ACME_KEY)
    assert list(info.models) == []


async def test_a_stream_answers_each_request_in_order(server: RunningServer) -> None:
    requests = [
        make_request(make_trajectory(f"l-{n}"), make_trajectory(f"m-{n}")) for n in range(5)
    ]

    async def produce() -> AsyncIterator[risk_pb2.ScoreTrajectoriesRequest]:
        for request in requests:
            yield request

    replies = [r async for r in server.stub.StreamScores(produce(), metadata=ACME_KEY)]

    assert [[s.learner_id for s in r.scores] for r in replies] == [
        [f"l-{n}", f"m-{n}"] for n in range(5)
    ]


async def test_a_bad_request_ends_a_stream_with_its_status(server: RunningServer) -> None:
    bad = make_request(make_trajectory("x", tenant="globex"))
    call = server.stub.StreamScores(metadata=ACME_KEY)
    await call.write(make_request())
    assert len((await call.read()).scores) == 1
    await call.write(bad)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call.read()
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_model_info_describes_what_is_served(server: RunningServer) -> None:
    info = await server.stub.GetModelInfo(risk_pb2.GetModelInfoRequest(), metadata=ACME_KEY)

    assert [m.model.name for m in info.models] == ["learnpulse-attrition", "learnpulse-stall"]
    first = info.models[0]
    assert (first.model.version, first.model.alias) == ("1", "champion")
    assert (first.band_medium_threshold, first.band_high_threshold) == (0.3, 0.6)
    assert first.metrics["roc_auc"] == pytest.approx(0.81)
    assert "days_since_last_activity" in first.features
    assert first.trained_at.ToDatetime(UTC) == datetime(2026, 11, 1, tzinfo=UTC)
    assert first.from_cache is False


async def test_a_call_past_its_deadline_ends_with_deadline_exceeded(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client's deadline ends the call even while scoring still runs; the service goes on."""
    release = threading.Event()
    real = scoring.score_trajectories

    def slow(**kwargs: Any) -> Any:
        release.wait(timeout=5)
        return real(**kwargs)

    monkeypatch.setattr(scoring, "score_trajectories", slow)
    # small requests are scored on the event loop; this one must take the worker-thread path
    monkeypatch.setattr(servicer, "INLINE_MAX_EVENTS", 0)
    try:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await server.stub.ScoreTrajectories(make_request(), metadata=ACME_KEY, timeout=0.2)
    finally:
        release.set()
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED

    response = await server.stub.ScoreTrajectories(make_request(), metadata=ACME_KEY, timeout=5)
    assert len(response.scores) == 1


async def test_precomputed_features_score_as_the_events_they_come_from(
    server: RunningServer,
) -> None:
    """A partner that already computes ml.features sends values instead of events and gets
    the same probabilities, bands and model versions."""
    trajectories = [make_trajectory(f"l-{n}", events=3 + 2 * n) for n in range(3)]
    learners, events = scoring.to_frames(trajectories)
    features = build_features(learners, events, pd.Timestamp(AS_OF)).loc[learners["learner_id"]]
    names = list(reversed(FEATURE_NAMES))  # any order: values follow the names
    featured = make_request(feature_names=names)
    del featured.trajectories[:]
    for t, (_, row) in zip(trajectories, features.iterrows(), strict=True):
        copy = featured.trajectories.add(feature_values=[float(row[n]) for n in names])
        copy.profile.CopyFrom(t.profile)
        copy.profile.ClearField("hire_date")  # not needed with features

    from_events = await server.stub.ScoreTrajectories(
        make_request(*trajectories), metadata=ACME_KEY
    )
    from_features = await server.stub.ScoreTrajectories(featured, metadata=ACME_KEY)

    for a, b in zip(from_events.scores, from_features.scores, strict=True):
        assert a.learner_id == b.learner_id
        assert b.attrition.probability == pytest.approx(a.attrition.probability, abs=1e-12)
        assert (b.attrition.band, b.stall.band) == (a.attrition.band, a.stall.band)
        assert b.stall.model == a.stall.model


async def test_bad_precomputed_features_name_each_field(server: RunningServer) -> None:
    names = [*FEATURE_NAMES[:-1], "shoe_size"]
    request = make_request(
        make_trajectory("a"), make_trajectory("b", events=0), feature_names=names
    )
    request.trajectories[1].feature_values.extend([0.0] * 3)

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await server.stub.ScoreTrajectories(request, metadata=ACME_KEY)

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = field_violations(caught.value)
    assert fields[f"feature_names[{len(names) - 1}]"] == "unknown feature 'shoe_size'"
    assert fields["trajectories[0].events"] == "must be empty when feature_names is set"
    assert fields["trajectories[1].feature_values"].startswith(f"needs {len(names)} values")

    too_few = make_request(feature_names=FEATURE_NAMES[:3])
    too_few.trajectories[0].ClearField("events")
    too_few.trajectories[0].feature_values.extend([1.0, 2.0, 3.0])
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await server.stub.ScoreTrajectories(too_few, metadata=ACME_KEY)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(caught.value)["feature_names"].startswith("missing ")
