"""Helpers for testing a subgraph app in process: signed GraphQL calls, lifespan, call counts."""

from __future__ import annotations

import asyncio
import inspect
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.types import ASGIApp

from learnpulse.auth import PRINCIPAL_HEADER, Principal, sign_principal


async def post_as(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None,
    *,
    principal: Principal,
    key: bytes,
) -> dict[str, Any]:
    """POST a GraphQL query as `principal`, as the gateway forwards it; returns the JSON body."""
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={PRINCIPAL_HEADER: sign_principal(principal, key)},
    )
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    """The `extensions.code` of every error in a GraphQL response body."""
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


class CountingStore:
    """Wraps a real store and counts calls of its async methods (to prove batching)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not inspect.iscoroutinefunction(attr):
            return attr

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return await attr(*args, **kwargs)

        return counted


@asynccontextmanager
async def serving(app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's start-up and shut-down around the block, as uvicorn would."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task: asyncio.Task[None] = asyncio.create_task(
        app(scope, inbox.get, outbox.put)  # type: ignore[arg-type]
    )
    await inbox.put({"type": "lifespan.startup"})
    if (await outbox.get())["type"] != "lifespan.startup.complete":
        await task  # re-raises the start-up error
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task
