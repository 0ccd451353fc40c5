"""`ml.features.feature_matrix` (numpy in, the risk service's path) gives exactly what
`build_features` (tables in, training's path) gives, so serving cannot drift from training."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.dataset import VERBS
from ml.features import FEATURE_NAMES, build_features, feature_matrix
from ml.milestones import current_milestones


def test_arrays_and_tables_give_the_same_features() -> None:
    from ml.synth import generate

    world = generate(n_learners=40, days=40, seed=11)
    learners = world.learners.reset_index(drop=True).copy()
    events = world.events.reset_index(drop=True).copy()
    # corners: an unknown verb, a blank role, an unknown shift, events after as_of
    events.loc[3, "verb"] = "bookmarked"
    learners.loc[0, "role"] = ""
    learners.loc[1, "shift"] = "graveyard"
    as_of = events["ts"].quantile(0.8).floor("h")

    expected = build_features(learners, events, as_of, world.milestones)

    index = pd.Index(learners["learner_id"])
    unit, unit_names = pd.factorize(events["unit_id"])
    code = {v: i for i, v in enumerate(VERBS)}
    got = feature_matrix(
        as_of_us=as_of.value // 1000,
        hired_us=learners["hire_date"].array.as_unit("us").asi8.astype(np.float64),
        profile={c: learners[c].fillna("").tolist() for c in ("role", "department", "shift")},
        who=index.get_indexer(events["learner_id"]),
        ts_us=events["ts"].array.as_unit("us").asi8,
        verb=np.array([code.get(v, len(VERBS)) for v in events["verb"]]),
        duration_s=events["duration_s"].to_numpy(np.float64),
        score=events["score"].to_numpy(np.float64, na_value=np.nan),
        success=events["success"].to_numpy(bool),
        attempt=events["attempt"].to_numpy(np.int64),
        unit=unit,
        unit_names=np.asarray(unit_names, dtype=object),
        milestones=current_milestones(world.milestones, index, as_of.value // 1000),
    )

    assert got.shape == (len(learners), len(FEATURE_NAMES))
    assert (events["ts"] >= as_of).any() and np.isnan(expected.to_numpy()).any()
    # both learners on a programme (a current milestone) and learners on none
    assert expected["milestone_lateness"].notna().any() and expected["reminders_on"].isna().any()
    np.testing.assert_array_equal(got, expected.loc[index].to_numpy())
