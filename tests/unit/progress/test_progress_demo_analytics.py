"""The demo organisation is big enough for heatmaps and ROI: the Inbound manager's README token
sees figures, the four-report Fulfilment team stays below k, and HR sees the retake pattern."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from learnpulse.auth import Principal, principal_for
from learnpulse.demo import DEMO_TENANT, demo_people
from services.progress import analytics
from services.progress.analytics_store import AnalyticsStore
from services.progress.heatmap import AnalyticsPolicy, GroupBy, Heatmap
from services.progress.roi import IndependenceBasis, RoiInputs
from services.progress.seed import seed_demo
from services.progress.store import ProgressStore

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
POLICY = AnalyticsPolicy()  # k = 5
REPORTS = {p.id: p.reports for p in demo_people() if p.tenant == DEMO_TENANT and p.reports}


async def demo() -> AnalyticsStore:
    store = ProgressStore.connect("memory://")
    await store.ensure_indexes()
    await seed_demo(store=store, now=NOW)
    return AnalyticsStore.beside(store)


def manager(sub: str) -> Principal:
    return principal_for(DEMO_TENANT, sub, ["manager"], list(REPORTS[sub]))


async def heatmap(reads: AnalyticsStore, who: Principal, by: GroupBy) -> Heatmap:
    found, _ = await analytics.heatmap(
        store=reads,
        lengths=None,
        principal=who,
        group_by=by,
        since=None,
        until=None,
        path_id="p-onboarding",
        policy=POLICY,
        now=NOW,
    )
    return found


def test_every_manager_but_fulfilments_has_a_team_of_at_least_k() -> None:
    assert {m: len(r) for m, r in REPORTS.items()} == {"mgr-1": 4, "mgr-2": 8, "mgr-3": 6}


async def test_the_inbound_manager_sees_every_onboarding_unit_and_fulfilment_sees_none() -> None:
    reads = await demo()

    inbound = await heatmap(reads, manager("mgr-2"), GroupBy.TEAM)
    fulfilment = await heatmap(reads, manager("mgr-1"), GroupBy.TEAM)

    cells = [c for row in inbound.rows for c in row.cells]
    assert len(cells) == 7 and all(c.stats is not None for c in cells)
    check = next(r for r in inbound.rows if r.unit_id == "u-safety-4").cells[0].stats
    assert check is not None and check.wrong_answers > 0 and check.struggling >= 2
    assert check.rated == check.learners == 8  # every report has an HR rating
    assert all(c.stats is None for row in fulfilment.rows for c in row.cells)


async def test_hr_sees_fewer_passes_after_more_than_three_retakes() -> None:
    reads = await demo()

    found = await heatmap(reads, principal_for(DEMO_TENANT, "hr-1", ["hr_admin"]), GroupBy.ROLE)

    buckets = {b.label: b.stats for b in found.retake_buckets}
    most, none = buckets["more than 3 retakes"], buckets["no retakes"]
    assert most is not None and none is not None
    assert most.passed / most.rated < none.passed / none.rated


async def test_the_inbound_managers_roi_has_every_section() -> None:
    reads = await demo()

    figures = await analytics.roi(
        store=reads,
        dues=None,
        principal=manager("mgr-2"),
        since=NOW - timedelta(days=60),
        until=None,
        path_id=None,
        inputs=RoiInputs(),
        basis=IndependenceBasis.FIRST_PASSING_CHECK,
        policy=POLICY,
        now=NOW,
    )

    overall = figures.overall
    assert overall.completion and overall.milestones and overall.new_hires and overall.admin
    assert overall.new_hires.independent >= POLICY.min_learners
