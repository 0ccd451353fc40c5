"""GraphQL views of ROI figures; a section is null when too few learners stand behind it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.progress import analytics, roi
from services.progress.roi import IndependenceBasis
from services.progress.types import LearningPath

strawberry.enum(
    IndependenceBasis, description="What marks a new hire's first independent work (README)."
)


@strawberry.type(description="Enrollments started in the window and how many finished.")
class RoiCompletion:
    enrollments: int
    completed: int
    closed: int = strawberry.field(description="Closed unfinished: the learner left.")
    completion_rate: float
    median_days_to_complete: float | None


@strawberry.type(description="Milestones due in the window (up to now), and how many on time.")
class RoiMilestones:
    due: int
    on_time: int
    on_time_rate: float | None


@strawberry.type(description="Learners hired in the window and their first independent work.")
class RoiNewHires:
    new_hires: int
    independent: int = strawberry.field(description="Reached it by the window's end.")
    median_days_to_first_independent_work: float | None


@strawberry.type(description="Admin work the recorded items replace, at the inputs' minutes.")
class RoiAdminSavings:
    sign_ins: int = strawberry.field(description="Units completed (attendance lines).")
    quiz_results: int = strawberry.field(description="Quiz attempts recorded.")
    milestone_checks: int = strawberry.field(description="Milestones due in the window.")
    hours_saved: float


@strawberry.type(description="ROI figures; a null section is withheld (too few learners).")
class RoiFigures:
    learners: int = strawberry.field(description="Learners with an enrollment in scope.")
    completion: RoiCompletion | None
    milestones: RoiMilestones | None
    new_hires: RoiNewHires | None
    admin_savings: RoiAdminSavings | None

    @classmethod
    def from_domain(cls, f: roi.RoiFigures) -> RoiFigures:
        c, m, n, a = f.completion, f.milestones, f.new_hires, f.admin
        return cls(
            learners=f.learners,
            completion=RoiCompletion(
                enrollments=c.enrollments,
                completed=c.completed,
                closed=c.closed,
                completion_rate=c.completion_rate,
                median_days_to_complete=c.median_days_to_complete,
            )
            if c
            else None,
            milestones=RoiMilestones(due=m.due, on_time=m.on_time, on_time_rate=m.on_time_rate)
            if m
            else None,
            new_hires=RoiNewHires(
                new_hires=n.new_hires,
                independent=n.independent,
                median_days_to_first_independent_work=n.median_days_to_independent,
            )
            if n
            else None,
            admin_savings=RoiAdminSavings(
                sign_ins=a.sign_ins,
                quiz_results=a.quiz_results,
                milestone_checks=a.milestone_checks,
                hours_saved=a.hours_saved,
            )
            if a
            else None,
        )


@strawberry.type(description="ROI figures of one learning path.")
class PathRoi:
    path: LearningPath
    path_id: strawberry.ID
    figures: RoiFigures


@strawberry.type(description="The minutes of manual work each recorded item is taken to save.")
class RoiAssumptions:
    minutes_per_sign_in: float
    minutes_per_quiz_result: float
    minutes_per_milestone_check: float


@strawberry.input(description="Overrides of the tenant's ROI assumptions (minutes, 0..600).")
class RoiAssumptionsInput:
    minutes_per_sign_in: float | None = None
    minutes_per_quiz_result: float | None = None
    minutes_per_milestone_check: float | None = None

    def over(self, defaults: roi.RoiInputs) -> roi.RoiInputs:
        given = {k: v for k, v in vars(self).items() if v is not None}
        return roi.RoiInputs(**(vars(defaults) | given))


@strawberry.type(description="ROI for the caller's scope (the tenant, or a manager's reports).")
class RoiReport:
    since: datetime | None
    until: datetime | None
    independence_basis: IndependenceBasis
    min_group_size: int
    assumptions: RoiAssumptions
    overall: RoiFigures = strawberry.field(description="Everything in scope (or the one path).")
    paths: list[PathRoi]

    @classmethod
    def from_domain(cls, r: analytics.RoiReport) -> RoiReport:
        return cls(
            since=r.window.since,
            until=r.window.until,
            independence_basis=r.basis,
            min_group_size=r.min_learners,
            assumptions=RoiAssumptions(
                minutes_per_sign_in=r.inputs.minutes_per_sign_in,
                minutes_per_quiz_result=r.inputs.minutes_per_quiz_result,
                minutes_per_milestone_check=r.inputs.minutes_per_milestone_check,
            ),
            overall=RoiFigures.from_domain(r.overall),
            paths=[
                PathRoi(
                    path=LearningPath(id=strawberry.ID(p.path_id or "")),
                    path_id=strawberry.ID(p.path_id or ""),
                    figures=RoiFigures.from_domain(p),
                )
                for p in r.paths
            ],
        )
