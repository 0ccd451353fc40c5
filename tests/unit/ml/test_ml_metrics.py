"""The evaluation report's building blocks: calibration error, recall at a precision, lead
time before leaving, the fairness view and the oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.metrics import (
    ece,
    expected_roc_auc,
    fairness,
    median_lead_days,
    oracle_roc_auc,
    recall_at_precision,
)

DAY = pd.Timedelta(days=1)
T0 = pd.Timestamp("2026-03-02", tz="UTC")


def test_ece_is_zero_when_scores_match_rates_and_large_when_overconfident() -> None:
    y = np.array([0, 0, 0, 1] * 250, dtype=float)
    assert ece(y, np.full(1000, 0.25)) < 1e-9
    assert abs(ece(y, np.full(1000, 0.85)) - 0.60) < 1e-9


def test_recall_at_precision_takes_the_best_threshold() -> None:
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0])
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    # Top 4: 3 of 4 right (precision 0.75) -> recall 3/4.
    assert recall_at_precision(y, p, 0.75) == 0.75
    assert recall_at_precision(y, p, 0.99) == 0.5
    assert recall_at_precision(np.zeros(3), np.ones(3)) == 0.0


def test_lead_days_count_from_the_first_high_score_before_leaving() -> None:
    rows = pd.DataFrame(
        {
            "learner_id": ["a", "a", "a", "b", "b", "c"],
            "as_of": [T0, T0 + 2 * DAY, T0 + 4 * DAY, T0, T0 + 2 * DAY, T0],
            "left_at": [T0 + 10 * DAY] * 3 + [T0 + 6 * DAY] * 2 + [pd.NaT],
        }
    )
    p = np.array([0.1, 0.9, 0.9, 0.2, 0.95, 0.99])  # c never leaves: not a catch

    assert median_lead_days(rows, p, high=0.8) == 6.0  # a: 8 days, b: 4 days
    assert median_lead_days(rows, p, high=0.999) is None


def test_fairness_view_per_department_and_shift() -> None:
    rows = pd.DataFrame({"department": ["x", "x", "y", "y"], "shift": ["day"] * 4})
    view = fairness(rows, np.array([1.0, 0, 1, 0]), np.array([0.9, 0.1, 0.2, 0.8]), high=0.5)

    assert view["department"]["x"] == {"n": 2, "roc_auc": 1.0, "share_high": 0.5}
    assert view["department"]["y"]["roc_auc"] == 0.0
    assert view["shift"]["day"]["n"] == 4


def test_oracle_is_null_without_truth_and_scored_with_it() -> None:
    rows = pd.DataFrame({"learner_id": ["a", "b"], "as_of": [T0, T0], "attrition": [1.0, 0.0]})
    truth = pd.DataFrame(
        {"learner_id": ["a", "b"], "day": [T0, T0], "p_leave_14d": [0.7, 0.1], "p_stall_7d": 0.5}
    )
    assert oracle_roc_auc("attrition", rows, None) is None
    assert oracle_roc_auc("attrition", rows, truth) == 1.0


def test_expected_roc_auc_weighs_rows_by_the_truth_not_by_one_draw() -> None:
    rows = pd.DataFrame({"learner_id": ["a", "b", "c"], "as_of": [T0] * 3})
    truth = pd.DataFrame(
        {"learner_id": ["a", "b", "c"], "day": [T0] * 3, "p_leave_14d": [0.8, 0.5, 0.2]}
    )
    ranked = np.array([3.0, 2.0, 1.0])

    got = expected_roc_auc("attrition", rows, truth, {"model": ranked, "flat": np.zeros(3)})

    # Positive-negative weight: a>b 0.8*0.5, a>c 0.8*0.8, b>c 0.5*0.8; all won by `ranked`,
    # and lost the other way round: 0.2*0.5 + 0.2*0.2 + 0.5*0.2.
    won, lost = 0.4 + 0.64 + 0.4, 0.1 + 0.04 + 0.1
    assert got is not None
    assert got["model"] == pytest.approx(won / (won + lost))
    assert got["oracle"] == got["model"]  # the truth ranks the rows the same way
    assert got["flat"] == pytest.approx(0.5)
    assert expected_roc_auc("attrition", rows, None, {"model": ranked}) is None
    assert expected_roc_auc("attrition", rows.assign(learner_id="z"), truth, {}) is None
