"""Notifications over GraphQL: who sees which inbox and alerts, who may acknowledge, the HR
admin's policy, the test clock's guard, and the background delivery loop's start and stop."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from progress_helpers import HR, KEY, MANAGER, caller, codes, gql, serving

from services.progress import outbox
from services.progress.app import create_app
from services.progress.domain import Learner
from services.progress.notifier import Notifier
from services.progress.policy import Policy
from services.progress.settings import ProgressSettings
from services.progress.store import ProgressStore
from services.progress.sweep import run_sweep

ALERTS = """query ($first: Int!, $after: String) { alerts(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id kind recipientId learnerId stall { unitId hoursStuck } } } } }"""
INBOX = "{ notifications { totalCount edges { node { recipientId kind } } } }"
ACK = "mutation ($id: ID!) { acknowledgeAlert(id: $id) { acknowledgedBy acknowledgedAt } }"
EPISODES = """query ($id: ID) { stallEpisodes(learnerId: $id) {
  learnerId status acknowledgedBy } }"""
CONFIGURE = """mutation ($input: NotificationPolicyInput!) { configureNotifications(input: $input) {
  webhookUrl webhookSecretSet newWebhookSecret quietHours dailyCap } }"""
POLICY = "{ notificationPolicy { webhookUrl webhookSecretSet newWebhookSecret quietHours } }"
ADVANCE = "mutation { advanceClock(bySeconds: 60) { asOf } }"
OTHER_MANAGER = caller("mgr-2", roles=("manager",), reports=("lrn-9",))


async def swept(store: ProgressStore) -> None:
    """Two sweeps a day apart: the demo org's stalled learners are reminded, then alerted."""
    now = datetime.now(UTC)  # the demo org is seeded relative to the wall clock
    quiet_free = Policy(quiet_start=None, quiet_end=None)
    for later in (0, 25):
        await run_sweep(
            store=store, now=now + timedelta(hours=later), defaults=quiet_free, tenants=["demo"]
        )


async def test_managers_page_through_their_own_alerts_and_learners_get_none(
    client: httpx.AsyncClient, store: ProgressStore
) -> None:
    await swept(store)
    first = (await gql(client, ALERTS, {"first": 1}, principal=MANAGER))["data"]["alerts"]
    assert first["totalCount"] >= 2 and first["pageInfo"]["hasNextPage"]
    after = first["pageInfo"]["endCursor"]
    rest = await gql(client, ALERTS, {"first": 50, "after": after}, principal=MANAGER)
    nodes = [e["node"] for e in first["edges"] + rest["data"]["alerts"]["edges"]]
    assert len(nodes) == first["totalCount"] == len({n["id"] for n in nodes})
    assert {n["recipientId"] for n in nodes} == {"mgr-1"}
    assert {n["learnerId"] for n in nodes} <= MANAGER.reports
    assert all(n["kind"] == "stall.alert" and n["stall"]["hoursStuck"] > 48 for n in nodes)
    assert codes(await gql(client, ALERTS, {"first": 5}, principal=caller("lrn-2"))) == [
        "FORBIDDEN"
    ]
    acme_hr = caller("hr-acme", tenant="acme", roles=("hr_admin",))
    other = await gql(client, ALERTS, {"first": 5}, principal=acme_hr)
    assert other["data"]["alerts"]["totalCount"] == 0
    inbox = (await gql(client, INBOX, principal=caller("lrn-2")))["data"]["notifications"]
    assert inbox["totalCount"] >= 1
    assert {e["node"]["recipientId"] for e in inbox["edges"]} == {"lrn-2"}


async def test_only_the_alerts_manager_or_hr_acknowledges_and_the_episode_records_it(
    client: httpx.AsyncClient, store: ProgressStore
) -> None:
    await swept(store)
    page = (await gql(client, ALERTS, {"first": 50}, principal=MANAGER))["data"]["alerts"]
    alert = next(e["node"] for e in page["edges"] if e["node"]["learnerId"] == "lrn-2")
    for stranger in (OTHER_MANAGER, caller("lrn-2")):
        assert codes(await gql(client, ACK, {"id": alert["id"]}, principal=stranger)) == [
            "FORBIDDEN"
        ]
    done = (await gql(client, ACK, {"id": alert["id"]}, principal=MANAGER))["data"]
    assert done["acknowledgeAlert"]["acknowledgedBy"] == "mgr-1"
    episodes = (await gql(client, EPISODES, {"id": "lrn-2"}, principal=MANAGER))["data"]
    assert [e["acknowledgedBy"] for e in episodes["stallEpisodes"]] == ["mgr-1"]
    assert codes(await gql(client, EPISODES, {"id": "lrn-3"}, principal=caller("lrn-2"))) == [
        "FORBIDDEN"
    ]
    missing = await gql(client, ACK, {"id": "n-nope"}, principal=MANAGER)
    assert codes(missing) == ["NOT_FOUND"]


