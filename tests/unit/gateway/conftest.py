"""Fixtures: a gateway app over the inline subgraphs, reached in-process through httpx."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gateway_harness import Harness

from gateway.app import create_app


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Gateway settings a test module wants changed (override this fixture)."""
    return {}


@pytest.fixture
async def harness(
    tmp_path: Path, settings_overrides: dict[str, Any]
) -> AsyncIterator[tuple[Harness, httpx.AsyncClient]]:
    h = Harness(tmp_path, **settings_overrides)
    upstream = httpx.AsyncClient(mounts=h.mounts)
    app = create_app(
        h.settings, supergraph=h.supergraph, http=upstream, local_sources={"risk": h.risk}
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield h, client
    await upstream.aclose()
