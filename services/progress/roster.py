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
from services.progress.domain import Enrollment, EnrollmentStatus, Learner
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
    current = await store.enrollments_of(tenant=tenant, learner_ids=list(known))
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
        elif who.id not in known:
            result.enrolled += await _enroll_new_hire(
                store=store,
                catalog=catalog,
                principal=principal,
                learner=who,
                now=now,
                already={e.path_id for e in current.get(who.id, [])},
            )
    return result


async def _enroll_new_hire(
    *,
    store: ProgressStore,
    catalog: Catalog,
    principal: Principal,
    learner: Learner,
    now: datetime,
    already: set[str],
) -> list[str]:
    enrolled = []
    for rule in await catalog.paths_for(principal=principal, learner=learner):
        if rule.path_id in already:
            continue
        outline = await catalog.outline(principal=principal, path_id=rule.path_id)
        if outline is not None:
            await store.put_outline(tenant=principal.tenant, outline=outline)
        due = _due(rule, learner, now)
        enrollment = Enrollment(
            f"{learner.id}:{rule.path_id}",
            learner.id,
            rule.path_id,
            EnrollmentStatus.ACTIVE,
            now,
            due,
        )
        await store.put_enrollment(tenant=principal.tenant, enrollment=enrollment)
        enrolled.append(enrollment.id)
        already.add(rule.path_id)
    return enrolled


def _due(rule: PathRule, learner: Learner, now: datetime) -> datetime | None:
    """`dueAfterDays` after the hire date (dueFrom HIRE, when known) or after enrolment."""
    if rule.due_after_days is None:
        return None
    start = now
    if rule.due_from == "HIRE" and learner.hire_date is not None:
        start = datetime.combine(learner.hire_date, time(), UTC)
    return start + timedelta(days=rule.due_after_days)
