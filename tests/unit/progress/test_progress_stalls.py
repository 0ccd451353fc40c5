"""Stall episodes: a high risk band alerts at once, an unacknowledged alert escalates once, the
daily cap holds reminders back, milestones stall too, and leavers' episodes close."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from learnpulse.auth import Principal
from services.progress import notifications
from services.progress.domain import (
    CourseOutline,
    Enrollment,
    EnrollmentStatus,
    Learner,
    LearningEvent,
    PathOutline,
)
from services.progress.ingest import record_events
from services.progress.notices import HR_RECIPIENT, EpisodeStatus, Notification
from services.progress.policy import Policy
from services.progress.risk_view import RiskFactor, RiskView
from services.progress.store import ProgressStore
from services.progress.sweep import run_sweep

T = "t1"
MON = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
UNITS = ("u-1", "u-2", "u-3")
ANA = Learner("ana", "Ana", "Picker", "Ops", "day", "Leeds", "boss")
BOSS = Learner("boss", "Boss", "Lead", "Ops", "day", "Leeds", None)
POLICY = Policy(quiet_start=None, quiet_end=None)


@pytest.fixture
async def store() -> AsyncIterator[ProgressStore]:
    store = ProgressStore.connect("memory://")
    await store.ensure_indexes()
    for who in (ANA, BOSS):
        await store.put_learner(tenant=T, learner=who)
    outline = PathOutline("p", (CourseOutline("c", UNITS),), (("All of it", ("c",)),))
    await store.put_outline(tenant=T, outline=outline)
    enrollment = Enrollment("e-ana", "ana", "p", EnrollmentStatus.ACTIVE, MON - timedelta(days=1))
    await store.put_enrollment(tenant=T, enrollment=enrollment)
    yield store
    await store.close()


async def act(store: ProgressStore, n: int, verb: str, unit: str, ts: datetime) -> None:
    event = LearningEvent(f"ev-{n}", "ana", ts, verb, "c", unit)
    await record_events(store=store, tenant=T, events=[event])


async def sent(store: ProgressStore) -> list[Notification]:
    page = await store.alerts.page_of_notifications(
        tenant=T, recipients=None, learners=None, kinds=None,
        unacknowledged=False, first=100, after=None,
    )  # fmt: skip
    return sorted(page.items, key=lambda n: (n.created_at, n.kind))


async def test_a_high_risk_band_alerts_the_manager_with_the_reminder(
    store: ProgressStore,
) -> None:
    await act(store, 1, "launched", "u-1", MON)

    async def high(tenant: str, learner_id: str) -> RiskView | None:
        return RiskView("high", "medium", (RiskFactor("logins falling", "raises"),), "12")

    report = await run_sweep(
        store=store, now=MON + timedelta(hours=49), defaults=POLICY, tenants=[T], risk=high
    )
    assert (report.stalls.reminded, report.stalls.alerted) == (1, 1)
    alert, reminder = await sent(store)  # same sweep: ordered by kind
    assert (reminder.kind, reminder.recipient_id) == ("stall.reminder", "ana")
    assert (alert.kind, alert.recipient_id, alert.learner_id) == ("stall.alert", "boss", "ana")
    assert alert.data["reason"] == "high risk band" and alert.data["unitId"] == "u-1"
    assert alert.data["risk"]["factors"] == [{"label": "logins falling", "direction": "raises"}]
    # Sweeping again changes nothing: one alert per episode.
    again = await run_sweep(
        store=store, now=MON + timedelta(hours=50), defaults=POLICY, tenants=[T], risk=high
    )
    assert (again.stalls.reminded, again.stalls.alerted, again.stalls.opened) == (0, 0, 0)
    assert len(await sent(store)) == 2


async def test_an_unacknowledged_alert_escalates_once_to_hr_without_a_higher_manager(
    store: ProgressStore,
) -> None:
    await act(store, 1, "launched", "u-1", MON)
    hours = [49, 73, 120, 121, 122, 200]  # reminder, alert, not yet, escalation (73 + 48)
    reports = [
        await run_sweep(store=store, now=MON + timedelta(hours=h), defaults=POLICY, tenants=[T])
        for h in hours
    ]
    assert [r.stalls.escalated for r in reports] == [0, 0, 0, 1, 0, 0]
    kinds = [(n.kind, n.recipient_id) for n in await sent(store)]
    assert kinds == [
        ("stall.reminder", "ana"),
        ("stall.alert", "boss"),
        ("stall.escalated", HR_RECIPIENT),
    ]


async def test_the_daily_cap_holds_reminders_back_until_the_next_day(
    store: ProgressStore,
) -> None:
    for n, unit in enumerate(UNITS):
        await act(store, n, "launched", unit, MON + timedelta(minutes=n))
    capped = replace(POLICY, daily_cap=2)
    first = await run_sweep(
        store=store, now=MON + timedelta(hours=50), defaults=capped, tenants=[T]
    )
    assert (first.stalls.opened, first.stalls.reminded) == (3, 2)
    later = await run_sweep(
        store=store, now=MON + timedelta(hours=52), defaults=capped, tenants=[T]
    )
    assert later.stalls.reminded == 0  # still the same day
    next_day = await run_sweep(
        store=store, now=MON + timedelta(hours=64), defaults=capped, tenants=[T]
    )
    assert next_day.stalls.reminded == 1


async def test_a_milestone_stalls_when_nothing_follows_a_finished_unit(
    store: ProgressStore,
) -> None:
    await act(store, 1, "launched", "u-1", MON)
    await act(store, 2, "completed", "u-1", MON + timedelta(minutes=5))
    await run_sweep(store=store, now=MON + timedelta(hours=49), defaults=POLICY, tenants=[T])
    (episode,) = await store.alerts.open_episodes(tenant=T)
    assert (episode.subject, episode.milestone, episode.unit_id) == (
        "milestone",
        "All of it",
        "u-2",
    )
    # Launching the next unit ends the milestone stall at the next sweep.
    await act(store, 3, "launched", "u-2", MON + timedelta(hours=50))
    report = await run_sweep(
        store=store, now=MON + timedelta(hours=51), defaults=POLICY, tenants=[T]
    )
    assert report.stalls.closed == 1 and await store.alerts.open_episodes(tenant=T) == []


async def test_a_leaver_has_no_stall(store: ProgressStore) -> None:
    await act(store, 1, "launched", "u-1", MON)
    await run_sweep(store=store, now=MON + timedelta(hours=49), defaults=POLICY, tenants=[T])
    assert len(await store.alerts.open_episodes(tenant=T)) == 1
    await store.put_learner(tenant=T, learner=replace(ANA, left_at=date(2026, 12, 9)))
    report = await run_sweep(
        store=store, now=MON + timedelta(hours=60), defaults=POLICY, tenants=[T]
    )
    assert report.stalls.closed == 1
    (episode,) = await store.alerts.all_episodes(tenant=T)
    assert episode.status is EpisodeStatus.CLOSED


async def test_units_stalled_together_share_one_alert_and_one_acknowledgement(
    store: ProgressStore,
) -> None:
    await act(store, 1, "launched", "u-1", MON)
    await act(store, 2, "launched", "u-2", MON + timedelta(hours=2))
    for hours in (51, 75, 80):
        await run_sweep(store=store, now=MON + timedelta(hours=hours), defaults=POLICY, tenants=[T])
    alerts = [n for n in await sent(store) if n.kind == "stall.alert"]
    assert len(alerts) == 1
    (alert,) = alerts
    assert alert.subject == "Ana is stuck on unit u-1 (75 h) and 1 more"
    assert [e["unitId"] for e in alert.data["episodes"]] == ["u-1", "u-2"]
    assert alert.data["unitId"] == "u-1" and alert.data["hoursStuck"] == 75.0
    boss = Principal("t1", "boss", frozenset({"manager"}), frozenset({"ana"}))
    await notifications.acknowledge(
        store=store, principal=boss, notice_id=alert.id, now=MON + timedelta(hours=76)
    )
    episodes = await store.alerts.open_episodes(tenant=T)
    assert [e.acknowledged_by for e in episodes] == ["boss", "boss"]
    # Acknowledged: two days later nothing escalates.
    late = await run_sweep(
        store=store, now=MON + timedelta(hours=130), defaults=POLICY, tenants=[T]
    )
    assert late.stalls.escalated == 0
