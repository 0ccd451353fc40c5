"""One tenant's learning state as a sweep reads it: roster, unit states, open enrollments, path
outlines and, when the catalog answers, milestone due days and unit lengths; loaded once and
shared by stall detection and reminders.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from learnpulse.auth import Principal
from services.progress.catalog_client import CatalogUnavailable
from services.progress.domain import Enrollment, EnrollmentStatus, Learner, PathOutline
from services.progress.store import ProgressStore
from services.progress.tracking import UnitState

DEFAULT_UNIT_MINUTES = 5.0  # micro-learning units run 3-7 minutes
SWEEPER = "learnpulse-sweep"  # the subject sweeps ask the catalog as
log = logging.getLogger("learnpulse.progress.sweep")


@runtime_checkable
class PathFacts(Protocol):
    """What the catalog tells a sweep (`HttpCatalog` answers it)."""

    async def milestone_due_days(
        self, *, principal: Principal, path_ids: list[str]
    ) -> dict[str, dict[str, int]]: ...

    async def expected_minutes(
        self, *, principal: Principal, unit_ids: list[str]
    ) -> dict[str, int | None]: ...


@dataclass(frozen=True)
class Snapshot:
    tenant: str
    learners: dict[str, Learner]  # everyone on the roster, leavers included
    states: dict[str, list[UnitState]]
    enrollments: dict[str, list[Enrollment]]  # active ones only
    outlines: dict[str, PathOutline]
    unit_minutes: dict[str, float]  # the catalog's length, else finishers' median dwell
    milestone_days: dict[str, dict[str, int]] = field(default_factory=dict)  # path -> title

    def active(self, now: datetime) -> list[Learner]:
        """Learners still with the organisation at `now`."""
        return [w for w in self.learners.values() if w.left_at is None or w.left_at > now.date()]

    def minutes_of(self, unit_id: str) -> float:
        return self.unit_minutes.get(unit_id, DEFAULT_UNIT_MINUTES)

    def milestone_dues(self, enrollment: Enrollment) -> list[tuple[str, datetime | None, bool]]:
        """(title, due, completed) per milestone: `dueAfterDays` after enrolment where the
        catalog says so, else when the whole path is due."""
        days = self.milestone_days.get(enrollment.path_id, {})
        return [
            (
                m.title,
                enrollment.enrolled_at + timedelta(days=days[m.title])
                if m.title in days
                else enrollment.due_at,
                m.completed,
            )
            for m in enrollment.milestones
        ]


def path_facts(catalog: object) -> PathFacts | None:
    """`catalog` when it can tell milestone due days and unit lengths (test fakes may not)."""
    return catalog if isinstance(catalog, PathFacts) else None


async def load_snapshot(
    *, store: ProgressStore, tenant: str, catalog: PathFacts | None = None
) -> Snapshot:
    learners = {w.id: w async for w in store.tenant_learners(tenant=tenant)}
    states = dict(await store.unit_states(tenant=tenant, learner_ids=None))
    found = await store.enrollments_of(tenant=tenant, learner_ids=None)
    enrollments = {
        who: [e for e in mine if e.status is EnrollmentStatus.ACTIVE] for who, mine in found.items()
    }
    path_ids = {e.path_id for mine in enrollments.values() for e in mine}
    outlines = await store.outlines_of(tenant=tenant, path_ids=path_ids)
    dwell: dict[str, list[int]] = {}
    for mine in states.values():
        for u in mine:
            if u.completed and u.dwell_s > 0:
                dwell.setdefault(u.unit_id, []).append(u.dwell_s)
    minutes = {unit: statistics.median(d) / 60 for unit, d in dwell.items()}
    days: dict[str, dict[str, int]] = {}
    if catalog is not None and outlines:
        units = sorted({u for o in outlines.values() for c in o.courses for u in c.unit_ids})
        who = Principal(tenant, SWEEPER, frozenset({"hr_admin"}))
        try:
            days = await catalog.milestone_due_days(principal=who, path_ids=sorted(outlines))
            lengths = await catalog.expected_minutes(principal=who, unit_ids=units)
        except CatalogUnavailable as exc:  # reminders still go out, with coarser dates
            log.warning("catalog unavailable; using path due dates", extra={"error": str(exc)})
        else:
            minutes |= {u: float(m) for u, m in lengths.items() if m}
    return Snapshot(tenant, learners, states, enrollments, outlines, minutes, days)
