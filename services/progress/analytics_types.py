"""GraphQL views of the learning heatmap; withheld (suppressed) figures are null, never zero."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import strawberry

from services.progress import heatmap, roi
from services.progress.heatmap import GroupBy
from services.progress.types import Unit

strawberry.enum(GroupBy, name="HeatmapGroupBy", description="How heatmap columns group learners.")


@strawberry.type(description="Learners by how often they retook quizzes, and their checks.")
class RetakeBucket:
    label: str
    min_retakes: int
    max_retakes: int | None = strawberry.field(description="Null: no upper bound.")
    suppressed: bool = strawberry.field(description="Fewer learners than the minimum: no counts.")
    learners: int | None
    rated: int | None = strawberry.field(description="With an on-the-job check in the window.")
    passed: int | None
    pass_rate: float | None

    @classmethod
    def from_domain(cls, b: heatmap.RetakeBucket) -> RetakeBucket:
        s = b.stats
        return cls(
            label=b.label,
            min_retakes=b.min_retakes,
            max_retakes=b.max_retakes,
            suppressed=s is None,
            learners=s.learners if s else None,
            rated=s.rated if s else None,
            passed=s.passed if s else None,
            pass_rate=s.pass_rate if s else None,
        )


@strawberry.type(description="One unit for one group; every figure is null when suppressed.")
class HeatmapCell:
    group: str
    suppressed: bool
    learners: int | None = strawberry.field(description="Learners active on the unit.")
    completed: int | None
    completion_rate: float | None
    median_dwell_s: float | None
    expected_s: int | None = strawberry.field(description="The unit's expected length.")
    dwell_vs_expected: float | None = strawberry.field(description="Median dwell / expected.")
    replays: int | None
    replays_per_learner: float | None
    answers: int | None
    wrong_answers: int | None
    error_rate: float | None = strawberry.field(description="Wrong answers / answers.")
    retakes: int | None
    retakes_per_learner: float | None
    struggling: int | None = strawberry.field(
        description="Learners with more retakes here than the struggle threshold."
    )
    rated: int | None = strawberry.field(description="Learners with a check in the window.")
    performance_passed: int | None
    performance_pass_rate: float | None
    retake_buckets: list[RetakeBucket]

    @classmethod
    def from_domain(cls, c: heatmap.Cell) -> HeatmapCell:
        s = c.stats
        buckets = [RetakeBucket.from_domain(b) for b in c.retake_buckets]
        if s is None:
            return cls(group=c.group, suppressed=True, retake_buckets=buckets, **_NO_FIGURES)
        return cls(
            group=c.group,
            suppressed=False,
            learners=s.learners,
            completed=s.completed,
            completion_rate=s.completion_rate,
            median_dwell_s=s.median_dwell_s,
            expected_s=s.expected_s,
            dwell_vs_expected=s.dwell_vs_expected,
            replays=s.replays,
            replays_per_learner=s.replays_per_learner,
            answers=s.answers,
            wrong_answers=s.wrong_answers,
            error_rate=s.error_rate,
            retakes=s.retakes,
            retakes_per_learner=s.retakes_per_learner,
            struggling=s.struggling,
            rated=s.rated,
            performance_passed=s.passed,
            performance_pass_rate=s.pass_rate,
            retake_buckets=buckets,
        )


# Every figure of a cell, all null: what a suppressed cell shows.
_NO_FIGURES = {
    f.name: None
    for f in dataclasses.fields(HeatmapCell)
    if f.name not in ("group", "suppressed", "retake_buckets")
}


@strawberry.type(description="A unit's row: one cell per group, in the heatmap's group order.")
class HeatmapRow:
    unit: Unit
    unit_id: strawberry.ID
    expected_minutes: int | None
    cells: list[HeatmapCell]


@strawberry.type(description="A column of the heatmap.")
class HeatmapGroup:
    key: str = strawberry.field(description="Department, role or manager id.")
    suppressed: bool
    learners: int | None
    retake_buckets: list[RetakeBucket] = strawberry.field(
        description="The group's learners by their most retakes on any unit."
    )


@strawberry.type(description="Units by learner groups, joined with on-the-job checks.")
class Heatmap:
    group_by: GroupBy
    since: datetime | None
    until: datetime | None
    min_group_size: int = strawberry.field(description="Cells with fewer learners are withheld.")
    struggle_retakes: int
    pass_rating: float = strawberry.field(description="A check rated at least this passed.")
    groups: list[HeatmapGroup]
    rows: list[HeatmapRow]
    retake_buckets: list[RetakeBucket] = strawberry.field(
        description="Everyone in scope by their most retakes on any unit."
    )

    @classmethod
    def from_domain(
        cls, h: heatmap.Heatmap, window: roi.Window, policy: heatmap.AnalyticsPolicy
    ) -> Heatmap:
        return cls(
            group_by=h.group_by,
            since=window.since,
            until=window.until,
            min_group_size=h.min_learners,
            struggle_retakes=policy.struggle_retakes,
            pass_rating=policy.pass_rating,
            groups=[
                HeatmapGroup(
                    key=g.key,
                    suppressed=g.learners is None,
                    learners=g.learners,
                    retake_buckets=[RetakeBucket.from_domain(b) for b in g.retake_buckets],
                )
                for g in h.groups
            ],
            rows=[
                HeatmapRow(
                    unit=Unit(id=strawberry.ID(r.unit_id)),
                    unit_id=strawberry.ID(r.unit_id),
                    expected_minutes=r.expected_minutes,
                    cells=[HeatmapCell.from_domain(c) for c in r.cells],
                )
                for r in h.rows
            ],
            retake_buckets=[RetakeBucket.from_domain(b) for b in h.retake_buckets],
        )
