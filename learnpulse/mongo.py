"""The one place that opens MongoDB clients.

`mongodb://` and `mongodb+srv://` URLs go to PyMongo's `AsyncMongoClient` unchanged.
`memory://` selects an in-process fake with the same async API (nothing is persisted, see
`learnpulse.memory_mongo`), and says so loudly: it exists for development and tests on
machines without MongoDB.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("learnpulse.mongo")

MEMORY_WARNING = (
    "LEARNPULSE_MONGO_URL=memory:// - using the in-process MongoDB fake; "
    "NOTHING IS PERSISTED. Set LEARNPULSE_MONGO_URL=mongodb://... for a real database."
)


def connect(url: str) -> Any:
    """Return an async Mongo client for `url` (an `AsyncMongoClient` or the memory fake)."""
    if url.startswith("memory://"):
        from learnpulse.memory_mongo import memory_client

        log.warning(MEMORY_WARNING)
        return memory_client()
    if url.startswith(("mongodb://", "mongodb+srv://")):
        from pymongo import AsyncMongoClient

        return AsyncMongoClient(url, tz_aware=True)
    raise ValueError(
        f"LEARNPULSE_MONGO_URL must start with mongodb://, mongodb+srv:// or memory://, got {url!r}"
    )


async def close(client: Any) -> None:
    """Close a client from `connect`; the fake's close is not awaitable."""
    result = client.close()
    if hasattr(result, "__await__"):
        await result


async def ping(client: Any) -> bool:
    """True when the server answers; used by /readyz."""
    try:
        await client.admin.command("ping")
    except Exception:  # any driver failure means "not ready"
        return False
    return True
