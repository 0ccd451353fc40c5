"""The app's background risk sweeps: `sweep_risk` every interval as of the clock's now, started
and stopped with the app (`risk_refreshing`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from services.progress.clock import Clock
from services.progress.policy import Policy
from services.progress.risk_client import RiskScorer
from services.progress.risk_options import RiskSweepOptions
from services.progress.risk_settings import RiskSweepSettings
from services.progress.risk_sweep import sweep_risk
from services.progress.snapshot import PathFacts
from services.progress.store import ProgressStore

log = logging.getLogger("learnpulse.progress.risk")


class RiskRefresher:
    """Runs `sweep_risk` every `interval_s` (real seconds) as of the clock's now: new activity
    is scored within about one interval, the daily sweep runs on the first pass of a day."""

    def __init__(
        self,
        *,
        store: ProgressStore,
        scorer: RiskScorer,
        clock: Clock,
        interval_s: float,
        options: RiskSweepOptions | None = None,
        catalog: PathFacts | None = None,
        defaults: Policy | None = None,
    ) -> None:
        self.store, self.scorer, self.clock = store, scorer, clock
        self.interval_s, self.options = interval_s, options
        self.catalog, self.defaults = catalog, defaults
        self.passes = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="risk-refresher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await sweep_risk(
                    store=self.store,
                    scorer=self.scorer,
                    now=self.clock.now(),
                    options=self.options,
                    catalog=self.catalog,
                    defaults=self.defaults,
                )
            except Exception:  # a store hiccup must not end the loop; the next pass retries
                log.exception("risk sweep pass failed")
            self.passes += 1
            await asyncio.sleep(self.interval_s)


@contextlib.asynccontextmanager
async def risk_refreshing(
    scorer: RiskScorer | None,
    settings: RiskSweepSettings,
    *,
    store: ProgressStore,
    clock: Clock,
    catalog: PathFacts | None = None,
    defaults: Policy | None = None,
) -> AsyncIterator[RiskRefresher | None]:
    """The app's background risk sweeps, while the block runs: none without a scorer or with
    `risk_sweep_interval_s` 0. The scorer's channel is closed at the end. `catalog` and
    `defaults`: see `sweep_risk`."""
    if scorer is None or settings.risk_sweep_interval_s <= 0:
        yield None
        return
    refresher = RiskRefresher(
        store=store,
        scorer=scorer,
        clock=clock,
        interval_s=settings.risk_sweep_interval_s,
        options=settings.risk_sweep_options(),
        catalog=catalog,
        defaults=defaults,
    )
    refresher.start()
    try:
        yield refresher
    finally:
        await refresher.stop()
        close = getattr(scorer, "close", None)
        if close is not None:
            await close()