async def test_hr_sets_the_webhook_once_sees_its_secret_and_bad_input_names_the_field(
    client: httpx.AsyncClient,
) -> None:
    hook = {"webhookUrl": "https://chat.example/hooks/learnpulse", "dailyCap": 3}
    assert codes(await gql(client, CONFIGURE, {"input": hook}, principal=MANAGER)) == ["FORBIDDEN"]
    made = (await gql(client, CONFIGURE, {"input": hook}, principal=HR))["data"]
    config = made["configureNotifications"]
    assert config["webhookSecretSet"] and len(config["newWebhookSecret"]) >= 32
    assert config["dailyCap"] == 3 and config["quietHours"] == "21:00-07:00"
    shown = (await gql(client, POLICY, principal=HR))["data"]["notificationPolicy"]
    assert shown["webhookUrl"] == hook["webhookUrl"] and shown["webhookSecretSet"]
    assert shown["newWebhookSecret"] is None
    bad = await gql(client, CONFIGURE, {"input": {"quietHours": "late"}}, principal=HR)
    assert codes(bad) == ["BAD_USER_INPUT"]
    assert bad["errors"][0]["extensions"]["argument"] == "quietHours"
    off = await gql(client, CONFIGURE, {"input": {"quietHours": "off"}}, principal=HR)
    assert off["data"]["configureNotifications"]["quietHours"] is None


async def test_the_test_clock_mutation_is_off_unless_the_setting_enables_it(
    client: httpx.AsyncClient,
) -> None:
    assert codes(await gql(client, ADVANCE, principal=HR)) == ["FORBIDDEN"]


async def test_the_background_loop_delivers_while_the_app_runs_and_stops_with_it(
    tmp_path: Path,
) -> None:
    received: list[dict[str, Any]] = []

    async def hook(request: httpx.Request) -> httpx.Response:
        received.append({"key": request.headers["Idempotency-Key"]})
        return httpx.Response(200)

    settings = ProgressSettings(
        internal_secret=KEY.decode(),
        state_dir=tmp_path,
        mongo_url="memory://",
        seed_demo=False,
        delivery_interval_s=0.01,
        sweep_interval_s=0,
        webhook_url="http://partner.test/hook",
        webhook_secret="s",
    )
    store = ProgressStore.connect("memory://")
    await store.put_learner(tenant="t", learner=Learner("a", "A", "", "", "day", ""))
    async with httpx.AsyncClient(transport=httpx.MockTransport(hook)) as hooks:
        app = create_app(settings, store=store, notifier=Notifier(settings, client=hooks))
        async with serving(app):
            now = datetime.now(UTC)
            await outbox.enqueue(
                store=store, tenant="t", recipient_id="a", recipient_role="learner",
                kind="reminder.due_soon", dedupe_key="k", subject="s", body="b", data={}, now=now,
            )  # fmt: skip
            for _ in range(500):  # the loop's next tick delivers it
                if received:
                    break
                await asyncio.sleep(0.01)
        assert [r["key"] for r in received] == [received[0]["key"]]
        assert not [t for t in asyncio.all_tasks() if t.get_name() == "learnpulse-notify"]
    await store.close()


async def test_the_test_clock_moves_to_a_time_or_by_seconds_and_sweeps_the_callers_tenant(
    tmp_path: Path, store: ProgressStore
) -> None:
    settings = ProgressSettings(
        internal_secret=KEY.decode(),
        state_dir=tmp_path,
        mongo_url="memory://",
        test_clock=True,
        delivery_interval_s=0,
        sweep_interval_s=0,
    )
    app = create_app(settings, store=store, notifier=Notifier(settings))
    transport = httpx.ASGITransport(app=app)
    later = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    to = "mutation ($to: DateTime!) { advanceClock(to: $to) { asOf stallsOpened alerts } }"
    async with httpx.AsyncClient(transport=transport, base_url="http://progress") as client:
        moved = (await gql(client, to, {"to": later.isoformat()}, principal=HR))["data"]
        swept = moved["advanceClock"]
        assert datetime.fromisoformat(swept["asOf"]) == later
        assert swept["stallsOpened"] >= 2  # the demo org's stalled learners, demo tenant only
        step = (await gql(client, ADVANCE, principal=HR))["data"]["advanceClock"]
        assert datetime.fromisoformat(step["asOf"]) == later + timedelta(seconds=60)
        both = 'mutation { advanceClock(to: "2026-12-10T09:00:00Z", bySeconds: 5) { asOf } }'
        bad = await gql(client, both, principal=HR)
        assert codes(bad) == ["BAD_USER_INPUT"] and bad["errors"][0]["extensions"]["argument"]
        assert codes(await gql(client, ADVANCE, principal=MANAGER)) == ["FORBIDDEN"]
    assert await store.alerts.open_episodes(tenant="acme") == []  # the caller's tenant only
    # ... though acme has a stall of its own (a milestone left half done) a sweep there finds.
    await run_sweep(store=store, now=later, defaults=Policy(), tenants=["acme"])
    assert len(await store.alerts.open_episodes(tenant="acme")) == 1
