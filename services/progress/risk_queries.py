"""Reading stored risk: a learner's latest assessment (with whether it is stale) and their
history, for the learner's managers and HR admins only; and `risk_lookup`, what the sweep's
stall alerts show of a learner's latest assessment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from learnpulse.auth import Principal
from learnpulse.paging import check_first, decode_cursor
from services.progress.access import check_can_view_risk
from services.progress.assessments import AssessmentPage, LatestRisk, as_of_of, is_stale
from services.progress.clock import Clock
from services.progress.risk_view import RiskFactor, RiskLookup, RiskView
from services.progress.store import ProgressStore

LoadLatest = Callable[[str], Awaitable[LatestRisk | None]]  # e.g. a DataLoader's `load`


def latest_loader(
    store: ProgressStore, tenant: str, clock: Clock
) -> Callable[[list[str]], Awaitable[list[LatestRisk | None]]]:
    """The batch function of a per-request DataLoader: newest assessments and pending marks,
    two queries for any number of learners."""

    async def load(ids: list[str]) -> list[LatestRisk | None]:
        found = await store.assessments.latest(tenant=tenant, learner_ids=ids)
        pending = await store.assessments.pending_among(tenant=tenant, learner_ids=list(found))
        now = clock.now()
        return [
            LatestRisk(a, is_stale(a, pending=i in pending, now=now))
            if (a := found.get(i))
            else None
            for i in ids
        ]

    return load


async def latest_risk(
    *, principal: Principal, learner_id: str, load: LoadLatest
) -> LatestRisk | None:
    check_can_view_risk(principal, learner_id)
    return await load(learner_id)


async def risk_history(
    *, store: ProgressStore, principal: Principal, learner_id: str, first: int, after: str | None
) -> AssessmentPage:
    """A learner's stored assessments, newest first; `after` is an edge's cursor."""
    check_can_view_risk(principal, learner_id)
    before: datetime | None = None
    cursor = decode_cursor(after)
    if cursor is not None:
        before = as_of_of(cursor)
    return await store.assessments.page(
        tenant=principal.tenant, learner_id=learner_id, first=check_first(first), before=before
    )


def risk_lookup(store: ProgressStore, clock: Clock) -> RiskLookup:
    """What stall alerts show of a learner's risk (`run_sweep(risk=...)`), from the store."""

    async def lookup(tenant: str, learner_id: str) -> RiskView | None:
        (latest,) = await latest_loader(store, tenant, clock)([learner_id])
        if latest is None:
            return None
        a = latest.assessment
        factors = sorted(
            (*a.attrition.factors, *a.stall.factors), key=lambda f: -abs(f.contribution)
        )
        seen: dict[str, RiskFactor] = {}
        for f in factors:
            seen.setdefault(f.label, RiskFactor(f.label, f.direction.value))
        return RiskView(
            attrition_band=a.attrition.band.value,
            stall_band=a.stall.band.value,
            factors=tuple(seen.values())[:5],
            model_version=f"{a.attrition.model.version}/{a.stall.model.version}",
            stale=latest.stale,
        )

    return lookup
