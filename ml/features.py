"""Features of each learner's trajectory as of a moment: the one module both training and the
risk service use, so a model is always served the features it was trained on.

Only events in the LOOKBACK_DAYS before `as_of` count (so serving needs no longer history),
and nothing at or after `as_of` does (so training cannot peek at the future).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from ml.dataset import micros_of, micros_of_series
from ml.event_window import LOOKBACK_DAYS, US_PER_DAY, US_PER_HOUR, EventWindow, inside
from ml.milestones import MilestoneContext, current_milestones, milestone_features

EXPECTED_UNIT_SECONDS = 300.0  # micro-units run 3-7 minutes; dwell is compared with 5

# Fixed vocabularies, so a category gets the same code in every batch, process and release:
# code 1+i for the i-th name, 0 for any other name, NaN when blank. Only ever append names.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "role": (
        "associate",
        "senior-associate",
        "specialist",
        "team-lead",
        "analyst",
        "manager",
        "engineer",
        "technician",
        "agent",
        "supervisor",
        "consultant",
        "administrator",
        "intern",
    ),
    "department": (
        "operations",
        "customer-care",
        "sales",
        "logistics",
        "finance",
        "it",
        "hr",
        "marketing",
        "engineering",
        "legal",
        "procurement",
        "manufacturing",
        "retail",
        "healthcare",
    ),
    "shift": ("day", "evening", "night", "rotating", "weekend", "flexible"),
}
OTHER_CODE = 0.0

FEATURE_LABELS: dict[str, str] = {
    "logins_7d": "Logins in the last 7 days",
    "logins_14d": "Logins in the last 14 days",
    "logins_28d": "Logins in the last 28 days",
    "active_days_7d": "Active days in the last 7 days",
    "active_days_14d": "Active days in the last 14 days",
    "active_days_28d": "Active days in the last 28 days",
    "days_since_last_activity": "Days since last activity",
    "activity_trend": "Active days, last 7 days vs the 21 before (-1 to 1)",
    "launches_14d": "Units opened in the last 14 days",
    "dwell_minutes_14d": "Minutes spent in units in the last 14 days",
    "dwell_ratio_14d": "Time per opened unit vs the expected 5 minutes",
    "replays_14d": "Replays in the last 14 days",
    "completions_7d": "Units completed in the last 7 days",
    "completions_28d": "Units completed in the last 28 days",
    "completion_trend": "Completions, last 7 days vs the 21 before (-1 to 1)",
    "current_stall_hours": "Hours the current unit has been open without completion",
    "quiz_attempts_28d": "Quiz attempts in the last 28 days",
    "quiz_error_rate_28d": "Share of quiz answers wrong in the last 28 days",
    "quiz_retakes_28d": "Quiz retakes in the last 28 days",
    "quiz_mean_score_28d": "Average quiz score in the last 28 days",
    "hour_of_day_std_28d": "Spread of login hour of day (hours)",
    "tenure_days": "Days since hire",
    "role_code": "Role",
    "department_code": "Department",
    "shift_code": "Shift",
    # The trend of the last days against the weeks before: leaving shows 1-2 weeks ahead.
    "logins_3d": "Logins in the last 3 days",
    "active_days_3d": "Active days in the last 3 days",
    "days_since_last_login": "Days since last login",
    "login_trend": "Logins, last 7 days vs the 21 before (-1 to 1)",
    "login_week_change": "Logins, last 7 days vs the 7 before (-1 to 1)",
    "activity_slope_28d": "Slope of daily activity over 28 days (active days per week, per week)",
    "login_slope_28d": "Slope of daily logins over 28 days (logins per day, per week)",
    "launches_7d": "Units opened in the last 7 days",
    "launches_28d": "Units opened in the last 28 days",
    "units_per_active_day_7d": "Units opened per active day, last 7 days",
    "units_per_active_day_28d": "Units opened per active day, last 28 days",
    "dwell_ratio_7d": "Time per opened unit vs the expected 5 minutes, last 7 days",
    "dwell_ratio_28d": "Time per opened unit vs the expected 5 minutes, last 28 days",
    "completions_3d": "Units completed in the last 3 days",
    "completions_14d": "Units completed in the last 14 days",
    "completion_week_change": "Completions, last 7 days vs the 7 before (-1 to 1)",
    "completion_rate_28d": "Units completed per unit opened, last 28 days",
    "quiz_error_rate_7d": "Share of quiz answers wrong in the last 7 days",
    "max_attempt_28d": "Most attempts at one unit in the last 28 days",
    "hour_of_day_std_7d": "Spread of login hour of day, last 7 days (hours)",
    "login_hour_shift": "Mean login hour, last 7 days vs the 21 before (hours apart)",
    "login_hour_mean_7d": "Mean login hour of day, last 7 days (UTC, circular)",
    "dwell_ratio_3d": "Time per opened unit vs the expected 5 minutes, last 3 days",
    "open_unit_attempts": "Attempts at the current unfinished unit",
    # Against the learner's own habits: a change of routine shows before a change of numbers.
    "login_hour_delta_3d": "Mean login hour, last 3 days vs the 25 before (hours later, signed)",
    "dwell_change_7d": "Time per opened unit, last 7 days vs the 21 before (log2 ratio)",
    "dwell_change_3d": "Time per opened unit, last 3 days vs the 25 before (log2 ratio)",
    "completion_rate_7d": "Units completed per unit opened, last 7 days",
    "replay_rate_7d": "Replays per unit opened, last 7 days",
    "answer_time_change_7d": "Time per quiz answer, last 7 days vs the 21 before (log2 ratio)",
    # The programme: NaN when the data has no milestones (see ml.milestones).
    "milestone_days_left": "Days until the current milestone is due (negative: overdue)",
    "milestone_units_left": "Units of the current milestone not completed yet",
    "milestone_lateness": "Units behind an even pace through the current milestone",
    "reminders_on": "The learner's team is reminded when behind on a milestone (1 yes, 0 no)",
}
FEATURE_NAMES: list[str] = list(FEATURE_LABELS)
CATEGORICAL_FEATURES: list[str] = ["role_code", "department_code", "shift_code"]


def category_code(column: str, value: str) -> float:
    """The stable code of `value` in `column`'s vocabulary (see CATEGORIES)."""
    key = "-".join(value.strip().casefold().replace("_", " ").split())
    if not key:
        return np.nan
    names = CATEGORIES[column]
    return float(names.index(key) + 1) if key in names else OTHER_CODE


