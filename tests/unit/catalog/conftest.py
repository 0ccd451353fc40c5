"""Catalog test fixtures: a seeded in-memory store and an HTTP client on the app built inline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from catalog_helpers import KEY, CountingStore

from services.catalog.app import create_app
from services.catalog.seed import seed_demo
from services.catalog.settings import CatalogSettings
from services.catalog.store import CatalogStore


@pytest.fixture
def settings(tmp_path: Path) -> CatalogSettings:
    return CatalogSettings(internal_secret=KEY.decode(), state_dir=tmp_path, mongo_url="memory://")


@pytest.fixture
async def store() -> AsyncIterator[CatalogStore]:
    store = CatalogStore.connect("memory://")
    await store.ensure_indexes()
    await seed_demo(store=store)
    yield store
    await store.close()


@pytest.fixture
def counting(store: CatalogStore) -> CountingStore:
    return CountingStore(store)


@pytest.fixture
async def client(
    settings: CatalogSettings, counting: CountingStore
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, store=counting)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://catalog") as client:
        yield client
