"""One tenant's learning state as a sweep reads it: roster, unit states, open enrollments and
path outlines, loaded once and shared by stall detection and reminders.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from services.progress.domain import Enrollment, EnrollmentStatus, Learner, PathOutline
from services.progress.store import ProgressStore
from services.progress.tracking import UnitState

DEFAULT_UNIT_MINUTES = 5.0  # micro-learning units run 3-7 minutes


@dataclass(frozen=True)
class Snapshot:
    tenant: str
    learners: dict[str, Learner]  # everyone on the roster, leavers included
    states: dict[str, list[UnitState]]
    enrollments: dict[str, list[Enrollment]]  # active ones only
    outlines: dict[str, PathOutline]
    unit_minutes: dict[str, float]  # median dwell of those who finished each unit

    def active(self, now: datetime) -> list[Learner]:
        """Learners still with the organisation at `now`."""
        return [w for w in self.learners.values() if w.left_at is None or w.left_at > now.date()]

    def minutes_of(self, unit_id: str) -> float:
        return self.unit_minutes.get(unit_id, DEFAULT_UNIT_MINUTES)


async def load_snapshot(*, store: ProgressStore, tenant: str) -> Snapshot:
    learners = {w.id: w async for w in store.tenant_learners(tenant=tenant)}
    ids = sorted(learners)
    states = dict(await store.unit_states(tenant=tenant, learner_ids=ids))
    found = await store.enrollments_of(tenant=tenant, learner_ids=ids)
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
    return Snapshot(tenant, learners, states, enrollments, outlines, minutes)
