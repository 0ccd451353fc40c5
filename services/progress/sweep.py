"""One sweep as of a given time: for each tenant, stall episodes and reminders, then delivery
of everything due. `learnpulse sweep --as-of`, the app's background loop and the test-only
`advanceClock` mutation all run this; it never reads the wall clock.

    report = await run_sweep(store=store, now=clock.now(), defaults=policy, client=http)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import httpx

from services.progress.clock import ManualClock
from services.progress.outbox import DeliveryOptions, DeliveryReport, deliver_due, load_policy
from services.progress.policy import Policy
from services.progress.reminders import ReminderReport, remind_unfinished
from services.progress.risk_client import RiskScorer
from services.progress.risk_queries import risk_lookup
from services.progress.risk_sweep import sweep_risk
from services.progress.risk_view import RiskLookup
from services.progress.snapshot import PathFacts, load_snapshot
from services.progress.stalls import StallReport, detect_stalls
from services.progress.store import ProgressStore


@dataclass
class SweepReport:
    as_of: datetime
    tenants: list[str]
    stalls: StallReport = field(default_factory=StallReport)
    reminders: ReminderReport = field(default_factory=ReminderReport)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    extra: dict[str, Any] = field(default_factory=dict)  # other sweeps' figures, by name

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "tenants": self.tenants,
            "stalls": asdict(self.stalls),
            "reminders": asdict(self.reminders),
            "delivery": asdict(self.delivery),
        } | self.extra


async def run_sweep(
    *,
    store: ProgressStore,
    now: datetime,
    defaults: Policy,
    client: httpx.AsyncClient | None = None,
    tenants: list[str] | None = None,
    risk: RiskLookup | None = None,
    scorer: RiskScorer | None = None,
    delivery: DeliveryOptions | None = None,
    catalog: PathFacts | None = None,
) -> SweepReport:
    """Stalls and reminders for `tenants` (all with a roster when None) as of `now`, then
    delivery through their webhooks when `client` is given. `catalog` gives milestone due
    dates and unit lengths (without it: path due dates and finishers' median dwell)."""
    chosen = tenants if tenants is not None else await store.alerts.tenants()
    report = SweepReport(as_of=now, tenants=list(chosen))
    if scorer is not None:  # risk first, so the stall alerts below show fresh bands
        swept = await sweep_risk(
            store=store, scorer=scorer, now=now, tenants=chosen, catalog=catalog, defaults=defaults
        )
        report.extra["risk"] = swept.to_json()
    risk = risk or risk_lookup(store, ManualClock(now))  # the stored assessments
    policies: dict[str, Policy] = {}
    for tenant in chosen:
        policy = policies[tenant] = await load_policy(store=store, tenant=tenant, defaults=defaults)
        snapshot = await load_snapshot(store=store, tenant=tenant, catalog=catalog)
        stalls = await detect_stalls(
            store=store, snapshot=snapshot, policy=policy, now=now, risk=risk
        )
        reminders = await remind_unfinished(store=store, snapshot=snapshot, policy=policy, now=now)
        _add(report.stalls, stalls)
        _add(report.reminders, reminders)
    # Band-up alerts queued by the risk sweep above go out in this same delivery round.
    if client is not None:
        report.delivery = await deliver_due(
            store=store, policies=policies, client=client, now=now, options=delivery
        )
    return report


async def deliver(
    *,
    store: ProgressStore,
    now: datetime,
    defaults: Policy,
    client: httpx.AsyncClient,
    delivery: DeliveryOptions | None = None,
) -> DeliveryReport:
    """Delivery alone, for every tenant (what the background loop runs between sweeps)."""
    policies = {
        t: await load_policy(store=store, tenant=t, defaults=defaults)
        for t in await store.alerts.tenants()
    }
    return await deliver_due(
        store=store, policies=policies, client=client, now=now, options=delivery
    )


def _add(total: Any, part: Any) -> None:
    for name, value in vars(part).items():
        setattr(total, name, getattr(total, name) + value)
