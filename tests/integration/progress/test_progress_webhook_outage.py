"""The partner's webhook is down for ten minutes (of the test clock), then back: every
notification arrives once, retries back off instead of hammering, a lost answer is retried under
the same idempotency key, and a tenant without a webhook keeps its notifications pending.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from webhook_receiver import Receiver, Served, free_port

from services.progress import outbox
from services.progress.clock import ManualClock
from services.progress.domain import Learner
from services.progress.notices import DeliveryStatus, NotificationPage
from services.progress.outbox import DeliveryOptions
from services.progress.policy import Policy
from services.progress.store import ProgressStore
from services.progress.sweep import deliver

T0 = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
SECRET = "partner-shared-secret"


@pytest.fixture
async def store() -> AsyncIterator[ProgressStore]:
    store = ProgressStore.connect("memory://")
    await store.ensure_indexes()
    yield store
    await store.close()


async def _enqueue(store: ProgressStore, tenant: str, n: int, now: datetime) -> None:
    created = await outbox.enqueue(
        store=store,
        tenant=tenant,
        recipient_id=f"lrn-{n}",
        recipient_role="learner",
        kind="stall.reminder",
        dedupe_key=f"outage:{tenant}:{n}",
        subject=f"reminder {n}",
        body="pick up where you left off",
        data={"n": n},
        now=now,
        learner_id=f"lrn-{n}",
    )
    assert created


async def test_ten_minutes_down_then_back_delivers_every_notification_once(
    store: ProgressStore,
) -> None:
    clock = ManualClock(T0)
    receiver = Receiver(secret=SECRET, now=clock.now)
    served = Served(receiver.app(), free_port())
    # Both tenants need a roster to be swept; only "up" has a webhook.
    for tenant in ("up", "quiet"):
        await store.put_learner(tenant=tenant, learner=Learner("x", "X", "", "", "day", ""))
    await store.alerts.set_policy_overrides(
        tenant="up", overrides={"webhook_url": served.url, "webhook_secret": SECRET}
    )
    for n in range(6):
        await _enqueue(store, "up", n, clock.now())
    await _enqueue(store, "quiet", 99, clock.now())
    options = DeliveryOptions(backoff_s=30, backoff_cap_s=600, max_attempts=20)
    async with httpx.AsyncClient(timeout=5) as client:

        async def tick() -> None:
            await deliver(
                store=store, now=clock.now(), defaults=Policy(), client=client, delivery=options
            )
            clock.advance(timedelta(seconds=30))

        while clock.now() < T0 + timedelta(minutes=10):  # the target is down
            if clock.now() == T0 + timedelta(minutes=5):
                await _enqueue(store, "up", 6, clock.now())  # created during the outage
            await tick()
        page = await store.alerts.page_of_notifications(
            tenant="up", recipients=None, learners=None, kinds=None,
            unacknowledged=False, first=50, after=None,
        )  # fmt: skip
        assert {n.status for n in page.items} == {DeliveryStatus.PENDING}
        assert all(n.last_error and "Connect" in n.last_error for n in page.items)
        # Back-off: 20 rounds in the outage, yet no notification was tried more than 5 times.
        assert 1 <= max(n.attempts for n in page.items) <= 5
        receiver.lose_answer_once.add(page.items[-1].id)  # its first 2xx never reaches us
        await served.start()
        try:
            while clock.now() < T0 + timedelta(minutes=40):
                await tick()
        finally:
            await served.stop()

    page = await store.alerts.page_of_notifications(
        tenant="up", recipients=None, learners=None, kinds=None,
        unacknowledged=False, first=50, after=None,
    )  # fmt: skip
    assert len(page.items) == 7
    assert {n.status for n in page.items} == {DeliveryStatus.DELIVERED}
    assert set(receiver.shown) == {n.id for n in page.items}
    assert sorted(p["data"]["n"] for p in receiver.shown.values()) == list(range(7))
    # The lost answer was retried with the same key: 8 requests, 7 notifications shown.
    assert len(receiver.requests) == 8 and len(set(receiver.requests)) == 7
    assert receiver.rejected == 0
    quiet = await store.alerts.page_of_notifications(
        tenant="quiet", recipients=None, learners=None, kinds=None,
        unacknowledged=False, first=50, after=None,
    )  # fmt: skip
    assert [(n.status, n.attempts) for n in quiet.items] == [(DeliveryStatus.PENDING, 0)]


async def test_a_refused_notification_is_kept_dead_until_redelivered(store: ProgressStore) -> None:
    clock = ManualClock(T0)
    receiver = Receiver(secret=SECRET, now=clock.now, refuse=True)
    await store.put_learner(tenant="up", learner=Learner("x", "X", "", "", "day", ""))
    hook = "http://partner.test/hook"
    await store.alerts.set_policy_overrides(
        tenant="up", overrides={"webhook_url": hook, "webhook_secret": SECRET}
    )
    await _enqueue(store, "up", 1, clock.now())
    transport = httpx.ASGITransport(app=receiver.app())
    async with httpx.AsyncClient(transport=transport) as client:
        refused = await deliver(store=store, now=clock.now(), defaults=Policy(), client=client)
        assert (refused.dead, refused.retrying, refused.delivered) == (1, 0, 0)
        clock.advance(timedelta(hours=1))
        idle = await deliver(store=store, now=clock.now(), defaults=Policy(), client=client)
        assert (idle.dead, idle.delivered) == (0, 0)  # dead stays dead, nothing is re-posted
        (notice,) = (await _page(store, "up")).items
        assert notice.status is DeliveryStatus.DEAD and "422" in (notice.last_error or "")
        receiver.refuse = False
        assert await store.alerts.requeue_dead(tenant="up", now=clock.now()) == 1
        again = await deliver(store=store, now=clock.now(), defaults=Policy(), client=client)
    assert again.delivered == 1 and list(receiver.shown) == [notice.id]


async def _page(store: ProgressStore, tenant: str) -> NotificationPage:
    return await store.alerts.page_of_notifications(
        tenant=tenant, recipients=None, learners=None, kinds=None,
        unacknowledged=False, first=50, after=None,
    )  # fmt: skip


async def test_two_deliverers_at_once_post_each_notification_once(store: ProgressStore) -> None:
    clock = ManualClock(T0)
    receiver = Receiver(secret=SECRET, now=clock.now)
    await store.put_learner(tenant="up", learner=Learner("x", "X", "", "", "day", ""))
    await store.alerts.set_policy_overrides(
        tenant="up", overrides={"webhook_url": "http://partner.test/hook", "webhook_secret": SECRET}
    )
    for n in range(20):
        await _enqueue(store, "up", n, clock.now())
    transport = httpx.ASGITransport(app=receiver.app())
    async with httpx.AsyncClient(transport=transport) as client:
        reports = await asyncio.gather(
            *(
                deliver(store=store, now=clock.now(), defaults=Policy(), client=client)
                for _ in range(3)
            )
        )
    assert sum(r.delivered for r in reports) == 20
    assert len(receiver.requests) == 20 and len(receiver.shown) == 20
