"""Scoring without a server: bands from stored thresholds, explanations a manager can read,
and one score per learner in request order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from risk_fakes import AS_OF, make_event, make_meta, make_model_set, make_trajectory, ts

from learnpulse.risk.v1 import risk_pb2
from ml import calibration
from ml.dataset import validate
from ml.features import build_features
from services.risk import columns, scoring
from services.risk.models import LoadedModel, ModelSet

RAISES, LOWERS = risk_pb2.Factor.DIRECTION_RAISES, risk_pb2.Factor.DIRECTION_LOWERS


@pytest.mark.parametrize(
    ("probability", "band"),
    [
        (0.0, risk_pb2.BAND_LOW),
        (0.2999, risk_pb2.BAND_LOW),
        (0.3, risk_pb2.BAND_MEDIUM),  # thresholds are inclusive lower bounds
        (0.5999, risk_pb2.BAND_MEDIUM),
        (0.6, risk_pb2.BAND_HIGH),
        (1.0, risk_pb2.BAND_HIGH),
    ],
)
def test_band_follows_the_versions_thresholds(probability: float, band: int) -> None:
    meta = make_meta(band_medium_threshold=0.3, band_high_threshold=0.6)
    assert scoring.band_for(probability, meta) == band


def test_factors_are_the_largest_contributions_first_with_direction_and_label() -> None:
    names = ("events_14d", "quiz_fail_rate", "tenure_days", "idle")
    contributions = np.array([-0.2, 0.9, 0.05, 0.0])
    values = np.array([3.0, 0.35, 412.0, 7.0])
    labels = {"events_14d": "Events in the last 14 days", "quiz_fail_rate": "Quiz failure rate"}

    factors = scoring.top_factors(contributions, values, names, 5, labels)

    assert [f.name for f in factors] == ["quiz_fail_rate", "events_14d", "tenure_days"]
    assert [f.direction for f in factors] == [RAISES, LOWERS, RAISES]
    assert factors[0].label == "Quiz failure rate: 0.35"
    assert factors[1].label == "Events in the last 14 days: 3"
    assert factors[2].label == "tenure_days: 412"  # no label known: the name stands in
    assert factors[0].contribution == pytest.approx(0.9)


def test_factors_stop_at_k_and_leave_out_features_that_did_not_move_the_score() -> None:
    names = ("a", "b", "c")
    factors = scoring.top_factors(np.array([0.0, 0.1, -0.3]), np.zeros(3), names, 1, {})
    assert [f.name for f in factors] == ["c"]


@pytest.mark.parametrize(
    ("value", "text"), [(9.0, "9"), (0.35, "0.35"), (12.5, "12.5"), (float("nan"), "unknown")]
)
def test_values_read_naturally(value: float, text: str) -> None:
    assert scoring.format_value(value) == text


def test_one_score_per_learner_in_request_order_naming_each_model() -> None:
    models = make_model_set(version="4")
    trajectories = [make_trajectory(f"l-{n}", events=n) for n in (7, 0, 3)]

    scores = scoring.score_trajectories(models=models, trajectories=trajectories, as_of=AS_OF)

    assert [s.learner_id for s in scores] == ["l-7", "l-0", "l-3"]
    for score in scores:
        for estimate, name in (
            (score.attrition, "learnpulse-attrition"),
            (score.stall, "learnpulse-stall"),
        ):
            assert 0.0 <= estimate.probability <= 1.0
            assert estimate.band != risk_pb2.BAND_UNSPECIFIED
            assert (estimate.model.name, estimate.model.version, estimate.model.alias) == (
                name,
                "4",
                "champion",
            )
            assert not estimate.factors  # explanations only when asked


def test_explanations_match_the_boosters_own_contributions() -> None:
    models = make_model_set()
    scores = scoring.score_trajectories(
        models=models,
        trajectories=[make_trajectory(events=9)],
        as_of=AS_OF,
        explain=True,
        max_factors=3,
    )
    factors = scores[0].attrition.factors
    assert 0 < len(factors) <= 3
    magnitudes = [abs(f.contribution) for f in factors]
    assert magnitudes == sorted(magnitudes, reverse=True)
    for factor in factors:
        assert factor.label.startswith(scoring.FEATURE_LABELS.get(factor.name, factor.name) + ": ")
        assert factor.direction == (RAISES if factor.contribution > 0 else LOWERS)


def test_events_after_as_of_do_not_change_the_score() -> None:
    models = make_model_set()
    past = make_trajectory(events=4)
    with_future = make_trajectory(events=4)
    with_future.events.append(make_event(days_ago=-3, verb="completed"))

    before, after = (
        scoring.score_trajectories(models=models, trajectories=[t], as_of=AS_OF)[0]
        for t in (past, with_future)
    )
    assert before.attrition.probability == after.attrition.probability
    assert before.stall.probability == after.stall.probability


def test_proto_trajectories_give_the_features_training_reads_from_tables() -> None:
    """The service goes straight from protos to arrays; the canonical tables of the same
    protos pass training's checks and give the same features through build_features."""
    trajectory = make_trajectory(events=12)
    trajectory.events.append(make_event(verb="login", score=0.0, ts=ts(AS_OF - timedelta(hours=1))))
    trajectory.events.append(make_event(days_ago=-2, verb="completed"))  # after as_of
    trajectory.events.append(make_event(days_ago=40, verb="launched"))  # before the window
    quiet = make_trajectory("l-2", events=0, role="", hire_date=ts(AS_OF + timedelta(days=3)))
    trajectories = [trajectory, quiet]

    learners, events = scoring.to_frames(trajectories)
    validate(learners, events)  # the same checks training data passes
    assert events["score"].isna().sum() == sum(
        e.verb not in scoring.QUIZ_VERBS for e in trajectory.events
    )
    expected = build_features(learners, events, pd.Timestamp(AS_OF)).loc[["l-1", "l-2"]]

    profiles = [t.profile for t in trajectories]
    got = scoring.features_of(profiles, columns.from_events(trajectories), AS_OF)
    np.testing.assert_array_equal(got, expected.to_numpy())


