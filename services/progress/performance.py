"""On-the-job performance from the HR feed's ratings: when each rating applies, and whether a
learner passed their checks in a time window. Plain rules, no driver.

A rating's `period` dates it: `2026-03-15` (the day of a check), `2026-03` (a month),
`2026-Q1`, `2026-H1` or `2026`. Periods in any other form cannot be placed in time and are
left out (the HR feed accepts them, analytics cannot use them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_PERIOD = re.compile(r"^(\d{4})(?:-(?:(\d{2})(?:-(\d{2}))?|Q([1-4])|H([12])))?$")


@dataclass(frozen=True)
class Rating:
    period: str
    rating: float


@dataclass(frozen=True)
class Check:
    """A dated rating: the first and last day of the period it covers."""

    start: date
    end: date
    rating: float

    def passed(self, pass_rating: float) -> bool:
        return self.rating >= pass_rating


def period_span(period: str) -> tuple[date, date] | None:
    """First and last day of a rating period, or None when the period is not one we can date."""
    match = _PERIOD.match(period.strip())
    if match is None:
        return None
    year_text, month, day, quarter, half = match.groups()
    year = int(year_text)
    try:
        if day is not None:
            one = date(year, int(month), int(day))
            return one, one
        if month is not None:
            return _months(year, int(month), 1)
        if quarter is not None:
            return _months(year, 3 * int(quarter) - 2, 3)
        if half is not None:
            return _months(year, 6 * int(half) - 5, 6)
    except ValueError:  # 2026-13, 2026-02-30
        return None
    return date(year, 1, 1), date(year, 12, 31)


def _months(year: int, first: int, count: int) -> tuple[date, date]:
    if not 1 <= first <= 12:
        raise ValueError(first)
    after = first + count
    end = date(year + (after - 1) // 12, (after - 1) % 12 + 1, 1) - timedelta(days=1)
    return date(year, first, 1), end


def checks_of(ratings: Iterable[Rating]) -> tuple[Check, ...]:
    """The ratings that can be dated, oldest period end first."""
    dated = []
    for r in ratings:
        span = period_span(r.period)
        if span is not None:
            dated.append(Check(span[0], span[1], r.rating))
    return tuple(sorted(dated, key=lambda c: (c.end, c.start)))


def latest_check(
    checks: Iterable[Check], *, since: datetime | None, until: datetime | None
) -> Check | None:
    """The latest check whose period overlaps [since, until) (any check without a window)."""
    found = None
    for check in checks:
        if until is not None and check.start >= until.date():
            continue
        if since is not None and check.end < since.date():
            continue
        if found is None or (check.end, check.start) >= (found.end, found.start):
            found = check
    return found


def first_pass_on_or_after(checks: Iterable[Check], day: date, pass_rating: float) -> date | None:
    """When a learner was first rated passing after `day`: the end of that check's period."""
    for check in checks:  # oldest first
        if check.end >= day and check.passed(pass_rating):
            return check.end
    return None
