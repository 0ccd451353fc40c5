"""Roster use cases (the HRMS integration point): upsert learners in batches; a new hire is
enrolled in the paths the catalog's rules give, due `dueAfterDays` later; a leaver's open
enrollments close.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from learnpulse.auth import Principal
from services.progress.catalog_client import Catalog, PathRule
from services.progress.domain import Enrollment, EnrollmentStatus, Learner, PathOutline
from services.progress.errors import Forbidden, InvalidArgument
from services.progress.store import ProgressStore

MAX_BATCH = 1000


@dataclass(frozen=True)
class RosterEntry:
    learner: Learner
    ratings: tuple[tuple[str, float], ...] = ()  # (period such as "2026-H1", rating)


@dataclass
class RosterResult:
    created: int = 0
    updated: int = 0
    enrolled: list[str] = field(default_factory=list)  # enrollment ids
    closed: int = 0


def check_entries(entries: list[RosterEntry], where: str = "learners") -> None:
    if not 1 <= len(entries) <= MAX_BATCH:
        raise InvalidArgument(where, f"send 1..{MAX_BATCH} learners per batch")
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        who = entry.learner
        if not who.id.strip():
            raise InvalidArgument(f"{where}[{i}].id", "id must not be empty")
        if who.id in seen:
            raise InvalidArgument(f"{where}[{i}].id", f"learner {who.id!r} appears twice")
        seen.add(who.id)
        if who.left_at and who.hire_date and who.left_at < who.hire_date:
            raise InvalidArgument(f"{where}[{i}].leftAt", "leftAt is before hireDate")


async def upsert_learners(
    *,
    store: ProgressStore,
    catalog: Catalog,
    principal: Principal,
    entries: list[RosterEntry],
    now: datetime,
) -> RosterResult:
    if not principal.has("hr_admin"):
        raise Forbidden("only HR admins change the roster")
    check_entries(entries)
    tenant = principal.tenant
    known = await store.learners_by_ids(tenant=tenant, ids=[e.learner.id for e in entries])
    # Ask the catalog for every new hire before writing anything: if it fails, nothing is
    # written and the HRMS's retry still sees them as new hires.
    plans = {
        e.learner.id: await _plan(catalog=catalog, principal=principal, learner=e.learner, now=now)
        for e in entries
        if e.learner.id not in known and e.learner.left_at is None
    }
    result = RosterResult()
    for entry in entries:
        who = entry.learner
        extra: dict[str, Any] = {"ratings": [{"period": p, "rating": r} for p, r in entry.ratings]}
        await store.put_learner(tenant=tenant, learner=who, extra=extra)
        if who.id in known:
            result.updated += 1
        else:
            result.created += 1
        if who.left_at is not None:
            result.closed += await store.close_enrollments(tenant=tenant, learner_id=who.id)
        for outline, enrollment in plans.get(who.id, []):
            if outline is not None:
                await store.put_outline(tenant=tenant, outline=outline)
            await store.put_enrollment(tenant=tenant, enrollment=enrollment)
            result.enrolled.append(enrollment.id)
    return result


async def _plan(
    *, catalog: Catalog, principal: Principal, learner: Learner, now: datetime
) -> list[tuple[PathOutline | None, Enrollment]]:
    """The enrollments (and path outlines) the catalog's rules give a new hire."""
    planned: list[tuple[PathOutline | None, Enrollment]] = []
    seen: set[str] = set()
    for rule in await catalog.paths_for(principal=principal, learner=learner):
        if rule.path_id in seen:
            continue
        seen.add(rule.path_id)
        outline = await catalog.outline(principal=principal, path_id=rule.path_id)
        enrollment = Enrollment(
            f"{learner.id}:{rule.path_id}",
            learner.id,
            rule.path_id,
            EnrollmentStatus.ACTIVE,
            now,
            _due(rule, learner, now),
        )
        planned.append((outline, enrollment))
    return planned


def _due(rule: PathRule, learner: Learner, now: datetime) -> datetime | None:
    """`dueAfterDays` after the hire date (dueFrom HIRE, when known) or after enrolment."""
    if rule.due_after_days is None:
        return None
    start = now
    if rule.due_from == "HIRE" and learner.hire_date is not None:
        start = datetime.combine(learner.hire_date, time(), UTC)
    return start + timedelta(days=rule.due_after_days)
