"""Subgraph SDL from the committed `schema.graphql` files, or live from `_service { sdl }`
(signed service principal, retried until every subgraph answers or the timeout names the silent).
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from gateway.composition import CompositionError
from gateway.risk import SDL as RISK_SDL
from gateway.settings import GatewaySettings
from learnpulse.auth import PRINCIPAL_HEADER, principal_for, sign_principal

ROOT = Path(__file__).resolve().parent.parent
SUBGRAPH_FILES = {
    "catalog": ROOT / "services" / "catalog" / "schema.graphql",
    "progress": ROOT / "services" / "progress" / "schema.graphql",
}
SERVICE_PRINCIPAL = principal_for("*", "gateway", ["data_scientist"])  # reads only the SDL


def file_sdls() -> dict[str, str]:
    """The committed subgraph SDLs plus the gateway's own risk source."""
    sdls = {name: path.read_text() for name, path in SUBGRAPH_FILES.items()}
    sdls["risk"] = RISK_SDL
    return sdls


def live_sdls(
    settings: GatewaySettings, *, client: httpx.Client | None = None, retry_s: float = 0.5
) -> dict[str, str]:
    """`_service { sdl }` from each running subgraph, plus the risk source's SDL."""
    urls = {"catalog": settings.catalog_url, "progress": settings.progress_url}
    key = settings.internal_key()
    http = client or httpx.Client(timeout=5.0)
    deadline = time.monotonic() + settings.live_sdl_timeout_s
    found: dict[str, str] = {}
    problems: dict[str, str] = {}
    try:
        while True:
            for name, url in urls.items():
                if name in found:
                    continue
                headers = {PRINCIPAL_HEADER: sign_principal(SERVICE_PRINCIPAL, key)}
                try:
                    resp = http.post(url, json={"query": "{ _service { sdl } }"}, headers=headers)
                    found[name] = resp.json()["data"]["_service"]["sdl"]
                except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                    problems[name] = f"{url}: {type(exc).__name__}: {exc}"
            if len(found) == len(urls) or time.monotonic() >= deadline:
                break
            time.sleep(retry_s)
    finally:
        if client is None:
            http.close()
    missing = [f"subgraph '{n}' ({problems.get(n, '?')})" for n in urls if n not in found]
    if missing:
        raise CompositionError(
            f"no SDL after {settings.live_sdl_timeout_s:g} s from " + "; ".join(missing)
        )
    return {**found, "risk": RISK_SDL}


def subgraph_sdls(settings: GatewaySettings | None = None) -> dict[str, str]:
    if settings is not None and settings.sdl_source == "live":
        return live_sdls(settings)
    return file_sdls()
