"""Runs the catalog subgraph under uvicorn (`learnpulse catalog serve`)."""

from __future__ import annotations

import uvicorn

from learnpulse.logs import configure
from services.catalog.app import create_app
from services.catalog.settings import CatalogSettings


def run(host: str | None, port: int | None) -> None:
    settings = CatalogSettings()
    configure("catalog", settings.log_level)
    app = create_app(settings)
    # log_config=None keeps uvicorn's records flowing into our JSON handler.
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_config=None)
