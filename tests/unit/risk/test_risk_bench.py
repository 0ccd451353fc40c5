"""`learnpulse bench risk` compares like with like: its proto trajectories, its columnar
batches and its precomputed-feature requests score exactly as in-process features of the
same learners."""

from __future__ import annotations

import numpy as np
import pytest
from risk_fakes import make_model_set

from learnpulse.risk.v1 import risk_pb2
from services.risk import bench, bench_procs, scoring
from services.risk.models import ModelSet


@pytest.fixture(scope="module")
def models() -> ModelSet:
    return make_model_set()


def test_the_three_inputs_score_the_same(models: ModelSet) -> None:
    from ml.synth import generate

    world = generate(n_learners=30, days=35, seed=5)
    as_of = world.events["ts"].max().floor("D")
    events = bench_procs.window(world.events, as_of)
    learners = world.learners.reset_index(drop=True)

    trajectories = bench_procs.trajectories(learners, events)
    rate, features = bench.inprocess(models, learners, events, as_of=as_of, batch=8)
    requests = bench.feature_batches(trajectories, features, batch=8)
    columnar = bench.columnar_batches(trajectories, as_of, batch=8)
    assert bench.service_inprocess(models, columnar, as_of) > 0

    assert rate > 0 and len(trajectories) == len(features) == 30
    assert [t.profile.learner_id for t in trajectories] == list(learners["learner_id"])
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
