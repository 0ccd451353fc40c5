"""Entry points: `learnpulse gateway serve` and `learnpulse gateway compose`."""

from __future__ import annotations

import argparse
import sys

from gateway.composition import CompositionError
from gateway.settings import GatewaySettings
from learnpulse import logs


def run(host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    from gateway.app import create_app

    settings = GatewaySettings()
    logs.configure("gateway", settings.log_level)
    try:
        app = create_app(settings)
    except CompositionError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.gateway_port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )


def compose_command(_: argparse.Namespace) -> int:
    from gateway.app import build_supergraph

    try:
        print(build_supergraph(settings=GatewaySettings()).sdl)
    except CompositionError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
    return 0
