"""A tenant's notification policy (stall threshold, escalation, quiet hours, daily cap, shift
starts, webhook) and the time rules built on it: when a reminder may go out.

Defaults come from settings; an HR admin overrides them per tenant (`configureNotifications`).
Times of day are the tenant's local time (`timezone`, an IANA name; UTC by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.progress.errors import InvalidArgument

DEFAULT_SHIFTS = {"day": time(9), "swing": time(15), "night": time(22)}


@dataclass(frozen=True)
class Policy:
    stall_hours: float = 48.0  # no progress on a started unit for longer = stalled
    alert_after_hours: float = 24.0  # reminded and still stuck this long = manager alert
    escalate_after_hours: float = 48.0  # alert unacknowledged this long = escalation
    high_bands: tuple[str, ...] = ("high",)  # a stall in these risk bands alerts at once
    quiet_start: time | None = time(21)  # no reminders from here ...
    quiet_end: time | None = time(7)  # ... to here (may wrap midnight)
    daily_cap: int = 2  # reminders per learner per local day
    remind_before_due_days: float = 3.0
    shift_starts: dict[str, time] = field(default_factory=lambda: dict(DEFAULT_SHIFTS))
    learning_minutes: int = 10  # time a learner has for learning at the start of a shift
    timezone: str = "UTC"
    webhook_url: str | None = None
    webhook_secret: str | None = None

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_overrides(self, overrides: dict[str, Any]) -> Policy:
        known = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in overrides.items() if k in known})

    def check(self) -> Policy:
        """The policy, or InvalidArgument naming the first bad field."""
        for name in ("stall_hours", "alert_after_hours", "escalate_after_hours"):
            if not 0 < getattr(self, name) <= 24 * 90:
                raise InvalidArgument(_camel(name), f"{_camel(name)} must be in (0, 2160] hours")
        if not 0 <= self.daily_cap <= 50:
            raise InvalidArgument("dailyCap", "dailyCap must be 0..50")
        if not 0 <= self.remind_before_due_days <= 60:
            raise InvalidArgument("remindBeforeDueDays", "remindBeforeDueDays must be 0..60")
        if not 1 <= self.learning_minutes <= 240:
            raise InvalidArgument("learningMinutes", "learningMinutes must be 1..240")
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise InvalidArgument("quietHours", "give both ends of the quiet hours, or neither")
        try:
            self.zone()
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidArgument("timezone", f"unknown time zone {self.timezone!r}") from exc
        url = self.webhook_url
        if url is not None and not url.startswith(("http://", "https://")):
            raise InvalidArgument("webhookUrl", "webhookUrl must be an http(s) URL")
        return self


def parse_quiet_hours(text: str) -> tuple[time | None, time | None]:
    """`21:00-07:00` → (21:00, 07:00); empty or `off` → no quiet hours."""
    text = text.strip()
    if text in ("", "off", "none"):
        return None, None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError as exc:
        raise InvalidArgument(
            "quietHours", f"quiet hours must look like 21:00-07:00: {text!r}"
        ) from exc
    return start, end


def parse_shift_starts(text: str) -> dict[str, time]:
    """`day=09:00,night=22:00` → {shift: start}."""
    starts: dict[str, time] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, sep, when = item.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError(item)
            starts[name.strip().lower()] = time.fromisoformat(when.strip())
        except ValueError as exc:
            raise InvalidArgument(
                "shiftStarts", f"shift starts look like day=09:00: {item!r}"
            ) from exc
    return starts


def in_quiet_hours(policy: Policy, when: datetime) -> bool:
    if policy.quiet_start is None or policy.quiet_end is None:
        return False
    local = when.astimezone(policy.zone()).time()
    start, end = policy.quiet_start, policy.quiet_end
    return start <= local < end if start <= end else local >= start or local < end


def after_quiet_hours(policy: Policy, when: datetime) -> datetime:
    """`when`, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(policy, when) or policy.quiet_end is None:
        return when
    zone = policy.zone()
    local = when.astimezone(zone)
    end = datetime.combine(local.date(), policy.quiet_end, zone)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(when.tzinfo)


def next_shift_start(policy: Policy, shift: str, when: datetime) -> datetime | None:
    """The start of the learner's next shift at or after `when` (None: shift unknown).

    A shift that started within the last hour counts as now: the reminder still meets the
    learner at the start of their shift.
    """
    start = policy.shift_starts.get(shift.strip().lower())
    if start is None:
        return None
    zone = policy.zone()
    local = when.astimezone(zone)
    today = datetime.combine(local.date(), start, zone)
    for candidate in (today - timedelta(days=1), today, today + timedelta(days=1)):
        if candidate <= local < candidate + timedelta(hours=1):
            return when
        if candidate > local:
            return candidate.astimezone(when.tzinfo)
    return (today + timedelta(days=1)).astimezone(when.tzinfo)


def reminder_time(policy: Policy, shift: str, when: datetime) -> datetime:
    """When a reminder created at `when` should reach a learner on `shift`: the start of their
    next shift (they are at work then, even a night shift inside the quiet hours), or, for
    a shift the policy does not know, `when` moved past the quiet hours."""
    return next_shift_start(policy, shift, when) or after_quiet_hours(policy, when)


def local_day(policy: Policy, when: datetime) -> str:
    return when.astimezone(policy.zone()).date().isoformat()


def day_bounds(policy: Policy, when: datetime) -> tuple[datetime, datetime]:
    """The local day containing `when`, as [start, end) instants in `when`'s zone."""
    zone = policy.zone()
    start = datetime.combine(when.astimezone(zone).date(), time(), zone)
    return start.astimezone(when.tzinfo), (start + timedelta(days=1)).astimezone(when.tzinfo)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)
