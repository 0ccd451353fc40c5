"""Runs the progress subgraph under uvicorn (`learnpulse progress serve`)."""

from __future__ import annotations

import gc

import uvicorn

from learnpulse.logs import configure
from services.progress.app import create_app
from services.progress.risk_client import GrpcRiskScorer
from services.progress.settings import ProgressSettings

# CPython's default (700, 10, 10) ran ~8 collections per batch of 100 statements, and its full
# collections walked every document of the memory:// store again: ~10 % of ingest at 5,000
# statements and growing with the store. Young collections every 50,000 new containers, full
# ones rarely; what exists at start-up (modules, the app) is frozen out of them.
GC_THRESHOLDS = (50_000, 20, 100)


def run(host: str | None, port: int | None) -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    settings = ProgressSettings()
    configure("progress", settings.log_level)
    scorer = GrpcRiskScorer(
        settings.risk_target, key=settings.internal_key(), timeout_s=settings.risk_sweep_timeout_s
    )
    app = create_app(settings, scorer=scorer)
    gc.freeze()
    # log_config=None keeps uvicorn's records flowing into our JSON handler.
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_config=None)
