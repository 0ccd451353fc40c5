"""Reminders for unfinished units: after a missed milestone or ahead of a due date, at the start
of the learner's shift, with the next units that fit the minutes they have, once a day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from learnpulse.auth import Principal
from services.progress.domain import (
    CourseOutline,
    Enrollment,
    EnrollmentStatus,
    Learner,
    LearningEvent,
    PathOutline,
)
from services.progress.ingest import record_events
from services.progress.notices import Notification
from services.progress.policy import Policy
from services.progress.store import ProgressStore
from services.progress.sweep import run_sweep

T = "t2"
MON = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
OUTLINE = PathOutline(
    "p",
    (CourseOutline("c1", ("u-1", "u-2")), CourseOutline("c2", ("u-3", "u-4"))),
    (("First steps", ("c1",)), ("Second steps", ("c2",))),
)
DAY = Learner("dee", "Dee", "Picker", "Ops", "day", "Leeds", "boss")
NIGHT = Learner("nia", "Nia", "Picker", "Ops", "night", "Leeds", "boss")
POLICY = Policy(stall_hours=24 * 30)  # no stalls in these tests: reminders only


class Catalog:
    """The catalog's answers a sweep asks for (a fake with the real client's methods)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def milestone_due_days(
        self, *, principal: Principal, path_ids: list[str]
    ) -> dict[str, dict[str, int]]:
        self.asked.append(principal.tenant)
        return {"p": {"First steps": 7, "Second steps": 14}}

    async def expected_minutes(
        self, *, principal: Principal, unit_ids: list[str]
    ) -> dict[str, int | None]:
        return {"u-1": 6, "u-2": 5, "u-3": 4, "u-4": None}


@pytest.fixture
async def store() -> AsyncIterator[ProgressStore]:
    store = ProgressStore.connect("memory://")
    await store.ensure_indexes()
    await store.put_outline(tenant=T, outline=OUTLINE)
    for n, who in enumerate((DAY, NIGHT)):
        await store.put_learner(tenant=T, learner=who)
        enrolled = MON - timedelta(days=8)
        enrollment = Enrollment(
            f"e-{who.id}", who.id, "p", EnrollmentStatus.ACTIVE, enrolled, MON + timedelta(days=6)
        )
        await store.put_enrollment(tenant=T, enrollment=enrollment)
        event = LearningEvent(f"ev-{n}", who.id, MON - timedelta(days=2), "launched", "c1", "u-1")
        await record_events(store=store, tenant=T, events=[event])
    yield store
    await store.close()


async def reminders(store: ProgressStore) -> dict[str, list[Notification]]:
    page = await store.alerts.page_of_notifications(
        tenant=T, recipients=None, learners=None, kinds=None,
        unacknowledged=False, first=100, after=None,
    )  # fmt: skip
    out: dict[str, list[Notification]] = {}
    for n in page.items:
        out.setdefault(n.recipient_id, []).append(n)
    return out


async def test_a_missed_milestone_is_reminded_at_the_next_shift_start_with_units_that_fit(
    store: ProgressStore,
) -> None:
    catalog = Catalog()
    report = await run_sweep(store=store, now=MON, defaults=POLICY, tenants=[T], catalog=catalog)
    assert report.reminders.queued == 2 and catalog.asked == [T]
    sent = await reminders(store)
    (day,) = sent["dee"]
    assert day.kind == "reminder.overdue"
    assert day.data["missedMilestones"] == ["First steps"]
    assert day.data["dueAt"] == (MON - timedelta(days=1)).isoformat()  # enrolled + 7 days
    # Ten minutes at the start of the shift: u-1 (6 min) fits, u-2 (5 min) would not.
    assert day.data["nextUnits"] == [{"unitId": "u-1", "courseId": "c1", "minutes": 6.0}]
    # 10:00 is past the day shift's start: tomorrow 09:00. The night shift starts at 22:00,
    # inside the quiet hours, but that is when Nia is at work.
    assert day.deliver_after == MON.replace(hour=9) + timedelta(days=1)
    assert sent["nia"][0].deliver_after == MON.replace(hour=22)
    # Later the same day: the same reminders, not new ones.
    again = await run_sweep(
        store=store, now=MON + timedelta(hours=5), defaults=POLICY, tenants=[T], catalog=catalog
    )
    assert again.reminders.queued == 0


async def test_without_the_catalog_the_path_due_date_decides(store: ProgressStore) -> None:
    quiet = await run_sweep(store=store, now=MON, defaults=POLICY, tenants=[T])
    assert quiet.reminders.queued == 0  # the path is due in 6 days: not yet
    soon = MON + timedelta(days=4)
    report = await run_sweep(store=store, now=soon, defaults=POLICY, tenants=[T])
    assert report.reminders.queued == 2
    (day,) = (await reminders(store))["dee"]
    assert day.kind == "reminder.due_soon" and day.data["missedMilestones"] == []
    # Finishers' dwell is unknown and the catalog silent: 5-minute units, two fit in ten.
    assert [u["unitId"] for u in day.data["nextUnits"]] == ["u-1", "u-2"]


async def test_the_daily_cap_counts_every_reminder_of_the_day(store: ProgressStore) -> None:
    none_a_day = replace(POLICY, daily_cap=0)
    report = await run_sweep(
        store=store, now=MON, defaults=none_a_day, tenants=[T], catalog=Catalog()
    )
    assert (report.reminders.queued, report.reminders.capped) == (0, 2)


async def test_a_reminder_not_yet_due_is_withdrawn_when_the_learner_catches_up(
    store: ProgressStore,
) -> None:
    catalog = Catalog()
    await run_sweep(store=store, now=MON, defaults=POLICY, tenants=[T], catalog=catalog)
    (queued,) = (await reminders(store))["dee"]
    assert queued.deliver_after > MON + timedelta(hours=2)  # tomorrow's shift start
    done = [
        LearningEvent(f"dee-{u}", "dee", MON + timedelta(hours=1), "completed", "c1", u)
        for u in ("u-1", "u-2")
    ]
    await record_events(store=store, tenant=T, events=done)
    report = await run_sweep(
        store=store, now=MON + timedelta(hours=2), defaults=POLICY, tenants=[T], catalog=catalog
    )
    # "First steps" is done and "Second steps" is not due for days: nothing left to say.
    assert (report.reminders.queued, report.reminders.withdrawn) == (0, 1)
    assert "dee" not in await reminders(store)  # withdrawn reminders are not listed
    found = await store.alerts.notification(tenant=T, notice_id=queued.id)
    assert found is not None and found.status.value == "withdrawn"
