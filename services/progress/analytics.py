"""Heatmap and ROI use cases: check the caller's scope and the window, gather what the pure
computations need from the analytics store (and the catalog's unit lengths), and compute.

HR admins see their tenant, managers their reports only, everyone else nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from learnpulse.auth import Principal
from services.progress.analytics_settings import AnalyticsSettings
from services.progress.analytics_store import AnalyticsStore
from services.progress.catalog_client import CatalogUnavailable
from services.progress.clock import aware
from services.progress.errors import Forbidden, InvalidArgument, NotFound
from services.progress.heatmap import AnalyticsPolicy, GroupBy, Heatmap, build_heatmap
from services.progress.performance import Check, checks_of, latest_check
from services.progress.roi import (
    IndependenceBasis,
    PathPlan,
    RoiData,
    RoiFigures,
    RoiInputs,
    Window,
    roi_figures,
)

MAX_WINDOW = timedelta(days=3660)


@dataclass(frozen=True)
class AnalyticsConfig:
    """The deployment's analytics rules and ROI assumptions (defaults, and per tenant)."""

    policy: AnalyticsPolicy = field(default_factory=AnalyticsPolicy)
    inputs: RoiInputs = field(default_factory=RoiInputs)
    tenant_inputs: Mapping[str, RoiInputs] = field(default_factory=dict)

    def inputs_for(self, tenant: str) -> RoiInputs:
        return self.tenant_inputs.get(tenant, self.inputs)

    @classmethod
    def from_settings(cls, settings: AnalyticsSettings) -> AnalyticsConfig:
        """From LEARNPULSE_ANALYTICS_* and LEARNPULSE_ROI_* (README, "Heatmaps and ROI")."""
        policy = AnalyticsPolicy(
            min_learners=settings.analytics_min_learners,
            pass_rating=settings.analytics_pass_rating,
            struggle_retakes=settings.analytics_struggle_retakes,
        )
        inputs = _settled(
            "LEARNPULSE_ROI_MINUTES_PER_*",
            minutes_per_sign_in=settings.roi_minutes_per_sign_in,
            minutes_per_quiz_result=settings.roi_minutes_per_quiz_result,
            minutes_per_milestone_check=settings.roi_minutes_per_milestone_check,
        )
        per_tenant = {}
        for tenant, overrides in settings.roi_tenant_inputs.items():
            where = f"LEARNPULSE_ROI_TENANT_INPUTS[{tenant!r}]"
            unknown = set(overrides) - set(vars(inputs))
            if unknown:
                raise ValueError(f"{where}: unknown {sorted(unknown)}")
            per_tenant[tenant] = _settled(where, **(vars(inputs) | overrides))
        return cls(policy, inputs, per_tenant)


def _settled(where: str, **minutes: float) -> RoiInputs:
    try:
        return RoiInputs(**minutes).checked()
    except InvalidArgument as exc:
        raise ValueError(f"{where}: {exc}") from None


@runtime_checkable
class UnitLengths(Protocol):
    """Where expected unit lengths come from (the catalog)."""

    async def expected_minutes(
        self, *, principal: Principal, unit_ids: list[str]
    ) -> dict[str, int | None]: ...


@runtime_checkable
class MilestoneDues(Protocol):
    """Where milestones' due days come from (the catalog's paths)."""

    async def milestone_due_days(
        self, *, principal: Principal, path_ids: list[str]
    ) -> dict[str, dict[str, int]]: ...


def analytics_scope(principal: Principal) -> frozenset[str] | None:
    """Learner ids the caller may aggregate over: None (the tenant) for an HR admin."""
    if principal.has("hr_admin"):
        return None
    if principal.has("manager"):
        return principal.reports
    raise Forbidden("only managers and HR admins may see heatmaps and ROI figures")


def check_window(since: datetime | None, until: datetime | None, now: datetime) -> Window:
    """A valid [since, until) window; naive times are taken as UTC."""
    since = aware(since) if since is not None else None
    until = aware(until) if until is not None else None
    if since is not None and since > now:
        raise InvalidArgument("since", "`since` must not be in the future")
    if since is not None and until is not None:
        if until <= since:
            raise InvalidArgument("until", "`until` must be after `since`")
        if until - since > MAX_WINDOW:
            raise InvalidArgument("until", f"the window may span at most {MAX_WINDOW.days} days")
    return Window(since, until, now)


