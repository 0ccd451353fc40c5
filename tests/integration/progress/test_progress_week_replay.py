"""A synthetic week for a team, replayed hour by hour through the test clock: a learner stuck on
one unit gets a reminder after 48 hours, their manager one alert naming the unit, the hours and
the factors; the manager acknowledges; the episode closes when the learner finishes the unit.
Every notification reaches the partner's webhook once, signed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from webhook_receiver import Receiver

from learnpulse.auth import principal_for
from learnpulse.testing import post_as
from services.progress.app import create_app
from services.progress.clock import ManualClock
from services.progress.domain import (
    CourseOutline,
    Enrollment,
    EnrollmentStatus,
    Learner,
    PathOutline,
)
from services.progress.notifier import Notifier
from services.progress.risk_view import RiskFactor, RiskView
from services.progress.settings import ProgressSettings
from services.progress.store import ProgressStore

KEY = b"week-replay-internal-key"
MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
UNITS = ("u-w-1", "u-w-2", "u-w-3", "u-w-4")
HR = principal_for("team", "hr-w", ["hr_admin"])
MANAGER = principal_for("team", "mgr-w", ["manager"], ["lrn-a", "lrn-b"])
FACTORS = (RiskFactor("replays rising", "raises"), RiskFactor("quiz errors: forklift", "raises"))


@dataclass
class World:
    client: httpx.AsyncClient
    clock: ManualClock
    receiver: Receiver
    store: ProgressStore

    async def gql(self, query: str, who: Any, **variables: Any) -> dict[str, Any]:
        body = await post_as(self.client, query, variables, principal=who, key=KEY)
        assert "errors" not in body, body["errors"]
        return dict(body["data"])


async def medium_risk(tenant: str, learner_id: str) -> RiskView | None:
    """The risk sweeps' latest assessment, as stall detection reads it (medium: no shortcut)."""
    return RiskView("medium", "medium", FACTORS, "7") if tenant == "team" else None


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    settings = ProgressSettings(
        internal_secret=KEY.decode(),
        state_dir=tmp_path,
        mongo_url="memory://",
        seed_demo=False,
        test_clock=True,
        delivery_interval_s=0,
        sweep_interval_s=0,
    )
    store = ProgressStore.connect("memory://")
    await store.ensure_indexes()
    for who, manager in (("lrn-a", "mgr-w"), ("lrn-b", "mgr-w"), ("mgr-w", None)):
        learner = Learner(who, who.upper(), "Picker", "Ops", "day", "Leeds", manager)
        await store.put_learner(tenant="team", learner=learner)
    outline = PathOutline("p-w", (CourseOutline("c-w", UNITS),), (("Floor ready", ("c-w",)),))
    await store.put_outline(tenant="team", outline=outline)
    for who in ("lrn-a", "lrn-b"):
        enrollment = Enrollment(
            f"e-{who}", who, "p-w", EnrollmentStatus.ACTIVE, MONDAY, MONDAY + timedelta(days=30)
        )
        await store.put_enrollment(tenant="team", enrollment=enrollment)
    clock = ManualClock(MONDAY)
    receiver = Receiver(secret="", now=clock.now)
    hooks = httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver.app()))
    notifier = Notifier(settings, client=hooks, risk=medium_risk)
    app = create_app(settings, store=store, clock=clock, notifier=notifier)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://progress") as client:
        yield World(client, clock, receiver, store)
    await hooks.aclose()
    await store.close()


CONFIGURE = """mutation ($url: String!) {
  configureNotifications(input: {webhookUrl: $url}) { webhookUrl newWebhookSecret stallHours }
}"""
RECORD = """mutation ($events: [LearningEventInput!]!) { recordEvents(events: $events) { new } }"""
ADVANCE = """mutation { advanceClock(bySeconds: 3600) {
  asOf stallsOpened stallReminders alerts escalations stallsClosed delivered retrying } }"""
ALERTS = """{ alerts(first: 50) { totalCount edges { node {
  id kind learnerId subject status
  stall { unitId hoursStuck reason unitReplays recentErrorsBySkill { skill errors }
          riskAvailable modelVersion factors { label direction } } } } } }"""
INBOX = """{ notifications(first: 50) { totalCount edges { node { kind stall { unitId } } } } }"""
EPISODES = """query ($id: ID!) { stallEpisodes(learnerId: $id) {
  unitId status remindedAt alertedAt acknowledgedAt escalatedAt closedAt } }"""
ACK = """mutation ($id: ID!) { acknowledgeAlert(id: $id) { acknowledgedAt acknowledgedBy } }"""


def _event(who: str, n: int, ts: datetime, verb: str, unit: str, **extra: Any) -> dict[str, Any]:
    return (
        {"id": f"{who}-{n}", "verb": verb, "ts": ts.isoformat(), "unitId": unit}
        | {"courseId": "c-w"}
        | extra
    )


