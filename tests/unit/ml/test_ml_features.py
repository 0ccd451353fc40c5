"""Features as training and the risk service see them: no peeking past as_of, one learner with
no history, exact values on a hand-built trajectory, stable category codes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from ml_factories import events_table, learners_table, make_event, make_learner, unit_event

from ml.dataset import empty_events
from ml.features import (
    CATEGORIES,
    FEATURE_LABELS,
    FEATURE_NAMES,
    build_features,
    category_code,
    open_units,
)
from ml.synth import generate

AS_OF = pd.Timestamp("2026-02-01", tz="UTC")


def hand_built() -> pd.DataFrame:
    """Four logins at 09:00 over four weeks, two lessons, a replay, a quiz failed then passed."""
    return events_table(
        make_event("2026-01-10 09:00", "login"),
        make_event("2026-01-20 09:00", "login"),
        *(
            unit_event(f"2026-01-20 09:0{i}", "answered", "c1-q", success=ok, score=float(ok))
            for i, ok in enumerate([True, True, True, False], start=1)
        ),
        unit_event("2026-01-20 09:05", "failed", "c1-q", score=0.5, duration_s=240.0),
        make_event("2026-01-29 09:00", "login"),
        unit_event("2026-01-29 09:05", "replayed", "c1-u1", duration_s=30.0),
        unit_event("2026-01-29 09:10", "answered", "c1-q", success=True, score=1.0, attempt=2),
        unit_event("2026-01-29 09:11", "answered", "c1-q", success=True, score=1.0, attempt=2),
        unit_event("2026-01-29 09:12", "passed", "c1-q", score=1.0, success=True, attempt=2),
        unit_event("2026-01-29 09:12:01", "completed", "c1-q", success=True, attempt=2),
        make_event("2026-01-31 09:00", "login"),
        unit_event("2026-01-31 09:01", "launched", "c1-u1"),
        unit_event("2026-01-31 09:05", "progressed", "c1-u1", duration_s=240.0),
        unit_event("2026-01-31 09:05:01", "completed", "c1-u1", success=True),
        unit_event("2026-01-31 09:10", "launched", "c1-u2"),
        unit_event("2026-01-31 09:11", "progressed", "c1-u2", duration_s=60.0),
        make_event("2026-02-01 00:00", "login"),  # at as_of: already the future
    )


def test_columns_are_the_feature_names_as_floats_indexed_by_learner() -> None:
    learners = learners_table(make_learner(learner_id="b"), make_learner(learner_id="a"))

    features = build_features(learners, empty_events(), AS_OF)

    assert list(features.columns) == FEATURE_NAMES
    assert list(features.index) == ["b", "a"]
    assert features.index.name == "learner_id"
    assert all(dtype == np.float64 for dtype in features.dtypes)
    assert len(FEATURE_NAMES) >= 20
    assert set(FEATURE_LABELS) == set(FEATURE_NAMES)


def test_hand_built_trajectory_gives_exact_values() -> None:
    row = build_features(learners_table(make_learner()), hand_built(), AS_OF).loc["L1"]

    assert (row["logins_7d"], row["logins_14d"], row["logins_28d"]) == (2, 3, 4)
    assert (row["active_days_7d"], row["active_days_28d"]) == (2, 4)
    assert row["days_since_last_activity"] == pytest.approx((14 + 49 / 60) / 24)
    assert row["activity_trend"] == pytest.approx(0.5)  # 2/7 a day lately vs 2/21 before
    assert row["launches_14d"] == 2
    assert row["dwell_minutes_14d"] == pytest.approx((240 + 60 + 30) / 60)
    assert row["dwell_ratio_14d"] == pytest.approx(330 / 600)
    assert row["replays_14d"] == 1
    assert (row["completions_7d"], row["completions_28d"]) == (2, 2)
    assert row["completion_trend"] == 1.0
    assert row["current_stall_hours"] == pytest.approx(14 + 50 / 60)  # c1-u2 open since 09:10
    assert (row["quiz_attempts_28d"], row["quiz_retakes_28d"]) == (2, 1)
    assert row["quiz_error_rate_28d"] == pytest.approx(1 / 6)
    assert row["quiz_mean_score_28d"] == pytest.approx(0.75)
    assert row["hour_of_day_std_28d"] == pytest.approx(0.0, abs=1e-3)  # always 09:00
    assert row["login_hour_delta_3d"] == pytest.approx(0.0, abs=1e-6)
    assert (row["completion_rate_7d"], row["replay_rate_7d"]) == (1.0, 0.5)
    assert row["tenure_days"] == 31
    assert row["role_code"] == CATEGORIES["role"].index("agent") + 1


def test_events_at_or_after_as_of_never_change_features() -> None:
    world = generate(n_learners=60, days=50, seed=4)
    as_of = pd.Timestamp("2026-02-03 13:30", tz="UTC")
    past = world.events[world.events["ts"] < as_of]
    before = build_features(world.learners, past, as_of)

    future = world.events[world.events["ts"] >= as_of]
    at_as_of = past.assign(ts=as_of)  # even the very same moment is the future
    after = build_features(world.learners, pd.concat([future, past, at_as_of]), as_of)

    pd.testing.assert_frame_equal(before, after)
    assert not future.empty


def programme(**current: object) -> pd.DataFrame:
    """L1's milestones: one closed, the current one (overridable), one assigned after AS_OF."""
    rows = [
        ("2026-01-05", "2026-01-19", 8, 8, False),
        ("2026-01-19", "2026-02-02", 8, 3, True),
        ("2026-02-02", "2026-02-16", 8, 0, True),
    ]
    table = pd.DataFrame(
        rows, columns=["assigned_at", "due_at", "units_assigned", "units_completed", "reminders"]
    )
    table[["assigned_at", "due_at"]] = table[["assigned_at", "due_at"]].apply(
        pd.to_datetime, utc=True
    )
    table["reminders"] = table["reminders"].astype("boolean")  # a policy may be unknown: NA
    for column, value in current.items():
        table.loc[1, column] = value
    return table.assign(learner_id="L1")