def test_categorical_factors_show_the_category_not_its_code() -> None:
    shown = scoring.categories([make_trajectory(role="agent", shift="").profile])[0]
    assert shown == {"role_code": "agent", "department_code": "support", "shift_code": "unknown"}

    factors = scoring.top_factors(
        np.array([0.4]), np.array([517.0]), ("role_code",), 1, {"role_code": "Role"}, shown
    )
    assert factors[0].label == "Role: agent"


@pytest.mark.parametrize(
    "params",
    [
        {"objective": "binary"},
        {"objective": "binary", "sigmoid": 0.7},
        {"objective": "cross_entropy"},
        {"objective": "regression"},  # no known link: predict is asked instead
    ],
)
def test_probability_from_summed_contributions_equals_predict(params: dict[str, object]) -> None:
    """One LightGBM call per model when explaining: contributions + the link function."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(300, 6))
    y = (x[:, 0] + rng.normal(size=300) > 0).astype(float)
    booster = lgb.train(
        {**params, "num_leaves": 7, "verbose": -1, "num_threads": 1},
        lgb.Dataset(x, y),
        num_boost_round=15,
    )
    # a model reloaded from text, as the service loads it
    model = LoadedModel(make_meta(), lgb.Booster(model_str=booster.model_to_string()))
    rows = np.vstack([x[:50], np.full((1, 6), np.nan)])

    probabilities, contributions = scoring.raw_scores(model, rows, explain=True)

    expected_link = None if params["objective"] == "regression" else params.get("sigmoid", 1.0)
    assert model.sigmoid == expected_link
    assert contributions is not None and contributions.shape == (51, 7)
    np.testing.assert_allclose(probabilities, model.booster.predict(rows), rtol=0, atol=1e-9)
    plain, none = scoring.raw_scores(model, rows, explain=False)
    assert none is None
    np.testing.assert_allclose(plain, probabilities, rtol=0, atol=1e-9)


def test_served_probabilities_and_bands_are_calibrated_as_the_version_says() -> None:
    """The `calibration` tag maps raw scores exactly as `ml.calibration.apply` does, and bands
    compare the calibrated probability (a constant 0.7 is HIGH whatever the raw score)."""
    raw = make_model_set()
    spec = {"method": "isotonic", "x": [0.0, 1.0], "y": [0.7, 0.7]}
    calibrated = ModelSet(
        replace(raw.attrition, meta=replace(raw.attrition.meta, calibration=spec)), raw.stall
    )
    trajectories = [make_trajectory(f"l-{n}", events=n) for n in range(4)]

    before = scoring.score_trajectories(models=raw, trajectories=trajectories, as_of=AS_OF)
    after = scoring.score_trajectories(models=calibrated, trajectories=trajectories, as_of=AS_OF)

    expected = calibration.apply(np.array([s.attrition.probability for s in before]), spec)
    assert [s.attrition.probability for s in after] == pytest.approx(list(expected))
    assert {s.attrition.band for s in after} == {risk_pb2.BAND_HIGH}
    assert [s.stall.probability for s in after] == [s.stall.probability for s in before]
