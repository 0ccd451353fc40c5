"""Risk sweeps: score learners through the risk service and keep every assessment as history.

One pass (`sweep_risk`) per tenant scores the learners whose new activity is waiting (marked on
ingest), and once per UTC day every active learner not yet scored that day. Each assessment is
stored; a band that moved up alerts the learner's manager through the outbox. When the risk
service fails, nothing is lost: marks stay, the daily sweep stays due, and the tenant backs off
(`backoff * 2**(failures-1)`, capped) before the next try. The alert itself is built in
`risk_alerts`; `risk_refresher` runs these passes in the background.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from services.progress import outbox
from services.progress.assessments import Assessment, SweepState, Trigger, band_moves
from services.progress.domain import Learner, Trajectory
from services.progress.milestone_context import MilestoneSource, reminders_on
from services.progress.policy import Policy
from services.progress.risk_alerts import alert_band_up
from services.progress.risk_client import RiskScorer, ScorerUnavailable
from services.progress.risk_options import RiskSweepOptions
from services.progress.snapshot import PathFacts
from services.progress.store import ProgressStore

log = logging.getLogger("learnpulse.progress.risk")


@dataclass
class TenantSweep:
    tenant: str
    scored: int = 0  # assessments stored
    activity: int = 0  # of which for new activity
    daily: bool = False  # whether this pass finished the day's sweep
    skipped: int = 0  # learners that cannot be scored (left, no hire date, not on the roster)
    milestones: int = 0  # of the scored, sent with their current milestone
    band_ups: int = 0
    alerts: int = 0  # new outbox notifications
    deferred: bool = False  # backing off: the risk service was not called
    failed: str | None = None  # the risk service's failure, when this pass hit one
    retry_at: datetime | None = None
    models: list[str] = field(default_factory=list)  # "name:version" that scored this pass


@dataclass
class RiskSweepReport:
    as_of: datetime
    tenants: list[TenantSweep] = field(default_factory=list)

    @property
    def scored(self) -> int:
        return sum(t.scored for t in self.tenants)

    def to_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "scored": self.scored,
            "tenants": [
                {
                    "tenant": t.tenant,
                    "scored": t.scored,
                    "activity": t.activity,
                    "daily": t.daily,
                    "skipped": t.skipped,
                    "milestones": t.milestones,
                    "band_ups": t.band_ups,
                    "alerts": t.alerts,
                    "deferred": t.deferred,
                    "failed": t.failed,
                    "retry_at": t.retry_at.isoformat() if t.retry_at else None,
                    "models": t.models,
                }
                for t in self.tenants
            ],
        }


async def sweep_risk(
    *,
    store: ProgressStore,
    scorer: RiskScorer,
    now: datetime,
    tenant: str | None = None,
    tenants: Sequence[str] | None = None,
    options: RiskSweepOptions | None = None,
    catalog: PathFacts | None = None,
    defaults: Policy | None = None,
) -> RiskSweepReport:
    """One pass for `tenant` (or the `tenants`), else for every tenant with a roster.

    Each learner is sent with their current milestone (services.progress.milestone_context):
    `catalog` gives milestone due dates (without it, or while it fails, only paths without
    milestones have one), `defaults` the notification policy that says whether reminders go
    out (without it, unknown)."""
    options = options or RiskSweepOptions()
    if tenants is None:
        tenants = [tenant] if tenant is not None else await store.assessments.tenants()
    report = RiskSweepReport(now)
    for t in tenants:
        reminders = None
        if defaults is not None:
            reminders = reminders_on(
                await outbox.load_policy(store=store, tenant=t, defaults=defaults)
            )
        source = MilestoneSource(store=store, tenant=t, catalog=catalog, reminders=reminders)
        report.tenants.append(await _sweep_tenant(store, scorer, now, t, options, source))
    return report


async def _sweep_tenant(
    store: ProgressStore,
    scorer: RiskScorer,
    now: datetime,
    tenant: str,
    options: RiskSweepOptions,
    milestones: MilestoneSource,
) -> TenantSweep:
    found = TenantSweep(tenant)
    risk = store.assessments
    state = await risk.sweep_state(tenant=tenant)
    if state.retry_at is not None and now < state.retry_at:
        found.deferred, found.retry_at = True, state.retry_at
        return found
    today = now.date().isoformat()
    daily_due = state.daily_for != today
    seen = await risk.pending(tenant=tenant, limit=options.pending_limit)
    unseen = [i for i, m in seen.items() if m.seen_at is None]
    if options.debounce and unseen:
        await risk.see_pending(tenant=tenant, learner_ids=unseen, now=now)
    # Marks are due once debounced; a daily pass scores everyone, so all of them then.
    marks = {
        i: m.marks
        for i, m in seen.items()
        if daily_due
        or not options.debounce
        or (m.seen_at is not None and now - m.seen_at >= options.debounce)
    }
    learners = await _learners(store, tenant, marks, daily=daily_due)
    unscorable = {
        i: n for i, n in marks.items() if i not in learners or not _active(learners[i], now)
    }
    await risk.clear_pending(tenant=tenant, marks=unscorable)  # they can never be scored
    found.skipped = len(unscorable) + sum(
        1 for i, w in learners.items() if i not in marks and not _active(w, now)
    )
    targets = [w for w in learners.values() if _active(w, now)]
    day_start = datetime.combine(now.date(), time(), now.tzinfo)
    try:
        for start in range(0, len(targets), options.batch_size):
            chunk = targets[start : start + options.batch_size]
            await _score_chunk(
                store, scorer, now, tenant, chunk, marks, day_start, options, found, milestones
            )
    except ScorerUnavailable as exc:
        failures = state.failures + 1
        delay = min(options.backoff * 2 ** (failures - 1), options.backoff_cap)
        found.failed, found.retry_at = str(exc), now + delay
        log.warning(
            "risk sweep failed; retrying later",
            extra={"tenant": tenant, "error": str(exc), "retry_at": found.retry_at.isoformat()},
        )
        await risk.put_sweep_state(
            tenant=tenant,
            state=SweepState(failures, found.retry_at, state.daily_for, str(exc)),
        )
        return found
    found.daily = daily_due
    await risk.put_sweep_state(
        tenant=tenant, state=SweepState(daily_for=today if daily_due else state.daily_for)
    )
    return found


async def _learners(
    store: ProgressStore, tenant: str, marks: dict[str, int], *, daily: bool
) -> dict[str, Learner]:
    """The learners this pass looks at: those with marks, and on a daily pass the roster."""
    if not daily:
        found = await store.learners_by_ids(tenant=tenant, ids=sorted(marks))
        return {i: found[i] for i in sorted(found)}
    return {w.id: w async for w in store.tenant_learners(tenant=tenant)}  # ordered by id


def _active(who: Learner, now: datetime) -> bool:
    """On the roster, hired (the risk service measures tenure from the hire date), not left."""
    today = now.date()
    hired = who.hire_date is not None and who.hire_date <= today
    return hired and (who.left_at is None or who.left_at > today)


async def _score_chunk(
    store: ProgressStore,
    scorer: RiskScorer,
    now: datetime,
    tenant: str,
    chunk: list[Learner],
    marks: dict[str, int],
    day_start: datetime,
    options: RiskSweepOptions,
    found: TenantSweep,
    milestones: MilestoneSource,
) -> None:
    risk = store.assessments
    ids = [w.id for w in chunk]
    previous = await risk.latest(tenant=tenant, learner_ids=ids, before=now)
    # A learner without new activity already scored today needs no daily score.
    due = [
        w
        for w in chunk
        if w.id in marks or previous.get(w.id) is None or previous[w.id].as_of < day_start
    ]
    if not due:
        return
    since = now - timedelta(days=options.window_days)
    events = await risk.events_of(
        tenant=tenant, learner_ids=[w.id for w in due], since=since, until=now
    )
    current = await milestones.current([w.id for w in due], now)
    trajectories = [
        Trajectory(tenant, w, tuple(events.get(w.id, ())), current.get(w.id)) for w in due
    ]
    scores = await scorer.score(tenant=tenant, trajectories=trajectories, as_of=now)
    assessments = [
        Assessment.of(
            s, as_of=now, trigger=Trigger.ACTIVITY if s.learner_id in marks else Trigger.DAILY
        )
        for s in scores
    ]
    stored = await risk.insert_new(tenant=tenant, assessments=assessments)
    scored_marks = {w.id: marks[w.id] for w in due if w.id in marks}
    await risk.clear_pending(tenant=tenant, marks=scored_marks, now=now)
    found.scored += len(stored)
    found.milestones += sum(1 for a in stored if a.learner_id in current)
    found.activity += sum(1 for a in stored if a.trigger is Trigger.ACTIVITY)
    for a in stored:
        for ref in (a.attrition.model, a.stall.model):
            name = f"{ref.name}:{ref.version}"
            if name not in found.models:
                found.models.append(name)
    by_id = {w.id: w for w in due}
    for a in stored:
        moves = band_moves(previous.get(a.learner_id), a)
        if moves:
            found.band_ups += 1
            found.alerts += await alert_band_up(store, tenant, by_id[a.learner_id], a, moves, now)