def test_milestone_features_read_the_current_milestone() -> None:
    row = build_features(learners_table(make_learner()), hand_built(), AS_OF, programme()).loc["L1"]

    # Assigned 13 of 14 days ago, due in a day; c1-q and c1-u1 completed since.
    assert row["milestone_days_left"] == pytest.approx(1.0)
    assert row["milestone_units_left"] == 6
    assert row["milestone_lateness"] == pytest.approx(8 * 13 / 14 - 2)
    assert row["reminders_on"] == 1.0


def test_milestone_outcomes_and_later_milestones_never_change_features() -> None:
    learners = learners_table(make_learner())
    before = build_features(learners, hand_built(), AS_OF, programme())

    # How the milestone ends is known only at its due date; the next one is not assigned yet.
    after = build_features(learners, hand_built(), AS_OF, programme(units_completed=8))

    pd.testing.assert_frame_equal(before, after)


def test_without_milestones_the_milestone_features_are_unknown() -> None:
    row = build_features(learners_table(make_learner()), hand_built(), AS_OF).loc["L1"]
    overdue = build_features(
        learners_table(make_learner()),
        hand_built(),
        AS_OF,
        programme(due_at=pd.Timestamp("2026-01-29", tz="UTC"), reminders=None),
    ).loc["L1"]

    names = ["milestone_days_left", "milestone_units_left", "milestone_lateness", "reminders_on"]
    assert row[names].isna().all()
    assert overdue["milestone_days_left"] == pytest.approx(-3.0)
    assert overdue["milestone_lateness"] == pytest.approx(8 - 2)  # the whole milestone is due
    assert math.isnan(overdue["reminders_on"])


def test_one_learner_without_events_is_scored_as_inactive() -> None:
    row = build_features(learners_table(make_learner()), empty_events(), AS_OF).loc["L1"]

    assert row["logins_28d"] == 0
    assert row["days_since_last_activity"] == 28  # capped at the look-back window
    assert row["current_stall_hours"] == 0
    assert row["tenure_days"] == 31
    assert math.isnan(row["quiz_error_rate_28d"])  # undefined, not zero
    assert math.isnan(row["hour_of_day_std_28d"])


def test_events_of_learners_not_asked_for_are_ignored() -> None:
    events = pd.concat([hand_built(), hand_built().assign(learner_id="other")])

    only = build_features(learners_table(make_learner()), events, AS_OF)

    expected = build_features(learners_table(make_learner()), hand_built(), AS_OF)
    pd.testing.assert_frame_equal(only, expected)


def test_night_shift_logins_around_midnight_have_a_small_hour_spread() -> None:
    events = events_table(
        make_event("2026-01-30 23:00", "login"), make_event("2026-01-31 01:00", "login")
    )

    row = build_features(learners_table(make_learner()), events, AS_OF).loc["L1"]

    assert row["hour_of_day_std_28d"] == pytest.approx(1.0, abs=0.02)


def test_category_codes_do_not_depend_on_the_batch() -> None:
    one = learners_table(make_learner(learner_id="a", shift="night"))
    many = learners_table(
        make_learner(learner_id="b", shift="day"),
        make_learner(learner_id="a", shift="night"),
        make_learner(learner_id="c", shift="Rotating", role="astronaut", department=""),
    )

    alone = build_features(one, empty_events(), AS_OF).loc["a", "shift_code"]
    together = build_features(many, empty_events(), AS_OF)

    assert alone == together.loc["a", "shift_code"] == category_code("shift", "night") == 3
    assert together.loc["c", "shift_code"] == category_code("shift", "rotating")
    assert together.loc["c", "role_code"] == 0  # not in the vocabulary: "other"
    assert math.isnan(together.loc["c", "department_code"])


def test_open_unit_is_the_latest_unfinished_one() -> None:
    units = open_units(learners_table(make_learner()), hand_built(), AS_OF)

    assert units.to_dict() == {"L1": "c1-u2"}