def build_features(
    learners: pd.DataFrame,
    events: pd.DataFrame,
    as_of: pd.Timestamp | datetime,
    milestones: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per learner (indexed by learner_id), the FEATURE_NAMES columns, all float.

    Missing values (NaN) mean "not defined", e.g. a quiz error rate without quiz answers,
    or the milestone features without a `milestones` table (the canonical optional one).
    A naive `as_of` is taken as UTC.
    """
    now = micros_of(as_of)
    index = pd.Index(learners["learner_id"].astype(str), name="learner_id")
    if not index.is_unique:
        raise ValueError("learners.learner_id: duplicate ids")
    codes = {}
    for column in ("role", "department", "shift"):
        found, uniques = pd.factorize(learners[column].fillna("").astype(str))
        codes[column] = np.array([category_code(column, u) for u in uniques])[found]
    hired = micros_of_series(learners["hire_date"])
    context = current_milestones(milestones, index, now)
    matrix = _features(EventWindow.of_frame(events, index, now), len(index), hired, codes, context)
    return pd.DataFrame(matrix, index=index, columns=FEATURE_NAMES)


def feature_matrix(
    *,
    as_of_us: int,
    hired_us: np.ndarray,
    profile: dict[str, list[str]],
    who: np.ndarray,
    ts_us: np.ndarray,
    verb: np.ndarray,
    duration_s: np.ndarray,
    score: np.ndarray,
    success: np.ndarray,
    attempt: np.ndarray,
    unit: np.ndarray,
    unit_names: np.ndarray,
    milestones: MilestoneContext | None = None,
) -> np.ndarray:
    """`build_features`' values (FEATURE_NAMES columns, one row per learner) from numpy
    arrays instead of tables, for callers that already hold codes (the risk service): for
    one learner, pandas costs ten times the arithmetic.

    Per learner: `hired_us` (float microseconds, NaN unknown) and `profile` texts for
    "role", "department", "shift". Per event: `who` (learner row), `ts_us`, `verb` (index
    into VERBS; len(VERBS) for any other verb), `unit` (index into `unit_names`) and the
    canonical columns (`score` NaN where the events table has it NaN). `milestones`: each
    learner's current milestone (unknown when not given).
    """
    codes = {}
    for column, values in profile.items():
        known = {v: category_code(column, v) for v in set(values)}  # a batch repeats a few
        codes[column] = np.array([known[v] for v in values], dtype=np.float64)
    keep = np.flatnonzero(inside(ts_us, as_of_us))
    w = EventWindow(
        now=as_of_us,
        who=who[keep],
        ts=ts_us[keep].astype(np.float64),
        verb=verb[keep],
        duration=duration_s[keep],
        score=score[keep],
        success=success[keep],
        attempt=attempt[keep],
        unit=unit[keep],
        unit_names=unit_names,
    )
    context = milestones if milestones is not None else MilestoneContext.unknown(len(hired_us))
    return _features(w, len(hired_us), hired_us, codes, context)


def _features(
    w: EventWindow,
    n: int,
    hired: np.ndarray,
    codes: dict[str, np.ndarray],
    milestones: MilestoneContext,
) -> np.ndarray:
    now = w.now

    def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(w.who[mask], None if weights is None else weights[mask], n)

    in7, in14 = w.age_d <= 7, w.age_d <= 14
    login, launched = w.is_("login"), w.is_("launched")
    dwelling = w.is_("progressed", "replayed")
    completed = w.is_("completed")
    answered, results = w.is_("answered"), w.is_("passed", "failed")
    f: dict[str, np.ndarray] = {}

    in3 = w.age_d <= 3
    grid = w.daily_grid(n)
    login_grid = w.daily_grid(n, login)
    f["logins_7d"], f["logins_14d"] = count(login & in7), count(login & in14)
    f["logins_28d"] = count(login)
    f["logins_3d"] = login_grid[:, :3].sum(axis=1)
    seen = grid > 0
    days = seen[:, :7].sum(axis=1), seen[:, :14].sum(axis=1), seen.sum(axis=1)
    days = tuple(d.astype(np.float64) for d in days)
    f["active_days_7d"], f["active_days_14d"], f["active_days_28d"] = days
    f["active_days_3d"] = seen[:, :3].sum(axis=1).astype(np.float64)
    last = np.full(n, float(LOOKBACK_DAYS))
    np.minimum.at(last, w.who, w.age_d)
    f["days_since_last_activity"] = last
    last_login = np.full(n, float(LOOKBACK_DAYS))
    np.minimum.at(last_login, w.who[login], w.age_d[login])
    f["days_since_last_login"] = last_login
    f["activity_trend"] = _trend(days[0], days[2])
    f["login_trend"] = _trend(f["logins_7d"], f["logins_28d"])
    f["login_week_change"] = _change(f["logins_7d"], f["logins_14d"] - f["logins_7d"])
    f["activity_slope_28d"] = _slope(seen) * 7.0
    f["login_slope_28d"] = _slope(login_grid) * 7.0

    f["launches_14d"] = count(launched & in14)
    f["launches_7d"], f["launches_28d"] = count(launched & in7), count(launched)
    f["units_per_active_day_7d"] = _ratio(f["launches_7d"], days[0])
    f["units_per_active_day_28d"] = _ratio(f["launches_28d"], days[2])
    dwell_s = count(dwelling & in14, w.duration)
    f["dwell_minutes_14d"] = dwell_s / 60.0
    f["dwell_ratio_14d"] = _ratio(dwell_s, f["launches_14d"] * EXPECTED_UNIT_SECONDS)
    dwell_7d, dwell_28d = count(dwelling & in7, w.duration), count(dwelling, w.duration)
    f["dwell_ratio_7d"] = _ratio(dwell_7d, f["launches_7d"] * EXPECTED_UNIT_SECONDS)
    f["dwell_ratio_28d"] = _ratio(dwell_28d, f["launches_28d"] * EXPECTED_UNIT_SECONDS)
    launches_3d = count(launched & in3)
    f["dwell_ratio_3d"] = _ratio(
        count(dwelling & in3, w.duration), launches_3d * EXPECTED_UNIT_SECONDS
    )
    f["replays_14d"] = count(w.is_("replayed") & in14)
    f["completions_7d"], f["completions_28d"] = count(completed & in7), count(completed)
    f["completions_3d"], f["completions_14d"] = count(completed & in3), count(completed & in14)
    f["completion_trend"] = _trend(f["completions_7d"], f["completions_28d"])
    f["completion_week_change"] = _change(
        f["completions_7d"], f["completions_14d"] - f["completions_7d"]
    )
    f["completion_rate_28d"] = _ratio(f["completions_28d"], f["launches_28d"])
    open_code, opened = w.open_unit(n)
    on_open = open_code[w.who] == w.unit
    tries = np.zeros(n)
    np.maximum.at(tries, w.who[on_open], w.attempt[on_open].astype(np.float64))
    f["open_unit_attempts"] = tries
    f["current_stall_hours"] = np.nan_to_num((now - opened) / US_PER_HOUR, nan=0.0)

    f["quiz_attempts_28d"] = count(results)
    wrong = answered & ~w.success
    f["quiz_error_rate_28d"] = _ratio(count(wrong), count(answered))
    f["quiz_error_rate_7d"] = _ratio(count(wrong & in7), count(answered & in7))
    f["quiz_retakes_28d"] = count(results & (w.attempt > 1))
    most = np.zeros(n)
    np.maximum.at(most, w.who, w.attempt.astype(np.float64))
    f["max_attempt_28d"] = most
    scored = results & ~np.isnan(w.score)
    f["quiz_mean_score_28d"] = _ratio(count(scored, np.nan_to_num(w.score)), count(scored))
    f["hour_of_day_std_28d"] = w.login_hour_spread(login, n)
    f["hour_of_day_std_7d"] = w.login_hour_spread(login & in7, n)
    f["login_hour_shift"], f["login_hour_mean_7d"] = w.login_hours(login, in7, n)
    f["login_hour_delta_3d"] = w.login_hours(login, in3, n, signed=True)[0]
    f["dwell_change_7d"] = _log2_change(dwell_7d, f["launches_7d"], dwell_28d, f["launches_28d"])
    f["dwell_change_3d"] = _log2_change(
        count(dwelling & in3, w.duration), launches_3d, dwell_28d, f["launches_28d"]
    )
    f["completion_rate_7d"] = _ratio(f["completions_7d"], f["launches_7d"])
    f["replay_rate_7d"] = _ratio(count(w.is_("replayed") & in7), f["launches_7d"])
    f["answer_time_change_7d"] = _log2_change(
        count(answered & in7, w.duration),
        count(answered & in7),
        count(answered, w.duration),
        count(answered),
    )
    f.update(milestone_features(milestones, now, w.units_completed_since(milestones, n)))

    f["tenure_days"] = np.clip((now - hired) / US_PER_DAY, 0.0, None)
    for column in ("role", "department", "shift"):
        f[f"{column}_code"] = codes[column]
    return np.column_stack([f[name] for name in FEATURE_NAMES]).astype(np.float64)


def open_units(
    learners: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp | datetime
) -> pd.Series:
    """The unit each learner was last working on and has not finished ("" if none)."""
    index = pd.Index(learners["learner_id"].astype(str), name="learner_id")
    w = EventWindow.of_frame(events, index, micros_of(as_of))
    unit, _ = w.open_unit(len(index))
    names = np.append(np.asarray(w.unit_names, dtype=object), "")
    return pd.Series(names[unit], index=index, name="unit_id", dtype=str)


def _trend(recent_7d: np.ndarray, total_28d: np.ndarray) -> np.ndarray:
    """(rate of last 7 days - rate of the 21 before) / their sum: -1 stopped, +1 just started."""
    recent, before = recent_7d / 7.0, (total_28d - recent_7d) / 21.0
    both = recent + before
    return np.divide(recent - before, both, out=np.zeros(len(both)), where=both > 0)


def _change(recent: np.ndarray, before: np.ndarray) -> np.ndarray:
    """(recent - before) / (recent + before) for two windows of the same length (0 if none)."""
    both = recent + before
    return np.divide(recent - before, both, out=np.zeros(len(both)), where=both > 0)


def _log2_change(
    recent_s: np.ndarray, recent_n: np.ndarray, total_s: np.ndarray, total_n: np.ndarray
) -> np.ndarray:
    """log2 of (seconds per launch, recent) / (seconds per launch, the rest of the window)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        recent = recent_s / recent_n
        before = (total_s - recent_s) / (total_n - recent_n)
        change = np.log2(recent / before)
    return np.where(np.isfinite(change), change, np.nan)


def _slope(grid: np.ndarray) -> np.ndarray:
    """Least-squares slope per row of a learner x day-back grid, per day forward in time."""
    days = grid.shape[1]
    x = -(np.arange(days) - (days - 1) / 2.0)  # column 0 is the most recent day
    return (grid @ x) / float(x @ x)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.full(len(numerator), np.nan)
    return np.divide(numerator, denominator, out=out, where=denominator > 0)