async def heatmap(
    *,
    store: AnalyticsStore,
    lengths: object | None,
    principal: Principal,
    group_by: GroupBy,
    since: datetime | None,
    until: datetime | None,
    path_id: str | None,
    policy: AnalyticsPolicy,
    now: datetime,
) -> tuple[Heatmap, Window]:
    """The heatmap of the caller's scope, and the window it covers."""
    only = analytics_scope(principal)
    window = check_window(since, until, now)
    tenant = principal.tenant
    unit_order: tuple[str, ...] = ()
    if path_id is not None:
        plan = (await store.plans(tenant=tenant, path_ids=[path_id])).get(path_id)
        if plan is None:
            raise NotFound(f"no learning path {path_id!r} in tenant {tenant!r}")
        unit_order = plan.unit_ids
    people = await store.learners(tenant=tenant, only=only)
    facts = await store.unit_facts(
        tenant=tenant,
        only=only,
        since=window.since,
        until=window.until,
        unit_ids=unit_order if path_id is not None else None,
    )
    units = sorted({*unit_order, *(f.unit_id for f in facts)})
    found = build_heatmap(
        facts=facts,
        learners={i: who for i, (who, _) in people.items()},
        passed=_check_results(
            {i: checks_of(r) for i, (_, r) in people.items()}, window, policy.pass_rating
        ),
        expected_minutes=await unit_lengths(lengths, principal, units),
        by=group_by,
        policy=policy,
        unit_order=unit_order,
    )
    return found, window


def _check_results(
    checks: dict[str, tuple[Check, ...]], window: Window, pass_rating: float
) -> dict[str, bool]:
    """Each learner's latest check in the window: passed or not (learners without one: absent)."""
    out = {}
    for learner_id, mine in checks.items():
        latest = latest_check(mine, since=window.since, until=window.until)
        if latest is not None:
            out[learner_id] = latest.passed(pass_rating)
    return out


async def unit_lengths(
    lengths: object | None, principal: Principal, unit_ids: list[str]
) -> dict[str, int | None]:
    """Expected minutes per unit from the catalog; unknown (empty) when it cannot say."""
    if not unit_ids or not isinstance(lengths, UnitLengths):
        return {}
    try:
        return await lengths.expected_minutes(principal=principal, unit_ids=unit_ids)
    except CatalogUnavailable:
        return {}


async def with_milestone_dues(
    plans: dict[str, PathPlan], dues: object | None, principal: Principal, path_ids: list[str]
) -> dict[str, PathPlan]:
    """Plans with their milestones' due days from the catalog where the outline lacks them
    (milestones then fall back to the enrollment's due date when the catalog cannot say)."""
    if not path_ids or not isinstance(dues, MilestoneDues):
        return plans
    try:
        found = await dues.milestone_due_days(principal=principal, path_ids=path_ids)
    except CatalogUnavailable:
        return plans
    return {
        path_id: replace(
            plan, milestone_due_days={**found.get(path_id, {}), **plan.milestone_due_days}
        )
        for path_id, plan in plans.items()
    }


@dataclass(frozen=True)
class RoiReport:
    window: Window
    inputs: RoiInputs
    basis: IndependenceBasis
    min_learners: int
    overall: RoiFigures
    paths: tuple[RoiFigures, ...]


async def roi(
    *,
    store: AnalyticsStore,
    dues: object | None,
    principal: Principal,
    since: datetime | None,
    until: datetime | None,
    path_id: str | None,
    inputs: RoiInputs,
    basis: IndependenceBasis,
    policy: AnalyticsPolicy,
    now: datetime,
) -> RoiReport:
    """Figures for the caller's whole scope and for each path in it (or only `path_id`)."""
    only = analytics_scope(principal)
    window = check_window(since, until, now)
    inputs = inputs.checked()
    tenant = principal.tenant
    enrollments = await store.enrollments(tenant=tenant, only=only, path_id=path_id)
    path_ids = sorted({e.path_id for e in enrollments} | ({path_id} if path_id else set()))
    plans = await with_milestone_dues(
        await store.plans(tenant=tenant, path_ids=path_ids), dues, principal, path_ids
    )
    if path_id is not None and path_id not in plans and not enrollments:
        raise NotFound(f"no learning path {path_id!r} in tenant {tenant!r}")
    people = await store.learners(tenant=tenant, only=only)
    activity = await store.activity(
        tenant=tenant, only=only, since=window.since, until=window.until
    )
    if path_id is not None:  # the tenant figures then cover that path only
        courses = plans[path_id].course_ids if path_id in plans else frozenset()
        activity = {k: a for k, a in activity.items() if k[1] in courses}
    data = RoiData(
        enrollments=tuple(enrollments),
        learners={i: who for i, (who, _) in people.items()},
        checks={i: checks_of(r) for i, (_, r) in people.items()},
        activity=activity,
        plans=plans,
    )

    def figures(of: str | None) -> RoiFigures:
        return roi_figures(
            data,
            path_id=of,
            window=window,
            inputs=inputs,
            basis=basis,
            pass_rating=policy.pass_rating,
            min_learners=policy.min_learners,
        )

    paths = tuple(figures(p) for p in path_ids)
    return RoiReport(window, inputs, basis, policy.min_learners, figures(None), paths)
