"""GraphQL types of the progress subgraph: thin views of domain objects.

`LearningPath` is an entity stub (id only, `resolvable: false`); `Course` and `Unit` are the
catalog's entities extended with completion statistics (`completion_types`). The router
fetches their titles and units from the catalog subgraph.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, date, datetime

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from services.progress import domain, queries, risk_queries
from services.progress.access import check_can_view_trajectory
from services.progress.completion_types import Course, Unit
from services.progress.context import Context
from services.progress.domain import CourseProgressStatus, EnrollmentStatus
from services.progress.risk_types import RiskAssessment, RiskAssessmentConnection
from services.progress.tracking import UnitState

# Registers the domain's enums as GraphQL enums; the domain module itself stays framework-free.
strawberry.enum(EnrollmentStatus)
strawberry.enum(CourseProgressStatus)
ProgressInfo = Info[Context, None]


@strawberry.federation.type(directives=[Key(fields=FieldSet("id"), resolvable=False)])
class LearningPath:
    id: strawberry.ID


@strawberry.type(description="How far a learner is through one course of an enrolled path.")
class CourseProgress:
    course: Course
    completed_units: int
    total_units: int
    percent: float = strawberry.field(description="Finished units, 0..100.")
    status: CourseProgressStatus
    last_activity_at: datetime | None

    @classmethod
    def from_domain(cls, p: domain.CourseProgress) -> CourseProgress:
        return cls(
            course=Course(id=strawberry.ID(p.course_id)),
            completed_units=p.completed_units,
            total_units=p.total_units,
            percent=p.percent,
            status=p.status,
            last_activity_at=p.last_activity_at,
        )


@strawberry.type(description="A checkpoint of an enrolled path: its courses' units finished.")
class MilestoneProgress:
    title: str
    done_units: int
    total_units: int
    completed: bool
    completed_at: datetime | None


@strawberry.type(description="Wrong answers on one skill.")
class SkillErrors:
    skill: str
    errors: int


@strawberry.type(description="A learner's standing on one unit, kept current as events arrive.")
class UnitProgress:
    unit: Unit
    course_id: strawberry.ID | None
    status: str = strawberry.field(description="in_progress or completed.")
    first_activity_at: datetime | None
    last_activity_at: datetime | None
    dwell_s: int
    replays: int
    attempts: int
    errors_by_skill: list[SkillErrors]
    best_score: float | None
    passed: bool

    @classmethod
    def from_domain(cls, u: UnitState) -> UnitProgress:
        return cls(
            unit=Unit(id=strawberry.ID(u.unit_id)),
            course_id=_id(u.course_id),
            status=u.status,
            first_activity_at=u.first_at,
            last_activity_at=u.last_at,
            dwell_s=u.dwell_s,
            replays=u.replays,
            attempts=u.attempts,
            errors_by_skill=_skills(u),
            best_score=u.best_score,
            passed=u.passed,
        )


@strawberry.type(description="A learner's enrollment in a learning path, with computed progress.")
class Enrollment:
    id: strawberry.ID
    path_id: strawberry.ID
    path: LearningPath
    status: EnrollmentStatus
    enrolled_at: datetime
    due_at: datetime | None
    progress: float = strawberry.field(description="Share of the path's units finished, 0..1.")
    courses: list[CourseProgress]
    completed_at: datetime | None
    milestones: list[MilestoneProgress]

    @classmethod
    def from_domain(cls, p: domain.EnrollmentProgress) -> Enrollment:
        e = p.enrollment
        return cls(
            id=strawberry.ID(e.id),
            path_id=strawberry.ID(e.path_id),
            path=LearningPath(id=strawberry.ID(e.path_id)),
            status=p.status,
            enrolled_at=e.enrolled_at,
            due_at=e.due_at,
            progress=p.progress,
            courses=[CourseProgress.from_domain(c) for c in p.courses],
            completed_at=e.completed_at,
            milestones=[
                MilestoneProgress(
                    title=m.title,
                    done_units=m.done_units,
                    total_units=m.total_units,
                    completed=m.completed,
                    completed_at=m.completed_at,
                )
                for m in e.milestones
            ],
        )


@strawberry.type(description="One learning event, as the learner's activity feed shows it.")
class LearningEvent:
    id: strawberry.ID
    ts: datetime
    verb: str = strawberry.field(
        description="login, launched, progressed, replayed, answered, completed, passed, failed."
    )
    course_id: strawberry.ID | None
    unit_id: strawberry.ID | None
    duration_s: int | None
    score: float | None
    success: bool | None
    attempt: int | None

    @classmethod
    def from_domain(cls, e: domain.LearningEvent) -> LearningEvent:
        return cls(
            id=strawberry.ID(e.event_id),
            ts=e.ts,
            verb=e.verb,
            course_id=_id(e.course_id),
            unit_id=_id(e.unit_id),
            duration_s=e.duration_s,
            score=e.score,
            success=e.success,
            attempt=e.attempt,
        )


@strawberry.type(description="A canonical `learners` row.")
class TrajectoryProfile:
    learner_id: strawberry.ID
    tenant_id: str
    role: str
    department: str
    shift: str
    location: str
    manager_id: strawberry.ID | None
    hire_date: date | None
    left_at: date | None


@strawberry.type(description="A canonical `events` row.")
class TrajectoryEvent:
    ts: datetime
    verb: str
    course_id: strawberry.ID | None
    unit_id: strawberry.ID | None
    duration_s: int | None
    score: float | None
    success: bool | None
    attempt: int | None
    response: str | None


@strawberry.type(
    description="The milestone a learner works toward: assigned when the one before it fell "
    "due (the first at enrolment), with its units and whether the tenant sends reminders "
    "(null: unknown), as a canonical `milestones` row."
)
class TrajectoryMilestone:
    assigned_at: datetime
    due_at: datetime
    units: int
    reminders: bool | None

    @classmethod
    def from_domain(cls, m: domain.CurrentMilestone) -> TrajectoryMilestone:
        return cls(assigned_at=m.assigned_at, due_at=m.due_at, units=m.units, reminders=m.reminders)


@strawberry.type(
    description="What the risk service scores: a profile, its recent events and the current "
    "milestone."
)
class Trajectory:
    profile: TrajectoryProfile
    events: list[TrajectoryEvent]
    learner_id: strawberry.Private[str]
    # started with the trajectory, so one batch serves every learner of the query
    pending: strawberry.Private[Awaitable[domain.CurrentMilestone | None] | None] = None

    @strawberry.field(
        description="The learner's current milestone as risk sweeps send it (null: unknown, "
        "e.g. while the catalog cannot give due dates); batched across learners."
    )
    async def milestone(self, info: ProgressInfo) -> TrajectoryMilestone | None:
        pending = self.pending or info.context.milestone.load(self.learner_id)
        found = await pending
        return TrajectoryMilestone.from_domain(found) if found is not None else None

    @classmethod
    def from_domain(
        cls,
        t: domain.Trajectory,
        pending: Awaitable[domain.CurrentMilestone | None] | None = None,
    ) -> Trajectory:
        who = t.learner
        profile = TrajectoryProfile(
            learner_id=strawberry.ID(who.id),
            tenant_id=t.tenant_id,
            role=who.role,
            department=who.department,
            shift=who.shift,
            location=who.location,
            manager_id=_id(who.manager_id),
            hire_date=who.hire_date,
            left_at=who.left_at,
        )
        events = [
            TrajectoryEvent(
                ts=e.ts,
                verb=e.verb,
                course_id=_id(e.course_id),
                unit_id=_id(e.unit_id),
                duration_s=e.duration_s,
                score=e.score,
                success=e.success,
                attempt=e.attempt,
                response=e.response,
            )
            for e in t.events
        ]
        return cls(profile=profile, events=events, learner_id=who.id, pending=pending)


@strawberry.federation.type(keys=["id"], description="A person on the roster and their learning.")
class Learner:
    id: strawberry.ID
    name: str
    role: str
    department: str
    shift: str
    location: str
    manager_id: strawberry.ID | None
    hire_date: date | None
    profile: strawberry.Private[domain.Learner]

    @classmethod
    def from_domain(cls, who: domain.Learner) -> Learner:
        return cls(
            id=strawberry.ID(who.id),
            name=who.name,
            role=who.role,
            department=who.department,
            shift=who.shift,
            location=who.location,
            manager_id=_id(who.manager_id),
            hire_date=who.hire_date,
            profile=who,
        )

    @classmethod
    async def resolve_reference(cls, info: ProgressInfo, id: strawberry.ID) -> Learner:
        ctx = info.context
        found = await queries.learner_by_id(
            principal=ctx.principal, learner_id=id, load=ctx.learner.load
        )
        return cls.from_domain(found)

    @strawberry.field
    async def enrollments(self, info: ProgressInfo) -> list[Enrollment]:
        ctx = info.context
        found = await queries.enrollments_with_progress(
            learner_id=self.id,
            load_enrollments=ctx.enrollments.load,
            load_outline=ctx.outline.load,
            load_facts=ctx.facts.load,
        )
        return [Enrollment.from_domain(e) for e in found]

    @strawberry.field(description="Every unit the learner has touched, by unit id.")
    async def units(self, info: ProgressInfo) -> list[UnitProgress]:
        ctx = info.context
        found = await queries.unit_progress(store=ctx.store, tenant=ctx.tenant, learner_id=self.id)
        return [UnitProgress.from_domain(u) for u in found]

    @strawberry.field(description="The learner's latest events, newest first; `limit` is 1..100.")
    async def recent_activity(self, info: ProgressInfo, limit: int = 20) -> list[LearningEvent]:
        ctx = info.context
        events = await queries.recent_activity(
            store=ctx.store, tenant=ctx.tenant, learner_id=self.id, limit=limit
        )
        return [LearningEvent.from_domain(e) for e in events]

    @strawberry.field(
        description="Canonical rows of the last `days` (1..365) days, for risk scoring. "
        "Only the learner's managers and HR admins may read it (FORBIDDEN otherwise)."
    )
    async def trajectory(self, info: ProgressInfo, days: int = 90) -> Trajectory | None:
        ctx = info.context
        pending = None
        if _selects(info, "milestone"):
            # Loaded now, not once each trajectory's events are in: the loads of every
            # learner in the query then fall in one batch. Only for those who may see it.
            check_can_view_trajectory(ctx.principal, self.id)
            pending = ctx.milestone.load(self.id)
        found = await queries.trajectory(
            store=ctx.store,
            principal=ctx.principal,
            learner=self.profile,
            days=days,
            now=datetime.now(UTC),
        )
        return Trajectory.from_domain(found, pending)

    @strawberry.field(
        description="The newest stored risk assessment (from risk sweeps), `stale` when it no "
        "longer describes the learner; null before the first. Managers of the learner and HR "
        "admins only (FORBIDDEN otherwise)."
    )
    async def latest_risk(self, info: ProgressInfo) -> RiskAssessment | None:
        ctx = info.context
        found = await risk_queries.latest_risk(
            principal=ctx.principal, learner_id=self.id, load=ctx.latest_risk.load
        )
        return RiskAssessment.from_domain(found.assessment, stale=found.stale) if found else None

    @strawberry.field(
        description="Every stored risk assessment, newest first, each naming the model "
        "versions that scored it; `first` is 1..100. Managers of the learner and HR admins only."
    )
    async def risk_history(
        self, info: ProgressInfo, first: int = 20, after: str | None = None
    ) -> RiskAssessmentConnection | None:  # nullable: FORBIDDEN nulls this field alone
        ctx = info.context
        page = await risk_queries.risk_history(
            store=ctx.store, principal=ctx.principal, learner_id=self.id, first=first, after=after
        )
        return RiskAssessmentConnection.from_domain(page)


def _selects(info: ProgressInfo, name: str) -> bool:
    """Whether the query asks for `name` directly under this field (fragments included)."""

    def asks(selections: list[Selection]) -> bool:
        return any(
            s.name == name if isinstance(s, SelectedField) else asks(s.selections)
            for s in selections
        )

    return any(asks(f.selections) for f in info.selected_fields)


def _id(value: str | None) -> strawberry.ID | None:
    return strawberry.ID(value) if value is not None else None


def _skills(u: UnitState) -> list[SkillErrors]:
    return [SkillErrors(skill=k, errors=n) for k, n in sorted(u.errors.items())]
