"""The manual clock replays time: it moves only when set or advanced, always in UTC."""

from datetime import UTC, datetime, timedelta, timezone

from services.progress.clock import ManualClock, SystemClock


def test_a_manual_clock_stands_still_until_advanced() -> None:
    clock = ManualClock(datetime(2026, 12, 10, 9, 0))
    assert clock.now() == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    assert clock.now() == clock.now()
    clock.advance(timedelta(hours=49))
    assert clock.now() == datetime(2026, 12, 12, 10, 0, tzinfo=UTC)


def test_setting_a_clock_with_an_offset_keeps_the_instant_in_utc() -> None:
    clock = ManualClock()
    clock.set(datetime(2026, 12, 10, 10, 0, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


def test_the_system_clock_is_timezone_aware() -> None:
    assert SystemClock().now().tzinfo is not None
