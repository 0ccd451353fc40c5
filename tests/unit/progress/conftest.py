"""Progress test fixtures: a seeded in-memory store and an HTTP client on the app built inline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from progress_helpers import KEY, CountingStore

from services.progress.app import create_app
from services.progress.seed import seed_demo
from services.progress.settings import ProgressSettings
from services.progress.store import ProgressStore


@pytest.fixture
def settings(tmp_path: Path) -> ProgressSettings:
    return ProgressSettings(internal_secret=KEY.decode(), state_dir=tmp_path, mongo_url="memory://")


@pytest.fixture
async def store() -> AsyncIterator[ProgressStore]:
    store = ProgressStore.connect("memory://")
    await store.ensure_indexes()
    await seed_demo(store=store)
    yield store
    await store.close()


@pytest.fixture
def counting(store: ProgressStore) -> CountingStore:
    return CountingStore(store)


@pytest.fixture
async def client(
    settings: ProgressSettings, counting: CountingStore
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, store=counting)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://progress") as client:
        yield client
