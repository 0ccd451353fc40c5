"""Entry point of `learnpulse risk serve`: read settings from the environment and serve."""

from __future__ import annotations

import asyncio
from typing import Any

from services.risk.server import serve
from services.risk.settings import RiskSettings


def run(host: str | None = None, port: int | None = None) -> None:
    """Serve until SIGTERM/SIGINT; `host`/`port` override LEARNPULSE_HOST/LEARNPULSE_RISK_PORT."""
    overrides: dict[str, Any] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["risk_port"] = port
    settings = RiskSettings(**overrides)
    asyncio.run(serve(settings))
