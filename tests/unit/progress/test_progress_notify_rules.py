"""Time rules of reminders (quiet hours, shift starts) and the webhook signature."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from services.progress import webhooks
from services.progress.errors import InvalidArgument
from services.progress.outbox import DeliveryOptions, retry_delay
from services.progress.policy import (
    Policy,
    after_quiet_hours,
    in_quiet_hours,
    parse_quiet_hours,
    parse_shift_starts,
    reminder_time,
)

WED = datetime(2026, 12, 9, tzinfo=UTC)


def at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    return WED + timedelta(days=days, hours=hour, minutes=minute)


def test_quiet_hours_wrap_midnight_and_end_at_their_end() -> None:
    policy = Policy()  # 21:00-07:00
    assert in_quiet_hours(policy, at(23)) and in_quiet_hours(policy, at(6, 59))
    assert not in_quiet_hours(policy, at(7)) and not in_quiet_hours(policy, at(20, 59))
    assert after_quiet_hours(policy, at(23)) == at(7, days=1)
    assert after_quiet_hours(policy, at(3)) == at(7)
    assert after_quiet_hours(policy, at(12)) == at(12)


def test_quiet_hours_follow_the_tenant_time_zone() -> None:
    policy = Policy(timezone="Europe/Warsaw")  # UTC+1 in December
    assert in_quiet_hours(policy, at(20, 30))  # 21:30 in Warsaw
    assert after_quiet_hours(policy, at(20, 30)) == at(6, days=1)  # 07:00 in Warsaw


def test_reminders_meet_the_learner_at_the_start_of_their_shift() -> None:
    policy = Policy()
    assert reminder_time(policy, "day", at(5)) == at(9)
    assert reminder_time(policy, "day", at(9, 30)) == at(9, 30)  # the shift just began
    assert reminder_time(policy, "day", at(11)) == at(9, days=1)
    assert reminder_time(policy, "Swing", at(11)) == at(15)
    # A night shift starts inside the quiet hours, but the learner is at work then.
    assert reminder_time(policy, "night", at(11)) == at(22)
    # An unknown shift: as soon as the quiet hours allow.
    assert reminder_time(policy, "rota-b", at(23)) == at(7, days=1)


def test_bad_policy_values_name_their_field() -> None:
    with pytest.raises(InvalidArgument) as bad:
        parse_quiet_hours("9pm to 7am")
    assert bad.value.details["argument"] == "quietHours"
    with pytest.raises(InvalidArgument) as bad:
        parse_shift_starts("day=09:00,night")
    assert bad.value.details["argument"] == "shiftStarts"
    with pytest.raises(InvalidArgument) as bad:
        Policy(timezone="Mars/Olympus").check()
    assert bad.value.details["argument"] == "timezone"
    with pytest.raises(InvalidArgument) as bad:
        Policy(stall_hours=0).check()
    assert bad.value.details["argument"] == "stallHours"
    assert parse_quiet_hours("off") == (None, None)
    assert parse_shift_starts("day=08:30") == {"day": time(8, 30)}


def test_a_signature_verifies_only_the_body_secret_and_recent_time_it_was_made_with() -> None:
    now = at(10)
    stamp = str(int(now.timestamp()))
    body = b'{"id":"n-1","kind":"stall.alert"}'
    header = webhooks.signature("s3cret", stamp, body)
    assert header.startswith("v1=")
    check = dict(secret="s3cret", timestamp=stamp, signature_header=header, body=body, now=now)
    assert webhooks.verify(**check)  # type: ignore[arg-type]
    assert not webhooks.verify(**check | {"body": body.replace(b"alert", b"reminder")})  # type: ignore[arg-type]
    assert not webhooks.verify(**check | {"secret": "other"})  # type: ignore[arg-type]
    assert not webhooks.verify(**check | {"now": now + timedelta(minutes=6)})  # type: ignore[arg-type]
    assert not webhooks.verify(**check | {"timestamp": "yesterday"})  # type: ignore[arg-type]


def test_retries_back_off_exponentially_up_to_the_cap() -> None:
    options = DeliveryOptions(backoff_s=30, backoff_cap_s=600)
    delays = [retry_delay(options, "n-1", n).total_seconds() for n in range(1, 8)]
    assert 30 <= delays[0] < 33 and 60 <= delays[1] < 66 and 240 <= delays[3] < 264
    assert all(600 <= d < 660 for d in delays[5:])
    assert delays == sorted(delays)
