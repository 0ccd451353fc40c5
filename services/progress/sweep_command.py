"""`learnpulse sweep`: one sweep of stalls, reminders and delivery as of a given time, against
the configured store (LEARNPULSE_MONGO_URL); prints the report as one JSON object.

With `memory://` there is no stored state to sweep: the command seeds the demo organisation
relative to `--as-of` into a fresh in-process store, sweeps it, and forgets it on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from typing import Any

from services.progress.catalog_client import HttpCatalog
from services.progress.clock import ManualClock, SystemClock, aware
from services.progress.notifier import Notifier
from services.progress.risk_client import GrpcRiskScorer
from services.progress.seed import seed_demo
from services.progress.settings import ProgressSettings
from services.progress.store import ProgressStore


def as_of(text: str | None) -> datetime:
    """The sweep's now: `text` (ISO 8601; naive means UTC), or the system clock's now."""
    if text is None:
        return SystemClock().now()
    try:
        return aware(datetime.fromisoformat(text))
    except ValueError as exc:
        raise ValueError(f"--as-of: not an ISO 8601 time: {text!r}") from exc


async def sweep(
    args: argparse.Namespace, settings: ProgressSettings, now: datetime
) -> dict[str, Any]:
    store = ProgressStore.connect(settings.mongo_url, concern=settings.mongo_write_concern)
    catalog = HttpCatalog(url=settings.catalog_url, key=settings.internal_key())
    notifier = Notifier(settings, catalog=catalog)  # without the catalog: path due dates
    scorer = None
    if not getattr(args, "no_risk", False):
        scorer = GrpcRiskScorer(
            settings.risk_target,
            key=settings.internal_key(),
            timeout_s=settings.risk_sweep_timeout_s,
        )
    try:
        await store.ensure_indexes()
        seeded = 0
        if settings.in_memory:
            seeded = await seed_demo(store=store, now=now)
        report = await notifier.sweep(
            store=store,
            clock=ManualClock(now),
            tenants=args.tenant,
            deliver=not args.no_deliver,
            scorer=scorer,
        )
        return report.to_json() | ({"seeded_demo_events": seeded} if settings.in_memory else {})
    finally:
        await notifier.aclose()
        if scorer is not None:
            await scorer.close()
        await store.close()


def main(args: argparse.Namespace) -> int:
    try:
        now = as_of(args.as_of)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    settings = ProgressSettings()
    print(json.dumps(asyncio.run(sweep(args, settings, now)), sort_keys=True))
    return 0
