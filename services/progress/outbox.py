"""The outbox: notifications are stored first, then delivered through the tenant's signed
webhook with retries, so nothing is lost while the target is down.

Enqueueing (the contract other sweeps rely on; keyword-only, idempotent by `dedupe_key`)::

    created = await enqueue(
        store=store,                # the ProgressStore (its `alerts` repository is used)
        tenant="demo",
        recipient_id="mgr-1",       # who reads it (notices.HR_RECIPIENT: every HR admin)
        recipient_role="manager",   # learner, manager or hr_admin
        kind="risk.band_up",        # see notices.NoticeKind
        dedupe_key="risk.band_up:lrn-2:2026-12-10:medium->high",
        subject="...", body="...",  # human-readable text
        data={...},                 # JSON-able details (unit, hours, factors, ...)
        now=clock.now(),
        learner_id="lrn-2",         # optional: whom it is about (scopes managers' queries)
        deliver_after=None,         # optional: not before (quiet hours, shift start)
    )
    # False: a notification with that dedupe key exists already; nothing was written.

Delivery (`deliver_due`) claims due notifications one by one with a lease, posts each, and
on failure reschedules it with exponential back-off (`backoff_s * 2**attempts`, capped);
after `max_attempts` (or a 4xx refusal) it is kept as `dead` until an HR admin redelivers.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from services.progress import webhooks
from services.progress.notices import Notification
from services.progress.policy import Policy
from services.progress.store import ProgressStore


async def enqueue(
    *,
    store: ProgressStore,
    tenant: str,
    recipient_id: str,
    recipient_role: str,
    kind: str,
    dedupe_key: str,
    subject: str,
    body: str,
    data: dict[str, Any],
    now: datetime,
    learner_id: str | None = None,
    deliver_after: datetime | None = None,
) -> bool:
    """Put a notification in the outbox once per (tenant, dedupe_key); True when new."""
    notice = Notification(
        id=new_id(now),
        tenant_id=tenant,
        recipient_id=recipient_id,
        recipient_role=recipient_role,
        kind=kind,
        dedupe_key=dedupe_key,
        subject=subject,
        body=body,
        data=data,
        created_at=now,
        deliver_after=max(now, deliver_after or now),
        learner_id=learner_id,
    )
    return await store.alerts.insert_notification(notice)


def new_id(now: datetime) -> str:
    """Ids sort by creation time (pages are newest first), then by a random suffix."""
    return f"n-{now.strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:10]}"


async def load_policy(*, store: ProgressStore, tenant: str, defaults: Policy) -> Policy:
    """The settings' defaults with the tenant's stored overrides applied."""
    return defaults.with_overrides(await store.alerts.policy_overrides(tenant=tenant))


@dataclass(frozen=True)
class DeliveryOptions:
    max_attempts: int = 15
    backoff_s: float = 30.0
    backoff_cap_s: float = 3600.0
    lease_s: float = 60.0
    batch: int = 500  # at most this many attempts per call, so one call stays short


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


def retry_delay(options: DeliveryOptions, notice_id: str, attempts: int) -> timedelta:
    """Exponential back-off with a steady per-notification jitter of up to 10 %."""
    base = min(options.backoff_s * 2 ** max(0, attempts - 1), options.backoff_cap_s)
    jitter = int(hashlib.sha256(notice_id.encode()).hexdigest()[:4], 16) / 0xFFFF
    return timedelta(seconds=base * (1 + 0.1 * jitter))


async def deliver_due(
    *,
    store: ProgressStore,
    policies: dict[str, Policy],
    client: httpx.AsyncClient,
    now: datetime,
    options: DeliveryOptions | None = None,
) -> DeliveryReport:
    """Post every notification due at `now` for tenants whose policy names a webhook."""
    options = options or DeliveryOptions()
    report = DeliveryReport()
    targets = {t: p for t, p in policies.items() if p.webhook_url and p.webhook_secret}
    lease = timedelta(seconds=options.lease_s)
    for _ in range(options.batch):
        if not targets:
            break
        notice = await store.alerts.claim_due(tenants=targets, now=now, lease=lease)
        if notice is None:
            break
        policy = targets[notice.tenant_id]
        assert policy.webhook_url and policy.webhook_secret  # filtered above
        attempt = await webhooks.post(
            client, url=policy.webhook_url, secret=policy.webhook_secret, notice=notice, now=now
        )
        tenant, attempts = notice.tenant_id, notice.attempts + 1
        if attempt.ok:
            await store.alerts.mark_delivered(tenant=tenant, notice_id=notice.id, now=now)
            report.delivered += 1
            continue
        if attempt.retryable:
            del targets[tenant]  # the target is down: its other notices wait, untried
        give_up = not attempt.retryable or attempts >= options.max_attempts
        retry_at = None if give_up else now + retry_delay(options, notice.id, attempts)
        await store.alerts.mark_failed(
            tenant=tenant, notice_id=notice.id, error=attempt.error or "", retry_at=retry_at
        )
        if give_up:
            report.dead += 1
        else:
            report.retrying += 1
    return report
