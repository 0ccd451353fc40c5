"""Catalog composition root: `create_app` wires settings, store, schema and HTTP routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from learnpulse.web import PrincipalGuard, health_routes, principal_of
from services.catalog.context import Context
from services.catalog.schema import schema
from services.catalog.seed import seed_demo
from services.catalog.settings import CatalogSettings
from services.catalog.store import CatalogStore

log = logging.getLogger("learnpulse.catalog")


class CatalogGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app with the caller and store of each request in its context."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert isinstance(request, Request)  # /graphql is an HTTP-only route
        return Context(principal=principal_of(request), store=request.app.state.store)


def create_app(settings: CatalogSettings, *, store: CatalogStore | None = None) -> ASGIApp:
    """The catalog ASGI app; with `store` given, the caller owns it (tests, embedding)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = app.state.store is None
        if owned:
            app.state.store = CatalogStore.connect(settings.mongo_url)
        try:
            await app.state.store.ensure_indexes()
            if settings.seed_demo and settings.in_memory:
                count = await seed_demo(store=app.state.store)
                log.info("seeded the demo organisation", extra={"courses": count})
            yield
        finally:
            if owned:
                await app.state.store.close()
                app.state.store = None

    async def ready() -> dict[str, bool]:
        current: CatalogStore | None = app.state.store
        return {"mongo": current is not None and await current.ping()}

    # A plain Route only matches HTTP, so no websocket can reach the schema around the guard.
    graphql = CatalogGraphQL(schema, graphql_ide=None)
    app = Starlette(routes=[*health_routes(ready), Route("/graphql", graphql)], lifespan=lifespan)
    app.state.store = store
    return PrincipalGuard(app, key=settings.internal_key())
