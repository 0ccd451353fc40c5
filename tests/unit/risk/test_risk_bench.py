"""`learnpulse bench risk` compares like with like: its proto trajectories, its columnar
batches and its precomputed-feature requests score exactly as in-process features of the
same learners."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from risk_fakes import make_model_set

from learnpulse.risk.v1 import risk_pb2
from ml.dataset import Dataset
from ml.features import FEATURE_NAMES
from services.risk import bench, bench_procs, columns, scoring
from services.risk.models import ModelSet

MILESTONE_FEATURES = (
    "milestone_days_left",
    "milestone_units_left",
    "milestone_lateness",
    "reminders_on",
)


@pytest.fixture(scope="module")
def models() -> ModelSet:
    return make_model_set()


@pytest.fixture(scope="module")
def world() -> Dataset:
    from ml.synth import generate

    return generate(n_learners=30, days=35, seed=5)


def test_the_three_inputs_score_the_same(models: ModelSet, world: Dataset) -> None:
    as_of = world.events["ts"].max().floor("D")
    events = bench_procs.window(world.events, as_of)
    learners = world.learners.reset_index(drop=True)

    trajectories = bench_procs.trajectories(learners, events, world.milestones, as_of)
    rate, features = bench.inprocess(
        models, learners, events, as_of=as_of, batch=8, milestones=world.milestones
    )
    requests = bench.feature_batches(trajectories, features, batch=8)
    columnar = bench.columnar_batches(trajectories, as_of, batch=8)
    assert bench.service_inprocess(models, columnar, as_of) > 0

    assert rate > 0 and len(trajectories) == len(features) == 30
    assert [t.profile.learner_id for t in trajectories] == list(learners["learner_id"])
    # Both sides carry the milestones: some learners have one, the rest (off the programme) not.
    carried = [t.profile.HasField("milestone") for t in trajectories]
    assert 0 < sum(carried) < len(carried)
    served = scoring.features_of(
        [t.profile for t in trajectories], columns.from_events(trajectories), as_of.to_pydatetime()
    )
    for name in MILESTONE_FEATURES:
        mine = features[name].to_numpy(np.float64)
        np.testing.assert_array_equal(~np.isnan(mine), carried, err_msg=name)
        np.testing.assert_allclose(served[:, FEATURE_NAMES.index(name)], mine, err_msg=name)
    from_events = scoring.score_trajectories(
        models=models, trajectories=trajectories, as_of=as_of.to_pydatetime()
    )

    def score_batches(
        requests: list[risk_pb2.ScoreTrajectoriesRequest],
    ) -> list[risk_pb2.LearnerScore]:
        """Each request as the servicer passes it on: features or columns, whichever it has."""
        return [
            score
            for request in requests
            for score in scoring.score_trajectories(
                models=models,
                trajectories=request.trajectories,
                as_of=as_of.to_pydatetime(),
                feature_names=request.feature_names,
                event_columns=(
                    request.event_columns if request.HasField("event_columns") else None
                ),
            )
        ]

    from_features, from_columns = score_batches(requests), score_batches(columnar)
    assert from_columns == from_events
    meta = models.attrition.meta
    offline = models.attrition.booster.predict(features[list(meta.features)].to_numpy(np.float64))
    np.testing.assert_allclose([s.attrition.probability for s in from_events], offline, atol=1e-12)
    np.testing.assert_allclose(
        [s.attrition.probability for s in from_features], offline, atol=1e-12
    )


def test_trajectories_carry_the_milestone_current_at_as_of(world: Dataset) -> None:
    learners = world.learners.reset_index(drop=True).iloc[:2]
    first, second = learners["learner_id"]
    as_of = pd.Timestamp("2026-02-01", tz="UTC")
    milestones = pd.DataFrame(
        {
            "learner_id": [first, first, first],
            "assigned_at": pd.to_datetime(["2026-01-05", "2026-01-19", "2026-02-02"], utc=True),
            "due_at": pd.to_datetime(["2026-01-19", "2026-02-02", "2026-02-16"], utc=True),
            "units_assigned": [4, 6, 8],
            "reminders": pd.array([True, pd.NA, False], dtype="boolean"),
        }
    )
    with_milestone, without = bench_procs.trajectories(
        learners, world.events.iloc[:0], milestones, as_of
    )

    m = with_milestone.profile.milestone
    # the latest assigned at or before as_of, not the one assigned the day after
    assert m.assigned_at.ToDatetime(tzinfo=UTC) == datetime(2026, 1, 19, tzinfo=UTC)
    assert m.due_at.ToDatetime(tzinfo=UTC) == datetime(2026, 2, 2, tzinfo=UTC)
    assert m.units == 6
    assert not m.HasField("reminders")  # unknown stays unset, not False
    assert not without.profile.HasField("milestone")
    assert with_milestone.profile.learner_id == first and without.profile.learner_id == second


def test_trajectories_need_as_of_with_milestones(world: Dataset) -> None:
    learners = world.learners.reset_index(drop=True).iloc[:1]
    with pytest.raises(ValueError, match="as_of"):
        bench_procs.trajectories(learners, world.events.iloc[:0], world.milestones)
