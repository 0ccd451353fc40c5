"""What the progress app keeps for notifications: the policy defaults, the webhook HTTP client,
the risk lookup, and the background loop that delivers (and periodically sweeps) until
shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import httpx

from services.progress.clock import Clock
from services.progress.notify_settings import NotifySettings
from services.progress.outbox import DeliveryReport
from services.progress.risk_client import RiskScorer
from services.progress.risk_view import RiskLookup
from services.progress.snapshot import PathFacts
from services.progress.store import ProgressStore
from services.progress.sweep import SweepReport, deliver, run_sweep

log = logging.getLogger("learnpulse.progress.notify")


class Notifier:
    def __init__(
        self,
        settings: NotifySettings,
        *,
        client: httpx.AsyncClient | None = None,
        risk: RiskLookup | None = None,
        catalog: PathFacts | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.defaults = settings.policy_defaults()
        self.options = settings.delivery_options()
        self.risk = risk
        self._given = client
        self._made: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """The caller's client, or one of our own opened on first use (closed by `aclose`)."""
        if self._given is not None:
            return self._given
        if self._made is None:
            self._made = httpx.AsyncClient(timeout=self.settings.webhook_timeout_s)
        return self._made

    @property
    def test_clock(self) -> bool:
        return self.settings.test_clock

    async def sweep(
        self,
        *,
        store: ProgressStore,
        clock: Clock,
        tenants: list[str] | None = None,
        deliver: bool = True,
        scorer: RiskScorer | None = None,
    ) -> SweepReport:
        return await run_sweep(
            store=store,
            now=clock.now(),
            defaults=self.defaults,
            client=self.client if deliver else None,
            tenants=tenants,
            risk=self.risk,
            scorer=scorer,
            delivery=self.options,
            catalog=self.catalog,
        )

    async def deliver(self, *, store: ProgressStore, clock: Clock) -> DeliveryReport:
        return await deliver(
            store=store,
            now=clock.now(),
            defaults=self.defaults,
            client=self.client,
            delivery=self.options,
        )

    async def aclose(self) -> None:
        if self._made is not None:
            made, self._made = self._made, None
            await made.aclose()


@contextlib.asynccontextmanager
async def background(
    notifier: Notifier, *, store: Callable[[], ProgressStore | None], clock: Clock
) -> AsyncIterator[None]:
    """Deliver every `delivery_interval_s` and sweep every `sweep_interval_s` (0 = off) while
    the block runs; the task is cancelled and awaited on exit, so nothing outlives the app."""
    deliver_every = notifier.settings.delivery_interval_s
    sweep_every = notifier.settings.sweep_interval_s
    tick = min(t for t in (deliver_every, sweep_every, float("inf")) if t > 0)
    if tick == float("inf"):
        yield
        return
    loop = asyncio.get_running_loop()

    async def run() -> None:
        next_sweep = loop.time() + sweep_every if sweep_every > 0 else float("inf")
        while True:
            await asyncio.sleep(tick)
            current = store()
            if current is None:
                continue
            try:
                if loop.time() >= next_sweep:
                    next_sweep = loop.time() + sweep_every
                    report = await notifier.sweep(store=current, clock=clock)
                    log.info("sweep", extra={"report": report.to_json()})
                elif deliver_every > 0:
                    await notifier.deliver(store=current, clock=clock)
            except Exception:  # a failed round must not end the loop; the next one retries
                log.exception("notification round failed")

    task = asyncio.create_task(run(), name="learnpulse-notify")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
