"""The gateway's ASGI app: `create_app(settings)` is the one composition root.

POST /graphql verifies the caller's JWT, signs the principal for the subgraphs and runs the
operation; GET /graphql serves GraphiQL in dev; /healthz and /readyz report liveness and
whether the subgraphs and the risk service answer.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpcore
import httpx
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from gateway.composition import Supergraph, compose
from gateway.execution import Executor, RequestError
from gateway.fetching import LocalSource, Subgraph, Upstream
from gateway.plans import PersistedQueries
from gateway.risk import RiskSource
from gateway.sdl import subgraph_sdls
from gateway.settings import GatewaySettings
from learnpulse.auth import PRINCIPAL_HEADER, AuthError, sign_principal
from learnpulse.web import graphql_error, health_routes

log = logging.getLogger("learnpulse.gateway")


def build_supergraph(
    sdls: dict[str, str] | None = None, settings: GatewaySettings | None = None
) -> Supergraph:
    """Compose the given SDLs, or those `settings.sdl_source` names (the files by default)."""
    return compose(sdls if sdls is not None else subgraph_sdls(settings))


def create_app(
    settings: GatewaySettings,
    *,
    supergraph: Supergraph | None = None,
    http: httpx.AsyncClient | None = None,
    local_sources: dict[str, LocalSource] | None = None,
) -> Starlette:
    supergraph = supergraph or build_supergraph(settings=settings)
    subgraphs = {
        "catalog": Subgraph("catalog", settings.catalog_url, settings.subgraph_timeout_s),
        "progress": Subgraph("progress", settings.progress_url, settings.subgraph_timeout_s),
    }
    key = settings.internal_key()
    verifier = settings.token_verifier()
    state: dict[str, Any] = {}
    persisted = PersistedQueries(settings.apq_cache_size)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        client = http or httpx.AsyncClient(limits=httpx.Limits(max_connections=200))
        upstream: Upstream = http or httpcore.AsyncConnectionPool(
            max_connections=200, max_keepalive_connections=200, keepalive_expiry=30.0
        )
        sources: dict[str, LocalSource] = (
            local_sources
            if local_sources is not None
            else {
                "risk": RiskSource(settings.risk_target, key=key, timeout_s=settings.risk_timeout_s)
            }
        )
        state["http"] = client
        state["executor"] = Executor(
            supergraph,
            subgraphs,
            sources,
            upstream,
            max_depth=settings.max_depth,
            max_aliases=settings.max_aliases,
            max_cost=settings.max_cost,
            introspection=settings.introspection_enabled,
            plan_cache_size=settings.plan_cache_size,
            share_inflight=settings.share_inflight,
        )
        app.state.executor = state["executor"]
        log.info(
            "gateway ready",
            extra={
                "subgraphs": {k: v.url for k, v in subgraphs.items()},
                "risk": settings.risk_target,
            },
        )
        try:
            yield
        finally:
            for src in sources.values():
                close = getattr(src, "close", None)
                if close is not None:
                    await close()
            if http is None:
                await client.aclose()
                assert isinstance(upstream, httpcore.AsyncConnectionPool)
                await upstream.aclose()

    async def graphql_post(request: Request) -> Response:
        try:
            principal = verifier.verify(request.headers.get("authorization"))
        except AuthError as exc:
            return graphql_error(str(exc), exc.code, 401)
        try:
            body = await request.json()
        except ValueError:
            return graphql_error("request body must be JSON", "BAD_REQUEST", 400)
        if not isinstance(body, dict):
            return graphql_error("request body must be a JSON object", "BAD_REQUEST", 400)
        query = persisted.resolve(body.get("query"), body.get("extensions"))
        if isinstance(query, GraphQLError):
            return _respond(request, {"errors": [_format_error(query)]}, 200)
        if not isinstance(query, str) or not query.strip():
            return graphql_error("'query' must be a non-empty string", "BAD_REQUEST", 400)
        variables = body.get("variables") or {}
        if not isinstance(variables, dict):
            return graphql_error("'variables' must be an object", "BAD_REQUEST", 400)
        op_name = body.get("operationName") or None
        headers = {PRINCIPAL_HEADER: sign_principal(principal, key)}
        try:
            result = await state["executor"].run(
                query, variables, op_name, headers=headers, principal=principal
            )
        except RequestError as exc:
            # GraphQL over HTTP: a request error has no `data`; 400 for clients that accept
            # application/graphql-response+json, 200 for legacy application/json clients.
            status = 400 if exc.bad_request or _wants_graphql_response(request) else 200
            return _respond(request, {"errors": [_format_error(e) for e in exc.errors]}, status)
        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = [_format_error(e) for e in result.errors]
        payload["data"] = result.data
        return _respond(request, payload, 200)

    async def graphql_get(request: Request) -> Response:
        if not settings.graphiql_enabled:
            return graphql_error("GraphiQL is disabled in this environment", "NOT_FOUND", 404)
        from strawberry.http.ides import get_graphql_ide_html

        return HTMLResponse(get_graphql_ide_html(graphql_ide="graphiql"))

    async def ready() -> dict[str, bool]:
        checks = {}
        for name, sg in subgraphs.items():
            try:
                resp = await state["http"].get(sg.url.rsplit("/", 1)[0] + "/healthz", timeout=1.0)
                checks[name] = resp.status_code == 200
            except httpx.HTTPError:
                checks[name] = False
        return checks

    routes = [
        Route("/graphql", graphql_post, methods=["POST"]),
        Route("/graphql", graphql_get, methods=["GET"]),
        *health_routes(ready),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.supergraph = supergraph
    return app


def _format_error(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    ext = dict(error.extensions or {})
    if (
        error.original_error is not None
        and not ext
        and not isinstance(error.original_error, GraphQLError)
    ):
        log.error("resolver failed", exc_info=error.original_error)
        formatted["message"] = "internal error"
        ext = {"code": "INTERNAL_SERVER_ERROR"}
    ext.setdefault("code", "INTERNAL_SERVER_ERROR")
    formatted["extensions"] = ext
    return formatted


GRAPHQL_RESPONSE = "application/graphql-response+json"


def _wants_graphql_response(request: Request) -> bool:
    return GRAPHQL_RESPONSE in request.headers.get("accept", "")


def _respond(request: Request, payload: dict[str, Any], status: int) -> Response:
    media = GRAPHQL_RESPONSE if _wants_graphql_response(request) else "application/json"
    return JSONResponse(payload, status_code=status, media_type=media)
