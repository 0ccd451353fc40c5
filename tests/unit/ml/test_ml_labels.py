"""Labels and splits: who counts at a cut-off, what "left" and "stalled" mean, and a split
that keeps learners apart and the future out of training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ml_factories import events_table, learners_table, make_event, make_learner, unit_event

from ml.dataset import Dataset
from ml.evaluation import band_thresholds, binary_metrics, split_examples
from ml.labels import cutoffs, make_examples
from ml.synth import generate

CUT = pd.Timestamp("2026-02-01", tz="UTC")


def test_labels_at_a_cut_off() -> None:
    learners = learners_table(
        make_learner(learner_id="leaves-soon", left_at=pd.Timestamp("2026-02-10", tz="UTC")),
        make_learner(learner_id="leaves-later", left_at=pd.Timestamp("2026-02-20", tz="UTC")),
        make_learner(learner_id="already-gone", left_at=pd.Timestamp("2026-01-20", tz="UTC")),
        make_learner(learner_id="not-hired-yet", hire_date=pd.Timestamp("2026-02-05", tz="UTC")),
        make_learner(learner_id="idle"),
    )
    events = events_table(
        # leaves-soon: open unit before the cut, progress on it within 7 days -> not stalled
        unit_event("2026-01-30 10:00", "launched", "c1-u1", learner_id="leaves-soon"),
        unit_event("2026-02-03 10:00", "progressed", "c1-u1", learner_id="leaves-soon"),
        # leaves-later: open unit, then only a login -> stalled
        unit_event("2026-01-30 10:00", "launched", "c1-u2", learner_id="leaves-later"),
        make_event("2026-02-02 10:00", "login", learner_id="leaves-later"),
    )

    rows = make_examples(Dataset(learners, events), [CUT]).set_index("learner_id")

    assert sorted(rows.index) == ["idle", "leaves-later", "leaves-soon"]
    assert rows["attrition"].to_dict() == {"leaves-soon": 1, "leaves-later": 0, "idle": 0}
    assert rows.loc["leaves-soon", "stall"] == 0
    assert rows.loc["leaves-later", "stall"] == 1
    assert np.isnan(rows.loc["idle", "stall"])  # no open unit: nothing to stall on
    assert (rows["as_of"] == CUT).all()


def test_cut_offs_leave_room_for_history_and_horizon() -> None:
    world = generate(n_learners=20, days=70, seed=2)
    start = world.events["ts"].min().normalize()

    cuts = cutoffs(world.events, every_days=4)

    assert cuts[0] == start + pd.Timedelta(days=28)
    assert cuts[-1] + pd.Timedelta(days=14) <= start + pd.Timedelta(days=70)
    assert all(c.hour == 0 and c.minute == 0 for c in cuts)


def test_split_keeps_learners_apart_and_the_future_out_of_training() -> None:
    world = generate(n_learners=150, days=80, seed=8)
    examples = make_examples(world, cutoffs(world.events, every_days=4))

    split = split_examples(examples, seed=1, horizon_days=14)

    ids = [set(part["learner_id"]) for part in (split.train, split.valid, split.test)]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    first_future = min(split.valid["as_of"].min(), split.test["as_of"].min())
    assert (split.train["as_of"] + pd.Timedelta(days=14) <= first_future).all()
    assert min(len(split.train), len(split.valid), len(split.test)) > 0


def test_band_thresholds_reach_the_precision_targets_with_the_most_recall() -> None:
    # Scores 1..20, positives at 20,19,18,16,14,12,10: flagging >= 16 gives precision 4/5,
    # >= 14 only 5/7; the last threshold still at 1/2 is 7 (7 hits in 14 flagged).
    p = np.arange(1, 21) / 21
    y = np.isin(np.arange(1, 21), [20, 19, 18, 16, 14, 12, 10]).astype(float)

    bands = band_thresholds(y, p, medium_precision=0.5, high_precision=0.75)

    assert bands.rule == "precision"
    assert bands.high == pytest.approx(16 / 21)
    assert bands.medium == pytest.approx(7 / 21)


def test_band_thresholds_fall_back_to_shares_when_targets_are_out_of_reach() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(1000)
    y = (rng.random(1000) < 0.02).astype(float)  # scores carry no information

    bands = band_thresholds(y, p)

    assert bands.rule == "share"
    assert (p >= bands.medium).mean() == pytest.approx(0.10, abs=0.01)
    assert (p >= bands.high).mean() == pytest.approx(0.03, abs=0.01)


def test_metrics_are_undefined_rather_than_wrong_with_one_class() -> None:
    metrics = binary_metrics(np.zeros(4), np.array([0.1, 0.2, 0.3, 0.4]))

    assert np.isnan(metrics["roc_auc"]) and np.isnan(metrics["pr_auc"])
    assert metrics["brier"] == pytest.approx((0.01 + 0.04 + 0.09 + 0.16) / 4)