def _week_plan() -> dict[datetime, list[tuple[str, list[dict[str, Any]]]]]:
    """Events by the hour they happen in: lrn-a leaves u-w-2 on Monday 09:10 and finishes it
    on Friday; lrn-b finishes one unit a day."""
    day = MONDAY.replace(hour=9)
    a = [
        _event("lrn-a", 1, day, "launched", "u-w-1"),
        _event("lrn-a", 2, day + timedelta(minutes=4), "completed", "u-w-1"),
        _event("lrn-a", 3, day + timedelta(minutes=5), "launched", "u-w-2"),
        _event("lrn-a", 4, day + timedelta(minutes=7), "progressed", "u-w-2", durationS=120),
        _event("lrn-a", 5, day + timedelta(minutes=8), "replayed", "u-w-2", durationS=60),
        _event(
            "lrn-a", 6, day + timedelta(minutes=10), "answered", "u-w-2",
            success=False, skill="forklift",
        ),
    ]  # fmt: skip
    friday = day + timedelta(days=4, minutes=30)
    plan: dict[datetime, list[tuple[str, list[dict[str, Any]]]]] = {
        day: [("lrn-a", a)],
        friday: [("lrn-a", [_event("lrn-a", 7, friday, "completed", "u-w-2")])],
    }
    for i, unit in enumerate(UNITS):
        ts = day + timedelta(days=i, minutes=20)
        b = [_event("lrn-b", 2 * i, ts, "launched", unit)]
        b.append(_event("lrn-b", 2 * i + 1, ts + timedelta(minutes=5), "completed", unit))
        plan.setdefault(ts, []).append(("lrn-b", b))
    return plan


async def test_a_week_stuck_on_one_unit_reminds_alerts_once_and_closes(world: World) -> None:
    hook = "http://receiver.test/hook"
    configured = (await world.gql(CONFIGURE, HR, url=hook))["configureNotifications"]
    assert configured["webhookUrl"] == hook and configured["stallHours"] == 48.0
    world.receiver.secret = configured["newWebhookSecret"]
    plan = _week_plan()
    last_progress = MONDAY.replace(hour=9, minute=10)
    reminded_at = alerted_at = None
    acknowledged = False
    while world.clock.now() < MONDAY + timedelta(days=6):
        hour_start = world.clock.now()
        for ts in sorted(t for t in plan if hour_start <= t < hour_start + timedelta(hours=1)):
            for who, events in plan[ts]:
                learner = principal_for("team", who, ["learner"])
                await world.gql(RECORD, learner, events=events)
        swept = (await world.gql(ADVANCE, HR))["advanceClock"]
        now = datetime.fromisoformat(swept["asOf"])
        assert swept["retrying"] == 0 and swept["escalations"] == 0
        if swept["stallReminders"]:
            assert reminded_at is None, "one reminder per episode"
            reminded_at = now
        if swept["alerts"]:
            assert alerted_at is None, "one alert per episode"
            alerted_at = now
        if alerted_at and not acknowledged and now >= alerted_at + timedelta(hours=2):
            alerts = (await world.gql(ALERTS, MANAGER))["alerts"]
            await world.gql(ACK, MANAGER, id=alerts["edges"][0]["node"]["id"])
            acknowledged = True

    # The reminder came with the first sweep after 48 hours without progress (48 h 50 min).
    assert reminded_at == last_progress + timedelta(hours=48, minutes=50)
    inbox = (await world.gql(INBOX, principal_for("team", "lrn-a", ["learner"])))["notifications"]
    assert [(e["node"]["kind"], e["node"]["stall"]["unitId"]) for e in inbox["edges"]] == [
        ("stall.reminder", "u-w-2")
    ]
    # One alert, a day after the reminder, naming the unit, the hours and the factors.
    assert alerted_at == reminded_at + timedelta(hours=24)
    alerts = (await world.gql(ALERTS, MANAGER))["alerts"]
    assert alerts["totalCount"] == 1
    alert = alerts["edges"][0]["node"]
    assert alert["kind"] == "stall.alert" and alert["learnerId"] == "lrn-a"
    assert "u-w-2" in alert["subject"] and "73 h" in alert["subject"]
    stall = alert["stall"]
    assert stall["unitId"] == "u-w-2" and 72.0 < stall["hoursStuck"] < 74.0
    assert stall["reason"] == "no progress after a reminder"
    assert stall["unitReplays"] == 1
    assert stall["recentErrorsBySkill"] == [{"skill": "forklift", "errors": 1}]
    assert stall["riskAvailable"] and stall["modelVersion"] == "7"
    assert [f["label"] for f in stall["factors"]] == ["replays rising", "quiz errors: forklift"]
    # Finishing the unit on Friday closed the episode at the next sweep; nothing escalated.
    (episode,) = (await world.gql(EPISODES, MANAGER, id="lrn-a"))["stallEpisodes"]
    assert episode["unitId"] == "u-w-2" and episode["status"] == "CLOSED"
    closed = datetime.fromisoformat(episode["closedAt"])
    assert closed == MONDAY.replace(hour=10) + timedelta(days=4)
    assert episode["acknowledgedAt"] is not None and episode["escalatedAt"] is None
    assert (await world.gql(EPISODES, MANAGER, id="lrn-b"))["stallEpisodes"] == []
    # The partner's webhook showed the reminder and the alert, once each, signature verified.
    shown = sorted((p["kind"], p["recipient"]["id"]) for p in world.receiver.shown.values())
    assert shown == [("stall.alert", "mgr-w"), ("stall.reminder", "lrn-a")]
    assert len(world.receiver.requests) == 2 and world.receiver.rejected == 0
