"""Settings of stalls, reminders and delivery (env prefix `LEARNPULSE_`): the defaults of every
tenant's policy, webhook retries, the background loop, and the test-only clock.
"""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.progress.outbox import DeliveryOptions
from services.progress.policy import Policy, parse_quiet_hours, parse_shift_starts


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEARNPULSE_", extra="ignore")

    stall_hours: float = 48.0
    alert_after_hours: float = 24.0
    escalate_after_hours: float = 48.0
    high_risk_bands: str = "high"  # comma-separated bands that alert a stall at once
    quiet_hours: str = "21:00-07:00"  # or "off"
    reminder_daily_cap: int = 2
    remind_before_due_days: float = 3.0
    shift_starts: str = "day=09:00,swing=15:00,night=22:00"
    learning_minutes: int = 10
    notify_timezone: str = "UTC"
    webhook_url: str | None = None  # for tenants that configure none of their own
    webhook_secret: SecretStr | None = None
    webhook_max_attempts: int = 15
    webhook_backoff_s: float = 30.0
    webhook_backoff_cap_s: float = 3600.0
    webhook_timeout_s: float = 10.0
    delivery_interval_s: float = 5.0  # background delivery; 0 = off
    sweep_interval_s: float = 600.0  # background stall/reminder sweep; 0 = off
    test_clock: bool = False  # enables the `advanceClock` mutation and a manual clock

    def policy_defaults(self) -> Policy:
        quiet_start, quiet_end = parse_quiet_hours(self.quiet_hours)
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else None
        return Policy(
            stall_hours=self.stall_hours,
            alert_after_hours=self.alert_after_hours,
            escalate_after_hours=self.escalate_after_hours,
            high_bands=tuple(b.strip() for b in self.high_risk_bands.split(",") if b.strip()),
            quiet_start=quiet_start,
            quiet_end=quiet_end,
            daily_cap=self.reminder_daily_cap,
            remind_before_due_days=self.remind_before_due_days,
            shift_starts=parse_shift_starts(self.shift_starts),
            learning_minutes=self.learning_minutes,
            timezone=self.notify_timezone,
            webhook_url=self.webhook_url,
            webhook_secret=secret,
        ).check()

    def delivery_options(self) -> DeliveryOptions:
        return DeliveryOptions(
            max_attempts=self.webhook_max_attempts,
            backoff_s=self.webhook_backoff_s,
            backoff_cap_s=self.webhook_backoff_cap_s,
        )
