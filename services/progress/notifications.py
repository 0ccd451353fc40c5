"""Notification use cases behind GraphQL: inboxes, managers' alerts, stall episodes,
acknowledgement and the tenant's policy. Each checks the caller's role and scope first.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from learnpulse.auth import Principal
from learnpulse.paging import check_first, decode_cursor
from services.progress.access import check_can_view
from services.progress.errors import Forbidden, InvalidArgument, NotFound
from services.progress.notices import (
    ALERT_KINDS,
    HR_RECIPIENT,
    Notification,
    NotificationPage,
    StallEpisode,
)
from services.progress.outbox import load_policy
from services.progress.policy import Policy
from services.progress.store import ProgressStore


async def inbox(
    *,
    store: ProgressStore,
    principal: Principal,
    first: int,
    after: str | None,
    kinds: list[str] | None,
) -> NotificationPage:
    """What was sent to the caller (and, for an HR admin, to every HR admin), newest first."""
    if not principal.has("learner", "manager", "hr_admin"):
        raise Forbidden("only learners, managers and HR admins receive notifications")
    recipients = {principal.subject} | ({HR_RECIPIENT} if principal.has("hr_admin") else set())
    return await store.alerts.page_of_notifications(
        tenant=principal.tenant,
        recipients=recipients,
        learners=None,
        kinds=kinds,
        unacknowledged=False,
        first=check_first(first),
        after=decode_cursor(after),
    )


async def alerts(
    *,
    store: ProgressStore,
    principal: Principal,
    first: int,
    after: str | None,
    learner_id: str | None,
    unacknowledged: bool,
) -> NotificationPage:
    """Learning-risk alerts: a manager's own, or every alert of the tenant for an HR admin."""
    if not principal.has("manager", "hr_admin"):
        raise Forbidden("only managers and HR admins receive alerts")
    if learner_id is not None:
        check_can_view(principal, learner_id)
    recipients = None if principal.has("hr_admin") else {principal.subject}
    return await store.alerts.page_of_notifications(
        tenant=principal.tenant,
        recipients=recipients,
        learners=None if learner_id is None else {learner_id},
        kinds=sorted(ALERT_KINDS),
        unacknowledged=unacknowledged,
        first=check_first(first),
        after=decode_cursor(after),
    )


async def acknowledge(
    *, store: ProgressStore, principal: Principal, notice_id: str, now: datetime
) -> Notification:
    """A manager (or HR admin) acknowledges an alert: its stall episodes stop escalating."""
    notice = await store.alerts.notification(tenant=principal.tenant, notice_id=notice_id)
    if notice is None or notice.kind not in ALERT_KINDS:
        raise NotFound(f"no alert {notice_id!r} in tenant {principal.tenant!r}")
    addressed = notice.recipient_id == principal.subject
    manages = principal.has("manager") and notice.learner_id in principal.reports
    if not (addressed or manages or principal.has("hr_admin")):
        raise Forbidden(f"alert {notice_id!r} is not yours to acknowledge")
    done = await store.alerts.acknowledge(
        tenant=principal.tenant, notice_id=notice_id, by=principal.subject, now=now
    )
    assert done is not None  # it was found above, and notifications are never deleted
    ids = notice.data.get("episodeIds") or [notice.data.get("episodeId")]
    for episode in filter(None, ids):
        found = await store.alerts.episode(tenant=principal.tenant, episode_id=str(episode))
        if found is not None and found.acknowledged_at is None:
            await store.alerts.update_episode(
                tenant=principal.tenant,
                episode_id=found.id,
                acknowledged_at=done.acknowledged_at,
                acknowledged_by=done.acknowledged_by,
            )
    return done


async def stall_episodes(
    *, store: ProgressStore, principal: Principal, learner_id: str | None, open_only: bool
) -> list[StallEpisode]:
    """A learner's stall episodes (or all of the caller's team's), oldest first."""
    if learner_id is not None:
        check_can_view(principal, learner_id)
        ids = {learner_id}
    elif principal.has("hr_admin"):
        ids = None
    elif principal.has("manager"):
        ids = set(principal.reports)
    else:
        ids = {principal.subject}
    if ids is None:
        found = await store.alerts.all_episodes(tenant=principal.tenant)
    else:
        found = await store.alerts.episodes_of(tenant=principal.tenant, learner_ids=ids)
    return [e for e in found if not open_only or e.status.value == "open"]


def check_hr(principal: Principal) -> None:
    if not principal.has("hr_admin"):
        raise Forbidden("only HR admins manage notification settings")


async def policy(*, store: ProgressStore, principal: Principal, defaults: Policy) -> Policy:
    check_hr(principal)
    return await load_policy(store=store, tenant=principal.tenant, defaults=defaults)


@dataclass(frozen=True)
class Configured:
    policy: Policy
    new_secret: str | None  # shown once, when one was generated


async def configure(
    *,
    store: ProgressStore,
    principal: Principal,
    defaults: Policy,
    changes: dict[str, Any],
    rotate_secret: bool,
) -> Configured:
    """Apply an HR admin's changes to the tenant's policy; a webhook without a secret gets one."""
    check_hr(principal)
    current = await load_policy(store=store, tenant=principal.tenant, defaults=defaults)
    new_secret = None
    url = changes.get("webhook_url", current.webhook_url)
    if url and (rotate_secret or not current.webhook_secret):
        new_secret = changes["webhook_secret"] = secrets.token_urlsafe(32)
    elif rotate_secret:
        raise InvalidArgument("rotateWebhookSecret", "set a webhookUrl before rotating its secret")
    updated = current.with_overrides(changes).check()
    await store.alerts.set_policy_overrides(tenant=principal.tenant, overrides=changes)
    return Configured(updated, new_secret)
