"""The progress subgraph's mutations: compact events from our frontends, xAPI credentials
and roster upserts. Thin: each turns its input into domain objects and calls a use case.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import strawberry

from services.progress import credentials, ingest, roster
from services.progress.domain import Learner, LearningEvent
from services.progress.errors import Forbidden, InvalidArgument
from services.progress.normalise import check_compact
from services.progress.notify_types import NotifyMutation
from services.progress.types import ProgressInfo

MAX_EVENTS = 500


@strawberry.input(description="One canonical event; `id` is client-generated so retries dedupe.")
class LearningEventInput:
    id: strawberry.ID
    verb: str = strawberry.field(
        description="login, launched, progressed, replayed, answered, completed, passed, failed."
    )
    ts: datetime
    unit_id: strawberry.ID | None = None
    course_id: strawberry.ID | None = None
    duration_s: int | None = strawberry.field(default=None, description="Dwell in seconds.")
    score: float | None = None
    success: bool | None = strawberry.field(default=None, description="Correct, for answers.")
    attempt: int | None = None
    response: str | None = None
    skill: str | None = strawberry.field(default=None, description="Counts wrong answers.")


@strawberry.type
class RecordEventsResult:
    accepted: int = strawberry.field(description="Events in the batch.")
    new: int = strawberry.field(description="Events not seen before (the rest were retries).")


@strawberry.type(description="Shown once: the store keeps only a hash of the secret.")
class XapiCredential:
    key: str
    secret: str
    name: str
    scopes: list[str]


@strawberry.input
class RatingInput:
    period: str
    rating: float


@strawberry.input(description="One roster row from the HRMS.")
class LearnerInput:
    id: strawberry.ID
    name: str
    role: str = ""
    department: str = ""
    shift: str = ""
    location: str = ""
    manager_id: strawberry.ID | None = None
    hire_date: date | None = None
    left_at: date | None = None
    ratings: list[RatingInput] = strawberry.field(default_factory=list)


@strawberry.type
class UpsertLearnersResult:
    created: int
    updated: int
    enrolled: list[strawberry.ID]
    closed: int


def _event(learner_id: str, e: LearningEventInput, i: int) -> LearningEvent:
    event = LearningEvent(
        event_id=str(e.id),
        learner_id=learner_id,
        ts=e.ts.astimezone(UTC),
        verb=e.verb,
        course_id=e.course_id,
        unit_id=e.unit_id,
        duration_s=e.duration_s,
        score=e.score,
        success=e.success,
        attempt=e.attempt,
        response=e.response,
        skill=e.skill,
    )
    problem = check_compact(event, f"events[{i}]")
    if problem:
        raise InvalidArgument(problem.split(" ", 1)[0], problem)
    return event


@strawberry.type
class Mutation(NotifyMutation):
    @strawberry.mutation(description="Record the caller's own learning events (up to 500).")
    async def record_events(
        self, info: ProgressInfo, events: list[LearningEventInput]
    ) -> RecordEventsResult:
        ctx = info.context
        if not ctx.principal.has("learner", "manager", "hr_admin"):
            raise Forbidden("only learners record learning events")
        if not 1 <= len(events) <= MAX_EVENTS:
            raise InvalidArgument("events", f"send 1..{MAX_EVENTS} events per call")
        parsed = [_event(ctx.principal.subject, e, i) for i, e in enumerate(events)]
        new = await ingest.record_events(store=ctx.store, tenant=ctx.tenant, events=parsed)
        return RecordEventsResult(accepted=len(parsed), new=new)

    @strawberry.mutation(description="HR admins: a new HTTP Basic credential for xAPI clients.")
    async def create_xapi_credential(
        self, info: ProgressInfo, name: str, scopes: list[str] | None = None
    ) -> XapiCredential:
        ctx = info.context
        made, secret = await credentials.create_credential(
            store=ctx.store,
            principal=ctx.principal,
            name=name,
            scopes=scopes or ["statements/write", "statements/read"],
        )
        return XapiCredential(key=made.key, secret=secret, name=made.name, scopes=list(made.scopes))

    @strawberry.mutation(description="HR admins: upsert roster rows; new hires are enrolled.")
    async def upsert_learners(
        self, info: ProgressInfo, learners: list[LearnerInput]
    ) -> UpsertLearnersResult:
        ctx = info.context
        if ctx.catalog is None:
            raise RuntimeError("the progress app was built without a catalog client")
        entries = [
            roster.RosterEntry(
                Learner(
                    str(x.id),
                    x.name,
                    x.role,
                    x.department,
                    x.shift,
                    x.location,
                    x.manager_id,
                    x.hire_date,
                    x.left_at,
                ),
                tuple((r.period, r.rating) for r in x.ratings),
            )
            for x in learners
        ]
        result = await roster.upsert_learners(
            store=ctx.store,
            catalog=ctx.catalog,
            principal=ctx.principal,
            entries=entries,
            now=datetime.now(UTC),
        )
        return UpsertLearnersResult(
            created=result.created,
            updated=result.updated,
            closed=result.closed,
            enrolled=[strawberry.ID(i) for i in result.enrolled],
        )
