"""GraphQL for notifications: inboxes, managers' alerts, stall episodes, the tenant's policy,
acknowledgement, and the test-only `advanceClock`. Resolvers delegate to `notifications`; the
notification and episode types are in `notice_types`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import strawberry

from services.progress import notifications
from services.progress.clock import ManualClock
from services.progress.errors import Forbidden, InvalidArgument
from services.progress.notice_types import Notification, NotificationConnection, StallEpisodeView
from services.progress.notifier import Notifier
from services.progress.policy import Policy, parse_quiet_hours, parse_shift_starts
from services.progress.types import ProgressInfo

MAX_ADVANCE = timedelta(days=366)


@strawberry.type(description="A tenant's notification policy (the secret is never shown).")
class NotificationPolicy:
    stall_hours: float
    alert_after_hours: float
    escalate_after_hours: float
    high_risk_bands: list[str]
    quiet_hours: str | None = strawberry.field(description="Local HH:MM-HH:MM, or null.")
    daily_cap: int
    remind_before_due_days: float
    shift_starts: str = strawberry.field(description="shift=HH:MM pairs, comma-separated.")
    learning_minutes: int
    timezone: str
    webhook_url: str | None
    webhook_secret_set: bool
    new_webhook_secret: str | None = strawberry.field(
        description="Only in the answer that generated it: the HMAC key of the webhook."
    )

    @classmethod
    def from_domain(cls, p: Policy, new_secret: str | None = None) -> NotificationPolicy:
        quiet = None
        if p.quiet_start is not None and p.quiet_end is not None:
            quiet = f"{p.quiet_start:%H:%M}-{p.quiet_end:%H:%M}"
        return cls(
            stall_hours=p.stall_hours,
            alert_after_hours=p.alert_after_hours,
            escalate_after_hours=p.escalate_after_hours,
            high_risk_bands=list(p.high_bands),
            quiet_hours=quiet,
            daily_cap=p.daily_cap,
            remind_before_due_days=p.remind_before_due_days,
            shift_starts=",".join(f"{k}={t:%H:%M}" for k, t in sorted(p.shift_starts.items())),
            learning_minutes=p.learning_minutes,
            timezone=p.timezone,
            webhook_url=p.webhook_url,
            webhook_secret_set=bool(p.webhook_secret),
            new_webhook_secret=new_secret,
        )


@strawberry.input(description="Only the fields given change; quietHours 'off' turns them off.")
class NotificationPolicyInput:
    stall_hours: float | None = None
    alert_after_hours: float | None = None
    escalate_after_hours: float | None = None
    high_risk_bands: list[str] | None = None
    quiet_hours: str | None = None
    daily_cap: int | None = None
    remind_before_due_days: float | None = None
    shift_starts: str | None = None
    learning_minutes: int | None = None
    timezone: str | None = None
    webhook_url: str | None = strawberry.field(default=None, description="'' removes it.")
    rotate_webhook_secret: bool = False

    def changes(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in (
            "stall_hours",
            "alert_after_hours",
            "escalate_after_hours",
            "daily_cap",
            "remind_before_due_days",
            "learning_minutes",
            "timezone",
        ):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.high_risk_bands is not None:
            out["high_bands"] = tuple(self.high_risk_bands)
        if self.quiet_hours is not None:
            out["quiet_start"], out["quiet_end"] = parse_quiet_hours(self.quiet_hours)
        if self.shift_starts is not None:
            out["shift_starts"] = parse_shift_starts(self.shift_starts)
        if self.webhook_url is not None:
            out["webhook_url"] = self.webhook_url or None
            if not self.webhook_url:
                out["webhook_secret"] = None
        return out


@strawberry.type(description="What one sweep did (the test clock's `advanceClock`).")
class SweepSummary:
    as_of: datetime
    stalls_open: int
    stalls_opened: int
    stall_reminders: int
    alerts: int
    escalations: int
    stalls_closed: int
    reminders_queued: int
    reminders_capped: int
    reminders_withdrawn: int
    delivered: int
    retrying: int
    dead: int


def _notifier(info: ProgressInfo) -> Notifier:
    notifier = info.context.notifier
    if notifier is None:
        raise RuntimeError("the progress app was built without a notifier")
    return notifier


@strawberry.type
class NotifyQuery:
    @strawberry.field(
        description="The caller's notifications (an HR admin's include those to every HR "
        "admin), newest first; `kinds` filters."
    )
    async def notifications(
        self,
        info: ProgressInfo,
        first: int = 20,
        after: str | None = None,
        kinds: list[str] | None = None,
    ) -> NotificationConnection:
        ctx = info.context
        page = await notifications.inbox(
            store=ctx.store, principal=ctx.principal, first=first, after=after, kinds=kinds
        )
        return NotificationConnection.from_page(page)

    @strawberry.field(
        description="Learning-risk alerts: a manager's own, or the tenant's for an HR admin; "
        "newest first."
    )
    async def alerts(
        self,
        info: ProgressInfo,
        first: int = 20,
        after: str | None = None,
        learner_id: strawberry.ID | None = None,
        unacknowledged_only: bool = False,
    ) -> NotificationConnection:
        ctx = info.context
        page = await notifications.alerts(
            store=ctx.store,
            principal=ctx.principal,
            first=first,
            after=after,
            learner_id=learner_id,
            unacknowledged=unacknowledged_only,
        )
        return NotificationConnection.from_page(page)

    @strawberry.field(
        description="Stall episodes of a learner in scope, or of the caller's team (a manager's "
        "reports, the tenant for an HR admin, themself for a learner)."
    )
    async def stall_episodes(
        self, info: ProgressInfo, learner_id: strawberry.ID | None = None, open_only: bool = False
    ) -> list[StallEpisodeView]:
        ctx = info.context
        found = await notifications.stall_episodes(
            store=ctx.store, principal=ctx.principal, learner_id=learner_id, open_only=open_only
        )
        return [StallEpisodeView.from_domain(e) for e in found]

    @strawberry.field(description="HR admins: the tenant's notification policy.")
    async def notification_policy(self, info: ProgressInfo) -> NotificationPolicy:
        ctx = info.context
        found = await notifications.policy(
            store=ctx.store, principal=ctx.principal, defaults=_notifier(info).defaults
        )
        return NotificationPolicy.from_domain(found)


@strawberry.type
class NotifyMutation:
    @strawberry.mutation(
        description="Acknowledge an alert (its manager or an HR admin): escalation stops."
    )
    async def acknowledge_alert(self, info: ProgressInfo, id: strawberry.ID) -> Notification:
        ctx = info.context
        done = await notifications.acknowledge(
            store=ctx.store, principal=ctx.principal, notice_id=id, now=ctx.clock.now()
        )
        return Notification.from_domain(done)

    @strawberry.mutation(
        description="HR admins: change the tenant's notification policy and webhook; a new "
        "webhook (or rotateWebhookSecret) answers its HMAC secret once."
    )
    async def configure_notifications(
        self, info: ProgressInfo, input: NotificationPolicyInput
    ) -> NotificationPolicy:
        ctx = info.context
        done = await notifications.configure(
            store=ctx.store,
            principal=ctx.principal,
            defaults=_notifier(info).defaults,
            changes=input.changes(),
            rotate_secret=input.rotate_webhook_secret,
        )
        return NotificationPolicy.from_domain(done.policy, done.new_secret)

    @strawberry.mutation(description="HR admins: retry every dead notification of the tenant.")
    async def redeliver_notifications(self, info: ProgressInfo) -> int:
        ctx = info.context
        notifications.check_hr(ctx.principal)
        return await ctx.store.alerts.requeue_dead(tenant=ctx.tenant, now=ctx.clock.now())

    @strawberry.mutation(
        description="Test clock only (LEARNPULSE_TEST_CLOCK=1, HR admins): set the clock `to` a "
        "time or advance it `bySeconds`, then sweep the caller's tenant as of the new now."
    )
    async def advance_clock(
        self,
        info: ProgressInfo,
        to: datetime | None = None,
        by_seconds: int | None = None,
        sweep: bool = True,
    ) -> SweepSummary:
        ctx = info.context
        notifier = _notifier(info)
        if not notifier.test_clock or not isinstance(ctx.clock, ManualClock):
            raise Forbidden("advanceClock needs LEARNPULSE_TEST_CLOCK=1")
        notifications.check_hr(ctx.principal)
        if (to is None) == (by_seconds is None):
            raise InvalidArgument("to", "give exactly one of `to` and `bySeconds`")
        if by_seconds is not None:
            if not 0 <= by_seconds <= MAX_ADVANCE.total_seconds():
                raise InvalidArgument("bySeconds", "bySeconds must be 0..31622400")
            ctx.clock.advance(timedelta(seconds=by_seconds))
        elif to is not None:
            ctx.clock.set(to)
        now = ctx.clock.now()
        if not sweep:
            return SweepSummary(as_of=now, **dict.fromkeys(_COUNTS, 0))
        r = await notifier.sweep(store=ctx.store, clock=ctx.clock, tenants=[ctx.tenant])
        return SweepSummary(
            as_of=r.as_of,
            stalls_open=r.stalls.open,
            stalls_opened=r.stalls.opened,
            stall_reminders=r.stalls.reminded,
            alerts=r.stalls.alerted,
            escalations=r.stalls.escalated,
            stalls_closed=r.stalls.closed,
            reminders_queued=r.reminders.queued,
            reminders_capped=r.reminders.capped,
            reminders_withdrawn=r.reminders.withdrawn,
            delivered=r.delivery.delivered,
            retrying=r.delivery.retrying,
            dead=r.delivery.dead,
        )


_COUNTS = (
    "stalls_open",
    "stalls_opened",
    "stall_reminders",
    "alerts",
    "escalations",
    "stalls_closed",
    "reminders_queued",
    "reminders_capped",
    "reminders_withdrawn",
    "delivered",
    "retrying",
    "dead",
)
