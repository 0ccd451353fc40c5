"""Runs the progress subgraph under uvicorn (`learnpulse progress serve`)."""

from __future__ import annotations

import uvicorn

from learnpulse.logs import configure
from services.progress.app import create_app
from services.progress.risk_client import GrpcRiskScorer
from services.progress.settings import ProgressSettings


def run(host: str | None, port: int | None) -> None:
    settings = ProgressSettings()
    configure("progress", settings.log_level)
    scorer = GrpcRiskScorer(
        settings.risk_target, key=settings.internal_key(), timeout_s=settings.risk_sweep_timeout_s
    )
    app = create_app(settings, scorer=scorer)
    # log_config=None keeps uvicorn's records flowing into our JSON handler.
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_config=None)
