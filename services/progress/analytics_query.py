"""The `heatmap` and `roi` root fields, which the progress `Query` extends: HR admins see their
tenant, managers their reports only, anyone else gets FORBIDDEN.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.progress import analytics
from services.progress.analytics_store import AnalyticsStore
from services.progress.analytics_types import Heatmap
from services.progress.heatmap import GroupBy
from services.progress.roi import IndependenceBasis
from services.progress.roi_types import RoiAssumptionsInput, RoiReport
from services.progress.types import ProgressInfo

WINDOW = "`since` and `until` bound the window [since, until); either may be left out."


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(
        description="Units (rows) by groups of learners (columns): completion, dwell against "
        "the unit's expected length, replays, error rate and quiz retakes, joined with the "
        "learners' on-the-job checks from the HR feed. With `pathId`, the rows are the "
        f"path's units in order. {WINDOW}"
    )
    async def heatmap(
        self,
        info: ProgressInfo,
        group_by: GroupBy = GroupBy.DEPARTMENT,
        since: datetime | None = None,
        until: datetime | None = None,
        path_id: strawberry.ID | None = None,
    ) -> Heatmap:
        ctx = info.context
        found, window = await analytics.heatmap(
            store=AnalyticsStore.beside(ctx.store),
            lengths=ctx.catalog,
            principal=ctx.principal,
            group_by=group_by,
            since=since,
            until=until,
            path_id=path_id,
            policy=ctx.analytics.policy,
            now=ctx.clock.now(),
        )
        return Heatmap.from_domain(found, window, ctx.analytics.policy)

    @strawberry.field(
        description="ROI figures for the caller's scope and per learning path: completion, "
        "on-time milestones, time to complete, days to first independent work for new hires "
        f"and admin hours saved (the README gives every definition). {WINDOW}"
    )
    async def roi(
        self,
        info: ProgressInfo,
        since: datetime | None = None,
        until: datetime | None = None,
        path_id: strawberry.ID | None = None,
        assumptions: RoiAssumptionsInput | None = None,
        independence_basis: IndependenceBasis = IndependenceBasis.FIRST_PASSING_CHECK,
    ) -> RoiReport:
        ctx = info.context
        inputs = ctx.analytics.inputs_for(ctx.tenant)
        found = await analytics.roi(
            store=AnalyticsStore.beside(ctx.store),
            dues=ctx.catalog,
            principal=ctx.principal,
            since=since,
            until=until,
            path_id=path_id,
            inputs=assumptions.over(inputs) if assumptions else inputs,
            basis=independence_basis,
            policy=ctx.analytics.policy,
            now=ctx.clock.now(),
        )
        return RoiReport.from_domain(found)
