"""A partner's webhook endpoint for tests: a small Starlette app that verifies our signature,
shows each notification once by its idempotency key, and can be served by a real uvicorn on a
loopback port, stopped (target down) and started again.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.progress import webhooks


@dataclass
class Receiver:
    secret: str
    now: Callable[[], datetime]
    shown: dict[str, dict[str, Any]] = field(default_factory=dict)  # by idempotency key
    requests: list[str] = field(default_factory=list)  # every key received, repeats included
    rejected: int = 0
    lose_answer_once: set[str] = field(default_factory=set)  # keys whose first 2xx is "lost"
    refuse: bool = False  # answer 422: the receiver rejects the notification for good

    async def hook(self, request: Request) -> JSONResponse:
        body = await request.body()
        ok = webhooks.verify(
            secret=self.secret,
            timestamp=request.headers.get(webhooks.TIMESTAMP_HEADER, ""),
            signature_header=request.headers.get(webhooks.SIGNATURE_HEADER, ""),
            body=body,
            now=self.now(),
        )
        if not ok:
            self.rejected += 1
            return JSONResponse({"error": "bad signature"}, status_code=401)
        if self.refuse:
            return JSONResponse({"error": "unknown recipient"}, status_code=422)
        key = request.headers[webhooks.IDEMPOTENCY_HEADER]
        self.requests.append(key)
        self.shown.setdefault(key, json.loads(body))  # a repeat is acknowledged, not shown
        if key in self.lose_answer_once:
            self.lose_answer_once.discard(key)
            return JSONResponse({"error": "gateway timeout"}, status_code=504)
        return JSONResponse({"ok": True})

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """The receiver on a real loopback port, in this event loop; `stop` takes the target down."""

    def __init__(self, app: Starlette, port: int) -> None:
        self.app, self.port = app, port
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                await self._task  # re-raises why it could not start
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None
