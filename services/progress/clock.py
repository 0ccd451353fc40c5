"""The progress service's notion of "now": the system clock, or one a test or replay drives.

Stalls, reminders and sweeps ask the clock, never `datetime.now`, so `learnpulse sweep --as-of`
and tests can replay days of activity in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class ManualClock:
    """A clock that moves only when told to: set it, or advance it."""

    current: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self.current = aware(self.current)

    def now(self) -> datetime:
        return self.current

    def set(self, when: datetime) -> None:
        self.current = aware(when)

    def advance(self, by: timedelta) -> datetime:
        self.current += by
        return self.current


def aware(when: datetime) -> datetime:
    """`when` in UTC; a naive time is taken to be UTC already."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
