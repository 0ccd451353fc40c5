"""Notifications and stall episodes: what the outbox holds and what stall detection tracks.

Plain dataclasses; knows neither GraphQL nor MongoDB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its time, a webhook, or a retry
    SENDING = "sending"  # claimed by one deliverer until `lease_until`
    DELIVERED = "delivered"  # a webhook answered 2xx
    DEAD = "dead"  # refused for good (4xx) or out of attempts; kept, never dropped
    WITHDRAWN = "withdrawn"  # a reminder no longer needed before it was due (never sent)


class NoticeKind(StrEnum):
    STALL_REMINDER = "stall.reminder"  # to the learner: the unit they left
    STALL_ALERT = "stall.alert"  # to the manager: a learning-risk alert
    STALL_ESCALATED = "stall.escalated"  # unacknowledged alert, to the manager's manager or HR
    DUE_SOON = "reminder.due_soon"  # unfinished units ahead of a due date
    OVERDUE = "reminder.overdue"  # after a missed milestone
    RISK_BAND_UP = "risk.band_up"  # a report moved up a risk band (risk sweeps)


ALERT_KINDS = frozenset(
    {NoticeKind.STALL_ALERT, NoticeKind.STALL_ESCALATED, NoticeKind.RISK_BAND_UP}
)
REMINDER_KINDS = frozenset({NoticeKind.STALL_REMINDER, NoticeKind.DUE_SOON, NoticeKind.OVERDUE})
HR_RECIPIENT = "hr_admin"  # recipient id of notices addressed to every HR admin of a tenant


@dataclass(frozen=True)
class Notification:
    """One message in the outbox; `dedupe_key` makes enqueueing it idempotent."""

    id: str
    tenant_id: str
    recipient_id: str
    recipient_role: str  # learner, manager or hr_admin
    kind: str
    dedupe_key: str
    subject: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    deliver_after: datetime  # not before: quiet hours and shift starts push it later
    learner_id: str | None = None  # whom it is about (alerts), for scoping
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None


@dataclass(frozen=True)
class NotificationPage:
    items: tuple[Notification, ...]
    has_next: bool
    total: int


class EpisodeStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class StallEpisode:
    """A learner stuck on one unit (or milestone) since `last_progress_at`.

    The id is derived from the learner, the subject and `last_progress_at`, so detecting the
    same stall twice finds the same episode, and any progress starts a new one.
    """

    id: str
    learner_id: str
    subject: str  # "unit" or "milestone"
    unit_id: str  # the unit, or for a milestone the first unit not yet done
    course_id: str | None
    milestone: str | None
    last_progress_at: datetime
    detected_at: datetime
    status: EpisodeStatus = EpisodeStatus.OPEN
    reminded_at: datetime | None = None
    alerted_at: datetime | None = None
    escalated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    closed_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def episode_id(learner_id: str, subject: str, key: str, last_progress_at: datetime) -> str:
    return f"{learner_id}:{subject}:{key}:{last_progress_at.strftime('%Y%m%dT%H%M%S')}"
