"""The synthetic world: reproducible, canonical, and with leavers whose activity fades before
they go - visibly, but not so uniformly that leaving becomes trivial to predict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.dataset import VERBS, Dataset, validate
from ml.synth import generate

DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def world() -> Dataset:
    return generate(n_learners=800, days=90, seed=21)


def test_same_seed_same_world_and_another_seed_another() -> None:
    first = generate(n_learners=80, days=30, seed=5)
    second = generate(n_learners=80, days=30, seed=5)
    other = generate(n_learners=80, days=30, seed=6)

    pd.testing.assert_frame_equal(first.learners, second.learners)
    pd.testing.assert_frame_equal(first.events, second.events)
    assert first.truth is not None and second.truth is not None
    pd.testing.assert_frame_equal(first.truth, second.truth)
    assert first.fingerprint() == second.fingerprint() != other.fingerprint()


def test_world_is_a_valid_canonical_dataset(world: Dataset) -> None:
    validate(world.learners, world.events)

    assert set(world.events["verb"]) == set(VERBS)
    units = world.events.loc[world.events["verb"] != "login", "unit_id"]
    assert units.str.fullmatch(r"c\d\d-u\d\d").all()
    assert world.events["ts"].is_monotonic_increasing
    assert world.learners["manager_id"].nunique() >= len(world.learners) // 15


def test_nobody_acts_after_leaving(world: Dataset) -> None:
    last = world.events.groupby("learner_id")["ts"].max()
    left = world.learners.set_index("learner_id")["left_at"].dropna()

    assert 0.05 < len(left) / len(world.learners) < 0.3  # frontline turnover over a quarter
    assert (last.reindex(left.index).dropna() < left[last.reindex(left.index).notna()]).all()


def test_truth_is_higher_for_people_about_to_leave(world: Dataset) -> None:
    assert world.truth is not None
    truth = world.truth.merge(world.learners[["learner_id", "left_at"]], on="learner_id")
    soon = (truth["left_at"] > truth["day"]) & (truth["left_at"] <= truth["day"] + 14 * DAY)

    assert truth["p_leave_14d"].between(0, 1).all()
    assert truth.loc[soon, "p_leave_14d"].mean() > 5 * truth.loc[~soon, "p_leave_14d"].mean()


def test_progress_is_reported_once_per_day() -> None:
    ticks: list[int] = []

    generate(n_learners=5, days=12, seed=1, progress=ticks.append)

    assert ticks == [1] * 12


def test_rejects_an_empty_world() -> None:
    with pytest.raises(ValueError, match="n_learners"):
        generate(n_learners=0, days=10, seed=1)


def test_quiz_answers_and_results_agree(world: Dataset) -> None:
    events = world.events
    results = events[events["verb"].isin(["passed", "failed"])]
    assert (results["success"] == (results["verb"] == "passed")).all()
    assert results["score"].between(0, 1).all()
    answers = events[events["verb"] == "answered"]
    assert set(answers["response"]) == {"a", "b", "c", "d"}
    assert np.array_equal(answers["score"].to_numpy(), answers["success"].to_numpy(float))
