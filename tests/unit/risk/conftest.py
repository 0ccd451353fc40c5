"""Fixtures for the risk service's unit tests: a real grpc.aio server on a free loopback
port, backed by an in-memory registry (see risk_fakes.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from risk_fakes import FakeBackend, make_registry, make_settings

from learnpulse.risk.v1 import risk_pb2_grpc
from services.risk.registry import ModelRegistry
from services.risk.server import create_server
from services.risk.settings import RiskSettings


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
    tmp_path: Path, backend: FakeBackend, *, load: bool = True, **settings: object
) -> AsyncIterator[RunningServer]:
    """Start a server (and, with `load`, its registry); stop both whatever happens."""
    config = make_settings(tmp_path, **settings)
    registry = make_registry(backend, tmp_path / "models")
    server = create_server(config, registry=registry)
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


@pytest.fixture
def backend() -> FakeBackend:
    fake = FakeBackend()
    fake.publish("1")
    return fake


@pytest.fixture
async def server(tmp_path: Path, backend: FakeBackend) -> AsyncIterator[RunningServer]:
    """A started server whose registry has loaded version 1 of both models."""
    async with running_server(tmp_path, backend) as running:
        yield running


@pytest.fixture
async def empty_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    """A started server whose registry found no model, neither in MLflow nor on disk."""
    backend = FakeBackend()
    backend.down = True
    async with running_server(tmp_path, backend) as running:
        yield running
