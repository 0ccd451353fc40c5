"""The synthetic world reproduces the published patterns it is calibrated to: reminders lift
completion of assigned units from ~58% to ~92%; >3 quiz retakes -> ~41% pass rate on later
performance checks; stalls over 48 h precede leaving; leaving shows 1-2 weeks ahead; and the
ground truth ranks leavers with an oracle ROC-AUC between 0.80 and 0.92, and is calibrated
(it is the generator's probability given its state, not a peek at the simulated future)."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from ml.dataset import Dataset
from ml.labels import cutoffs, make_examples
from ml.synth import generate

DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def world() -> Dataset:
    return generate(n_learners=4000, days=120, seed=11)


@pytest.fixture(scope="module")
def thursdays(world: Dataset) -> pd.DataFrame:
    """Examples at Thursday midnights: 48 hours back do not reach into the weekend."""
    cuts = [c for c in cutoffs(world.events, every_days=1) if c.day_of_week == 3]
    return make_examples(world, cuts)


def test_reminders_lift_completion_of_assigned_units(world: Dataset) -> None:
    assert world.milestones is not None
    # Milestones due inside the data, of learners still there when they fell due.
    due = world.milestones.merge(world.learners[["learner_id", "left_at"]], on="learner_id")
    end = world.events["ts"].max()
    stayed = (due["due_at"] <= end) & ~(due["left_at"] <= due["due_at"])
    sums = due[stayed].groupby("reminders")[["units_completed", "units_assigned"]].sum()
    rate = sums["units_completed"] / sums["units_assigned"]

    assert 0.53 <= rate[False] <= 0.63
    assert 0.88 <= rate[True] <= 0.96
    sent = world.milestones.groupby("reminders")["reminders_sent"].sum()
    assert sent[False] == 0 < sent[True]


def test_every_assigned_milestone_has_a_row_leavers_included(world: Dataset) -> None:
    """A row per assignment, so whether a row exists never tells who is about to leave."""
    assert world.milestones is not None
    starts = world.milestones["assigned_at"].drop_duplicates().sort_values()
    first = world.milestones[world.milestones["assigned_at"] == starts.iloc[0]]
    on_programme = world.milestones["learner_id"].unique()
    # Everyone is employed on day 0; some learners are on no programme at all.
    assert len(first) == len(on_programme)
    assert 0.75 < len(on_programme) / len(world.learners) < 0.95
    learners = world.learners.set_index("learner_id")
    leavers = learners.index[learners["left_at"].notna()].intersection(on_programme)
    last_due = world.milestones.groupby("learner_id")["due_at"].max()
    # A leaver's last milestone is the one they left during.
    assert (last_due[leavers] + pd.Timedelta(days=1) >= learners.loc[leavers, "left_at"]).all()


def test_no_reminders_anywhere_when_the_policy_is_off() -> None:
    quiet = generate(n_learners=200, days=30, seed=3, reminders=0.0)
    assert quiet.milestones is not None
    assert not quiet.milestones["reminders"].any()
    assert quiet.milestones["reminders_sent"].sum() == 0


def test_many_quiz_retakes_predict_failing_later_performance_checks(world: Dataset) -> None:
    assert world.checks is not None
    results = world.events.loc[world.events["verb"].isin(["passed", "failed"])]
    pairs = results[["learner_id", "ts", "attempt"]].merge(world.checks, on="learner_id")
    earlier = pairs[pairs["ts"] < pairs["checked_at"]]
    most = earlier.groupby(["learner_id", "checked_at"])["attempt"].max()
    checks = world.checks.set_index(["learner_id", "checked_at"])
    struggled = most.reindex(checks.index).fillna(0) > 4  # attempt 5+ = more than 3 retakes

    assert struggled.sum() >= 200
    assert 0.35 <= checks.loc[struggled, "passed"].mean() <= 0.47
    assert checks.loc[~struggled, "passed"].mean() >= 0.65
    assert set(world.checks["rating"]) <= {1, 2, 3, 4, 5}


def test_stalls_over_48_hours_make_leaving_markedly_more_likely(thursdays: pd.DataFrame) -> None:
    examples = thursdays
    stalled = examples["current_stall_hours"] > 48

    assert (
        examples.loc[stalled, "attrition"].mean() > 1.8 * examples.loc[~stalled, "attrition"].mean()
    )


def test_milestones_pace_the_work(thursdays: pd.DataFrame) -> None:
    """Learners who have done their milestone a week or more before it is due wait for the
    next one, so the unit they opened sits still; learners behind rush in the last days before
    the due date."""
    examples = thursdays.dropna(subset=["stall"])
    done = (examples["milestone_units_left"] == 0) & (examples["milestone_days_left"] > 7)
    behind = examples["milestone_lateness"] > 1
    closing = behind & (examples["milestone_days_left"] <= 4)  # the rush falls in the week

    assert done.sum() >= 50 and closing.sum() >= 200
    assert examples.loc[done, "stall"].mean() > 2 * examples.loc[~done, "stall"].mean()
    assert examples.loc[closing, "stall"].mean() < examples.loc[behind & ~closing, "stall"].mean()


def test_leaving_shows_one_to_two_weeks_before_the_date(world: Dataset) -> None:
    start = world.events["ts"].min().normalize()
    leavers = world.learners[world.learners["left_at"] >= start + 60 * DAY]
    logins = world.events[world.events["verb"] == "login"].merge(
        leavers[["learner_id", "left_at"]], on="learner_id"
    )
    weeks_before = ((logins["left_at"] - logins["ts"]) / DAY // 7).astype(int)
    per_week = weeks_before.value_counts() / len(leavers)
    baseline = per_week[[4, 5, 6, 7]].mean()

    assert len(leavers) >= 300
    assert per_week[0] < 0.75 * baseline
    assert per_week[1] < 0.92 * baseline
    assert per_week[3] > 0.92 * baseline  # three weeks ahead there is little to see yet


def test_leavers_activity_declines_in_the_weeks_before_leaving(world: Dataset) -> None:
    """All events, not only logins (on this larger world: event counts are heavy-tailed)."""
    start = world.events["ts"].min().normalize()
    learners = world.learners
    # Leavers with four full weeks observed before they leave.
    leavers = learners[learners["left_at"] >= start + 29 * DAY]
    events = world.events.merge(leavers[["learner_id", "left_at"]], on="learner_id")
    before = (events["left_at"] - events["ts"]) / DAY
    per_learner = pd.DataFrame(
        {
            "last_week": (before <= 7).groupby(events["learner_id"]).sum(),
            "weeks_3_4": ((before > 14) & (before <= 28)).groupby(events["learner_id"]).sum() / 2,
        }
    ).reindex(leavers["learner_id"], fill_value=0)

    assert len(per_learner) >= 40
    # Weeks 3-4 are often already into the push (fewer lessons finished, no replays), so the
    # drop against them is smaller than against a leaver's calm weeks: about a third.
    assert per_learner["last_week"].sum() < 0.75 * per_learner["weeks_3_4"].sum()
    # Not every leaver fades: some keep their pace until the end.
    steady = per_learner["last_week"] >= per_learner["weeks_3_4"]
    assert 0.05 < steady.mean() < 0.5


def test_ground_truth_is_informative_but_not_separable(world: Dataset) -> None:
    assert world.truth is not None
    truth = world.truth.merge(world.learners[["learner_id", "left_at"]], on="learner_id")
    truth = truth[truth["day"].dt.day_of_week == 0]
    leaves = (truth["left_at"] > truth["day"]) & (truth["left_at"] <= truth["day"] + 14 * DAY)

    assert 0.80 <= roc_auc_score(leaves, truth["p_leave_14d"]) <= 0.92
    assert truth[["p_leave_14d", "p_stall_7d"]].stack().between(0, 1).all()


def test_stall_truth_ranks_the_stall_labels(world: Dataset, thursdays: pd.DataFrame) -> None:
    assert world.truth is not None
    examples = thursdays.dropna(subset=["stall"])
    truth = world.truth.rename(columns={"day": "as_of"})
    rows = examples.merge(truth, on=["learner_id", "as_of"])

    assert len(rows) == len(examples)
    assert roc_auc_score(rows["stall"], rows["p_stall_7d"]) > 0.75


def test_truth_is_the_calibrated_probability_given_the_state(
    world: Dataset, thursdays: pd.DataFrame
) -> None:
    """Forecast from the hidden state, the truth's average matches what then happens, overall
    and among the learners it puts at high risk; a peek at the future would overshoot there."""
    assert world.truth is not None
    truth = world.truth.merge(world.learners[["learner_id", "left_at"]], on="learner_id")
    truth = truth[truth["day"] <= truth["day"].max() - 14 * DAY]
    leaves = (truth["left_at"] > truth["day"]) & (truth["left_at"] <= truth["day"] + 14 * DAY)
    high = truth["p_leave_14d"] > 0.3

    assert abs(truth["p_leave_14d"].mean() / leaves.mean() - 1) < 0.1
    assert high.sum() > 500
    assert abs(truth.loc[high, "p_leave_14d"].mean() - leaves[high].mean()) < 0.05
    stall = thursdays.dropna(subset=["stall"]).merge(
        world.truth.rename(columns={"day": "as_of"}), on=["learner_id", "as_of"]
    )
    assert abs(stall["p_stall_7d"].mean() - stall["stall"].mean()) < 0.03
