"""Progress use cases: each checks the caller's scope before it reads.

Collaborators come in as arguments (the store, or a batched `load` function), so the rules
can be exercised without GraphQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from learnpulse.auth import Principal
from learnpulse.paging import check_first, check_range, decode_cursor
from services.progress.access import check_can_view, check_can_view_trajectory, team_scope
from services.progress.domain import (
    CourseFacts,
    Enrollment,
    EnrollmentProgress,
    Learner,
    LearnerPage,
    LearningEvent,
    PathOutline,
    Trajectory,
    enrollment_progress,
)
from services.progress.errors import Forbidden, NotFound
from services.progress.store import ProgressStore
from services.progress.tracking import UnitState

LoadLearner = Callable[[str], Awaitable[Learner | None]]  # e.g. a DataLoader's `load`
MAX_ACTIVITY = 100
MAX_DAYS = 365


async def learner_by_id(*, principal: Principal, learner_id: str, load: LoadLearner) -> Learner:
    """A learner in the caller's scope; scope is checked first so ids outside it never leak."""
    check_can_view(principal, learner_id)
    learner = await load(learner_id)
    if learner is None:
        raise NotFound(f"no learner {learner_id!r} in tenant {principal.tenant!r}")
    return learner


async def myself(*, principal: Principal, load: LoadLearner) -> Learner | None:
    """The caller as a learner, or None when they are not on the roster."""
    if not principal.has("learner", "manager", "hr_admin"):
        raise Forbidden("only learners, managers and HR admins have learning progress")
    return await load(principal.subject)


async def team_page(
    *, store: ProgressStore, principal: Principal, first: int, after: str | None
) -> LearnerPage:
    """A page of the caller's team: a manager's reports, or the tenant for an HR admin."""
    only = team_scope(principal)
    return await store.page_of_learners(
        tenant=principal.tenant, only=only, first=check_first(first), after=decode_cursor(after)
    )


async def recent_activity(
    *, store: ProgressStore, tenant: str, learner_id: str, limit: int
) -> list[LearningEvent]:
    limit = check_range("limit", limit, 1, MAX_ACTIVITY)
    return await store.recent_events(tenant=tenant, learner_id=learner_id, limit=limit)


async def trajectory(
    *, store: ProgressStore, principal: Principal, learner: Learner, days: int, now: datetime
) -> Trajectory:
    """The canonical rows the risk service scores: profile plus the last `days` of events."""
    check_can_view_trajectory(principal, learner.id)
    since = now - timedelta(days=check_range("days", days, 1, MAX_DAYS))
    events = await store.events_since(tenant=principal.tenant, learner_id=learner.id, since=since)
    return Trajectory(principal.tenant, learner, tuple(events))


async def enrollments_with_progress(
    *,
    learner_id: str,
    load_enrollments: Callable[[str], Awaitable[list[Enrollment]]],
    load_outline: Callable[[str], Awaitable[PathOutline | None]],
    load_facts: Callable[[str], Awaitable[dict[str, CourseFacts]]],
) -> list[EnrollmentProgress]:
    """Each enrollment with progress computed from the learner's events."""
    enrollments, facts = await asyncio.gather(load_enrollments(learner_id), load_facts(learner_id))
    outlines = await asyncio.gather(*(load_outline(e.path_id) for e in enrollments))
    return [enrollment_progress(e, o, facts) for e, o in zip(enrollments, outlines, strict=True)]


async def unit_progress(*, store: ProgressStore, tenant: str, learner_id: str) -> list[UnitState]:
    """A visible learner's unit states (the learner was scope-checked when resolved)."""
    return (await store.unit_states(tenant=tenant, learner_ids=[learner_id])).get(learner_id, [])
