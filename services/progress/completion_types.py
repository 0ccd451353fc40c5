"""`Course` and `Unit` in the progress subgraph: the catalog's entities (same key), extended
with completion statistics over the learners the caller may count."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.progress import completion
from services.progress.context import Context

# Registers the domain's enum as a GraphQL enum; the domain module stays framework-free.
strawberry.enum(
    completion.StatsScope,
    description="Whose figures are counted: the tenant (HR admins, authors, data scientists), "
    "a manager's reports, or only the caller (a learner).",
)


@strawberry.type(description="How far the learners in scope are through a course.")
class CourseCompletion:
    scope: completion.StatsScope
    unit_count: int = strawberry.field(description="Units of the course in the tenant's paths.")
    enrolled: int = strawberry.field(
        description="Learners with an open or finished enrollment in a path holding the course."
    )
    started: int = strawberry.field(description="Learners with activity on any of its units.")
    completed: int = strawberry.field(description="Learners who finished every unit of it.")
    completion_rate: float | None = strawberry.field(
        description="Enrolled learners who completed it / enrolled (null when none enrolled)."
    )
    median_dwell_seconds: float | None = strawberry.field(
        description="Median, over learners who started, of their time on the course's units."
    )

    @classmethod
    def from_domain(cls, c: completion.CourseCompletion) -> CourseCompletion:
        return cls(
            scope=c.scope,
            unit_count=c.unit_count,
            enrolled=c.enrolled,
            started=c.started,
            completed=c.completed,
            completion_rate=c.completion_rate,
            median_dwell_seconds=c.median_dwell_s,
        )


@strawberry.type(description="How the learners in scope fare on one unit.")
class UnitCompletion:
    scope: completion.StatsScope
    enrolled: int = strawberry.field(
        description="Learners with an open or finished enrollment in a path holding the unit."
    )
    started: int
    completed: int
    completion_rate: float | None = strawberry.field(
        description="Enrolled learners who completed it / enrolled (null when none enrolled)."
    )
    median_dwell_seconds: float | None
    attempted: int = strawberry.field(description="Learners with at least one pass or fail.")
    average_attempts: float | None = strawberry.field(description="Per learner who attempted.")
    pass_rate: float | None = strawberry.field(description="Passed / attempted.")
    average_best_score: float | None = strawberry.field(
        description="Mean best score (0..1 scaled) over learners with a score."
    )

    @classmethod
    def from_domain(cls, u: completion.UnitCompletion) -> UnitCompletion:
        return cls(
            scope=u.scope,
            enrolled=u.enrolled,
            started=u.started,
            completed=u.completed,
            completion_rate=u.completion_rate,
            median_dwell_seconds=u.median_dwell_s,
            attempted=u.attempted,
            average_attempts=u.average_attempts,
            pass_rate=u.pass_rate,
            average_best_score=u.average_best_score,
        )


@strawberry.federation.type(keys=["id"])
class Course:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Course:
        return cls(id=id)

    @strawberry.field(description="Completion statistics over the learners the caller may count.")
    async def completion(self, info: Info[Context, None]) -> CourseCompletion:
        return CourseCompletion.from_domain(await info.context.course_completion.load(self.id))


@strawberry.federation.type(keys=["id"])
class Unit:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Unit:
        return cls(id=id)

    @strawberry.field(description="Completion statistics over the learners the caller may count.")
    async def completion(self, info: Info[Context, None]) -> UnitCompletion:
        return UnitCompletion.from_domain(await info.context.unit_completion.load(self.id))
