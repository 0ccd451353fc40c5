"""Progress composition root: `create_app` wires settings, store, schema and HTTP routes."""

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
from services.progress.analytics import AnalyticsConfig
from services.progress.catalog_client import Catalog, HttpCatalog
from services.progress.clock import Clock, ManualClock, SystemClock
from services.progress.context import Context
from services.progress.http_routes import http_routes
from services.progress.notifier import Notifier, background
from services.progress.risk_client import RiskScorer
from services.progress.risk_refresher import risk_refreshing
from services.progress.schema import schema
from services.progress.seed import seed_demo
from services.progress.settings import ProgressSettings
from services.progress.snapshot import path_facts
from services.progress.store import ProgressStore
from services.progress.xapi_routes import xapi_routes

log = logging.getLogger("learnpulse.progress")


class ProgressGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app with the caller and store of each request in its context."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert isinstance(request, Request)  # /graphql is an HTTP-only route
        state = request.app.state
        return Context(
            principal=principal_of(request),
            store=state.store,
            catalog=state.catalog,
            clock=state.clock,
            analytics=state.analytics,
            notifier=state.notifier,
        )


def create_app(
    settings: ProgressSettings,
    *,
    store: ProgressStore | None = None,
    catalog: Catalog | None = None,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    scorer: RiskScorer | None = None,
) -> ASGIApp:
    """The progress ASGI app; with `store` given, the caller owns it (tests, embedding).

    `catalog` answers which paths a new hire gets (the catalog subgraph over HTTP by default).
    `clock` is what stalls, reminders and sweeps take as now (the system clock by default;
    a manual one when LEARNPULSE_TEST_CLOCK is on). `notifier` delivers webhooks (tests pass
    one with their own HTTP client); the lifespan runs its background loop. `scorer` (the risk
    service; `main` passes the gRPC one) turns on background risk sweeps (none without it).
    """

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = app.state.store is None
        if owned:
            app.state.store = ProgressStore.connect(
                settings.mongo_url, concern=settings.mongo_write_concern
            )
        try:
            await app.state.store.ensure_indexes()
            if settings.seed_demo and settings.in_memory:
                count = await seed_demo(store=app.state.store)
                log.info("seeded the demo organisation", extra={"new_events": count})
            async with (
                background(
                    app.state.notifier, store=lambda: app.state.store, clock=app.state.clock
                ),
                risk_refreshing(
                    scorer,
                    settings,
                    store=app.state.store,
                    clock=app.state.clock,
                    catalog=path_facts(app.state.catalog),
                    defaults=app.state.notifier.defaults,
                ) as refresher,
            ):
                app.state.risk_refresher = refresher
                yield
        finally:
            await app.state.notifier.aclose()
            if owned:
                await app.state.store.close()
                app.state.store = None

    async def ready() -> dict[str, bool]:
        current: ProgressStore | None = app.state.store
        return {"mongo": current is not None and await current.ping()}

    # A plain Route only matches HTTP, so no websocket can reach the schema around the guard.
    graphql = ProgressGraphQL(schema, graphql_ide=None)
    routes = [*health_routes(ready), Route("/graphql", graphql), *xapi_routes(), *http_routes()]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.store = store
    app.state.catalog = catalog or HttpCatalog(
        url=settings.catalog_url, key=settings.internal_key()
    )
    app.state.clock = clock or (ManualClock() if settings.test_clock else SystemClock())
    app.state.notifier = notifier or Notifier(settings, catalog=path_facts(app.state.catalog))
    app.state.analytics = AnalyticsConfig.from_settings(settings)
    app.state.verifier = settings.token_verifier()
    return PrincipalGuard(app, key=settings.internal_key())
