"""Starlette pieces every HTTP service shares: health probes and the principal guard."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from learnpulse.auth import PRINCIPAL_HEADER, AuthError, Principal, verify_principal

ReadyCheck = Callable[[], Awaitable[dict[str, bool]]]


def health_routes(ready: ReadyCheck) -> list[Route]:
    """`/healthz`: the process is alive. `/readyz`: every dependency answers (503 otherwise)."""

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        checks = await ready()
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

    return [Route("/healthz", healthz), Route("/readyz", readyz)]


def graphql_error(message: str, code: str, status: int) -> JSONResponse:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
    )


class PrincipalGuard:
    """Refuses every request under `protected` that lacks a valid signed principal header.

    On success the principal is in `scope["state"]["principal"]` (`request.state.principal`).
    """

    def __init__(self, app: ASGIApp, *, key: bytes, protected: str = "/graphql") -> None:
        self.app, self.key, self.protected = app, key, protected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.protected):
            await self.app(scope, receive, send)
            return
        raw = dict(scope["headers"]).get(PRINCIPAL_HEADER.encode())
        try:
            principal = verify_principal(raw.decode() if raw else None, self.key)
        except AuthError as exc:
            await graphql_error(str(exc), exc.code, 401)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def principal_of(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal
