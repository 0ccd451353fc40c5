"""Fixtures for the risk service's unit tests: a real grpc.aio server on a free loopback
port, backed by an in-memory registry (factories and fakes live in risk_fakes.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from risk_fakes import FakeBackend, RunningServer, running_server


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
