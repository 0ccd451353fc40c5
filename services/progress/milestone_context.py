"""The milestone each learner works toward, as risk sweeps send it (the risk service's
milestone_* features). As in training's canonical `milestones` table, a path's milestones run
back to back on the calendar: each is assigned when the one before falls due (the first at
enrolment) and the current one is the latest assigned by now, finished or not.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from learnpulse.auth import Principal
from services.progress.domain import (
    CurrentMilestone,
    Enrollment,
    EnrollmentStatus,
    MilestoneState,
    PathOutline,
)
from services.progress.policy import Policy
from services.progress.snapshot import PathFacts
from services.progress.store import ProgressStore
from services.progress.tracking import enrollment_state

CATALOG_ASKER = "service:progress-risk-sweep"  # the subject risk sweeps ask the catalog as
log = logging.getLogger("learnpulse.progress.risk")


@dataclass(frozen=True)
class Stretch:
    """One milestone of an enrollment on the calendar."""

    assigned_at: datetime
    due_at: datetime
    units: int
    done: bool


def reminders_on(policy: Policy) -> bool:
    """Whether the tenant reminds learners of due and missed milestones: unless its policy
    caps reminders at zero a day (reminders.py then never sends one)."""
    return policy.daily_cap > 0


def stretches(
    enrollment: Enrollment, outline: PathOutline | None, due_days: Mapping[str, int] | None
) -> list[Stretch]:
    """The enrollment's milestones back to back in due order, or [] when a due date is not
    known. Due dates follow reminders.py: `dueAfterDays` (the catalog's, per title, in
    `due_days`; None when the catalog could not say) after enrolment, else the path's due
    date. A path without milestones is one milestone of all its units, due with the path."""
    if outline is None:
        return []
    start = enrollment.enrolled_at
    if not outline.milestones:
        units = sum(len(c.unit_ids) for c in outline.courses)
        if enrollment.due_at is None or units == 0:
            return []
        done = bool(enrollment.milestones) and all(m.completed for m in enrollment.milestones)
        return [Stretch(min(start, enrollment.due_at), enrollment.due_at, units, done)]
    if due_days is None:
        return []
    # Not stored yet (no event since enrolment): the outline's milestones, nothing done.
    states: Sequence[MilestoneState] = (
        enrollment.milestones or enrollment_state(outline, {}).milestones
    )
    dated: list[tuple[datetime, MilestoneState]] = []
    for m in states:
        due = (
            enrollment.enrolled_at + timedelta(days=due_days[m.title])
            if m.title in due_days
            else enrollment.due_at
        )
        if due is None:
            return []
        dated.append((due, m))
    dated.sort(key=lambda pair: pair[0])  # stable: milestones due together keep path order
    chain: list[Stretch] = []
    for due, m in dated:
        if m.total_units > 0:
            chain.append(Stretch(min(start, due), due, m.total_units, m.completed))
        start = max(start, due)
    return chain


def current_milestone(
    enrollments: Iterable[Enrollment],
    outlines: Mapping[str, PathOutline | None],
    due_days: Mapping[str, Mapping[str, int]],
    now: datetime,
    reminders: bool | None = None,
) -> CurrentMilestone | None:
    """Per active enrollment, the latest milestone assigned by `now`; of those, the most
    pressing (unfinished first, then the earliest due). None when none is known."""
    picks = []
    for e in enrollments:
        if e.status is not EnrollmentStatus.ACTIVE:
            continue
        started = [
            s
            for s in stretches(e, outlines.get(e.path_id), due_days.get(e.path_id))
            if s.assigned_at <= now
        ]
        if started:
            picks.append(started[-1])
    if not picks:
        return None
    best = min(picks, key=lambda s: (s.done, s.due_at))
    return CurrentMilestone(best.assigned_at, best.due_at, best.units, reminders)


class MilestoneSource:
    """Current milestones of one tenant's learners during one sweep pass: enrollments are
    read once per batch, outlines and the catalog's due days once per path and pass. When
    the catalog fails, milestones that need its due dates are left unknown (logged once)."""

    def __init__(
        self,
        *,
        store: ProgressStore,
        tenant: str,
        catalog: PathFacts | None,
        reminders: bool | None,
    ) -> None:
        self.store, self.tenant, self.catalog, self.reminders = store, tenant, catalog, reminders
        self.outlines: dict[str, PathOutline | None] = {}
        self.due_days: dict[str, dict[str, int]] = {}  # paths the catalog answered for
        self.catalog_failed = False

    async def current(self, learner_ids: list[str], now: datetime) -> dict[str, CurrentMilestone]:
        found = await self.store.enrollments_of(tenant=self.tenant, learner_ids=learner_ids)
        await self._learn(sorted({e.path_id for mine in found.values() for e in mine}))
        out = {}
        for who, mine in found.items():
            m = current_milestone(mine, self.outlines, self.due_days, now, self.reminders)
            if m is not None:
                out[who] = m
        return out

    async def _learn(self, path_ids: list[str]) -> None:
        new = [p for p in path_ids if p not in self.outlines]
        if not new:
            return
        outlines = await self.store.outlines_of(tenant=self.tenant, path_ids=new)
        self.outlines |= {p: outlines.get(p) for p in new}
        ask = [p for p in new if (o := outlines.get(p)) is not None and o.milestones]
        if not ask or self.catalog is None or self.catalog_failed:
            return
        principal = Principal(self.tenant, CATALOG_ASKER, frozenset({"hr_admin"}))
        try:
            days = await self.catalog.milestone_due_days(principal=principal, path_ids=ask)
        except Exception as exc:  # optional context: scoring goes on without it
            self.catalog_failed = True
            log.warning(
                "catalog unavailable; milestones without a known due date are sent as unknown",
                extra={"tenant": self.tenant, "error": str(exc)},
            )
            return
        self.due_days |= {p: days.get(p, {}) for p in ask}
