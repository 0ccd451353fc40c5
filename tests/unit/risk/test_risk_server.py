"""The composed server: health follows the models, reflection lists the service, and every
call leaves one access-log line carrying its request id."""

from __future__ import annotations

import logging
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from risk_fakes import ACME_KEY, FakeBackend, RunningServer, make_request, running_server

SERVICE = "learnpulse.risk.v1.RiskService"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def health_of(channel: grpc.aio.Channel) -> dict[str, int]:
    stub = health_pb2_grpc.HealthStub(channel)
    return {
        name: (await stub.Check(health_pb2.HealthCheckRequest(service=name))).status
        for name in ("", SERVICE)
    }


async def test_health_is_serving_only_while_models_are_loaded(
    tmp_path: Path, backend: FakeBackend
) -> None:
    async with running_server(tmp_path, backend, load=False) as running:
        assert await health_of(running.channel) == {"": NOT_SERVING, SERVICE: NOT_SERVING}
        await running.registry.start()
        assert await health_of(running.channel) == {"": SERVING, SERVICE: SERVING}
        await running.registry.stop()  # what shutdown does before draining
        assert await health_of(running.channel) == {"": NOT_SERVING, SERVICE: NOT_SERVING}


async def test_health_is_not_serving_when_no_model_could_be_found(
    empty_server: RunningServer,
) -> None:
    assert await health_of(empty_server.channel) == {"": NOT_SERVING, SERVICE: NOT_SERVING}


async def test_reflection_lists_the_risk_service(server: RunningServer) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(server.channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    replies = [r async for r in stub.ServerReflectionInfo(iter([request]))]

    names = {s.name for s in replies[0].list_services_response.service}
    assert {SERVICE, "grpc.health.v1.Health"} <= names


async def test_each_call_logs_its_method_status_and_request_id(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="services.risk.access")
    await server.stub.ScoreTrajectories(
        make_request(), metadata=(*ACME_KEY, ("x-request-id", "req-7"))
    )
    with pytest.raises(grpc.aio.AioRpcError):
        await server.stub.ScoreTrajectories(make_request(), metadata=(("x-request-id", "req-8"),))

    calls = {r.__dict__["request_id"]: r.__dict__ for r in caplog.records if r.msg == "call"}
    assert calls["req-7"]["code"] == "OK"
    assert calls["req-7"]["method"] == f"/{SERVICE}/ScoreTrajectories"
    assert calls["req-7"]["duration_ms"] > 0
    assert calls["req-8"]["code"] == "UNAUTHENTICATED"
