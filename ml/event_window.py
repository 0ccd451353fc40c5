"""The events of known learners inside the feature window before a moment, as numpy arrays,
with the vectorised look-ups the features are built from (`ml.features`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.dataset import VERBS, micros_of_series
from ml.milestones import MilestoneContext

LOOKBACK_DAYS = 28
US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR
VERB_CODE = {verb: i for i, verb in enumerate(VERBS)}


def inside(ts: np.ndarray, now: int) -> np.ndarray:
    """Which of the times `ts` (microseconds) fall in [now - LOOKBACK_DAYS, now): the window."""
    return (ts < now) & (ts >= now - LOOKBACK_DAYS * US_PER_DAY)


class EventWindow:
    """The events of known learners inside [as_of - LOOKBACK_DAYS, as_of), as numpy arrays."""

    def __init__(
        self,
        *,
        now: int,
        who: np.ndarray,
        ts: np.ndarray,
        verb: np.ndarray,
        duration: np.ndarray,
        score: np.ndarray,
        success: np.ndarray,
        attempt: np.ndarray,
        unit: np.ndarray,
        unit_names: np.ndarray | pd.Index,
    ) -> None:
        """Arrays of the events already inside the window, of known learners only."""
        self.now, self.who, self.ts = now, who, ts
        self.age_d = (now - ts) / US_PER_DAY
        self.verb, self.duration, self.score = verb, duration, score
        self.success, self.attempt = success, attempt
        self.unit, self.unit_names = unit, unit_names
        self.has_unit = np.asarray(unit_names != "", dtype=bool)[unit]

    @classmethod
    def of_frame(cls, events: pd.DataFrame, index: pd.Index, now: int) -> EventWindow:
        ts = micros_of_series(events["ts"])
        rows = np.flatnonzero(inside(ts, now))
        # Factorise the ids first (fast on Arrow strings), then look up only the distinct ones.
        codes, distinct = pd.factorize(take(events["learner_id"], rows))
        who = index.get_indexer(pd.Index(distinct, dtype=object))[codes]
        keep = rows[who >= 0]
        verb, verbs = pd.factorize(take(events["verb"], keep))
        unit, unit_names = pd.factorize(take(events["unit_id"], keep))
        return cls(
            now=now,
            who=who[who >= 0],
            ts=ts[keep],
            # Unknown verbs get the extra last slot of `is_`'s lookup table: it matches nothing.
            verb=np.array([VERB_CODE.get(v, len(VERBS)) for v in verbs], dtype=np.int64)[verb],
            duration=events["duration_s"].to_numpy(np.float64)[keep],
            score=events["score"].to_numpy(np.float64, na_value=np.nan)[keep],
            success=events["success"].to_numpy(bool)[keep],
            attempt=events["attempt"].to_numpy(np.int64)[keep],
            unit=unit,
            unit_names=unit_names,
        )

    def is_(self, *verbs: str) -> np.ndarray:
        table = np.zeros(len(VERBS) + 1, dtype=bool)
        table[[VERB_CODE[v] for v in verbs]] = True
        return table[self.verb]

    def daily_grid(self, n: int, mask: np.ndarray | None = None) -> np.ndarray:
        """Events per learner and day back from as_of (column 0: the last 24 hours), as an
        n x LOOKBACK_DAYS float grid; only rows in `mask` when given."""
        day_back = np.clip(np.ceil(self.age_d).astype(np.int64) - 1, 0, LOOKBACK_DAYS - 1)
        cell = self.who * LOOKBACK_DAYS + day_back
        if mask is not None:
            cell = cell[mask]
        counts = np.bincount(cell, minlength=n * LOOKBACK_DAYS).astype(np.float64)
        return counts.reshape(n, LOOKBACK_DAYS)

    def login_hours(
        self, login: np.ndarray, recent: np.ndarray, n: int, *, signed: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """(hours between the mean login hour of the `recent` days and that of the days before,
        circular, 0-12 (or -12 to 12, positive when later, if `signed`); the mean login hour of
        the `recent` days, 0-24), NaN without logins."""
        angle = (self.ts % US_PER_DAY) / US_PER_DAY * 2 * np.pi

        def mean_angle(mask: np.ndarray) -> np.ndarray:
            who = self.who[mask]
            cos = np.bincount(who, np.cos(angle[mask]), n)
            sin = np.bincount(who, np.sin(angle[mask]), n)
            return np.where(np.bincount(who, minlength=n) > 0, np.arctan2(sin, cos), np.nan)

        recent_mean = mean_angle(login & recent)
        delta = np.mod(recent_mean - mean_angle(login & ~recent) + np.pi, 2 * np.pi) - np.pi
        hours = 24.0 / (2 * np.pi)
        gap = delta if signed else np.abs(delta)
        return gap * hours, np.mod(recent_mean, 2 * np.pi) * hours

    def units_completed_since(self, milestones: MilestoneContext, n: int) -> np.ndarray:
        """Distinct units each learner completed since their current milestone was assigned
        (inside the window), 0 without a known milestone."""
        since = milestones.assigned_us[self.who]
        done = self.is_("completed") & self.has_unit & (self.ts >= since)  # NaN: never
        if not done.any():
            return np.zeros(n)
        width = int(self.unit.max()) + 1
        pairs = np.unique(self.who[done] * width + self.unit[done])
        return np.bincount(pairs // width, minlength=n).astype(np.float64)

    def open_unit(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Per learner: the code of their latest unit if unfinished (else -1), and when they
        first touched it inside the window (microseconds; NaN when there is no open unit).
        """
        unit, opened = np.full(n, -1), np.full(n, np.nan)
        rows = np.flatnonzero(self.has_unit)
        if len(rows) == 0:
            return unit, opened
        who, code, ts = self.who[rows], self.unit[rows], self.ts[rows]
        pairs, pair = np.unique(who * (code.max() + 1) + code, return_inverse=True)
        first = np.full(len(pairs), np.inf)
        np.minimum.at(first, pair, ts)
        finished = np.bincount(pair, self.is_("completed", "passed")[rows], len(pairs)) > 0
        order = np.lexsort((ts, who))
        is_last = np.r_[who[order][1:] != who[order][:-1], True]
        latest = order[is_last]
        still_open = latest[~finished[pair[latest]]]
        unit[who[still_open]] = code[still_open]
        opened[who[still_open]] = first[pair[still_open]]
        return unit, opened

    def login_hour_spread(self, login: np.ndarray, n: int) -> np.ndarray:
        """Circular standard deviation of login hours, so 23:00 and 01:00 count as close."""
        angle = (self.ts[login] % US_PER_DAY) / US_PER_DAY * 2 * np.pi
        who = self.who[login]
        total = np.bincount(who, minlength=n)
        cos, sin = np.bincount(who, np.cos(angle), n), np.bincount(who, np.sin(angle), n)
        with np.errstate(divide="ignore", invalid="ignore"):
            length = np.clip(np.hypot(cos, sin) / total, 1e-9, 1.0)
            spread = np.sqrt(-2.0 * np.log(length)) * 24.0 / (2 * np.pi)
        return np.where(total >= 2, spread, np.nan)


def take(column: pd.Series, rows: np.ndarray) -> pd.Series:
    """column.iloc[rows], skipped when every row is kept (the usual case when serving)."""
    if len(rows) == len(column) and (len(rows) == 0 or rows[-1] == len(rows) - 1):
        return column
    return column.iloc[rows]
