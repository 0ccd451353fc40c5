"""The ceiling in `expected_roc_auc`: a LightGBM fitted to the truth itself, so a report can
tell what the features do not carry (oracle - ceiling) from what training did not learn
(ceiling - model)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from learnpulse.cli import main
from ml.dataset import Dataset
from ml.features import FEATURE_NAMES
from ml.metrics import expected_roc_auc
from ml.synth import generate
from ml.training import PARAMS, fit_booster, fit_ceiling, labelled_parts, make_split


@pytest.fixture(scope="module")
def world() -> Dataset:
    return generate(n_learners=500, days=80, seed=5)


@pytest.mark.parametrize("target", ["attrition", "stall"])
def test_the_ceiling_sits_between_the_outcome_model_and_the_oracle(
    world: Dataset, target: str
) -> None:
    parts = labelled_parts(make_split(world, seed=5), target)
    x = {name: frame[FEATURE_NAMES] for name, frame in parts.items()}
    y = {name: frame[target].to_numpy(np.float64) for name, frame in parts.items()}
    params = {**PARAMS, "seed": 5}
    model = fit_booster(x, y, params).predict(x["test"])

    ceiling = fit_ceiling(target, parts, x, world.truth, params)

    assert ceiling is not None and ceiling.shape == (len(parts["test"]),)
    assert 0.0 <= ceiling.min() <= ceiling.max() <= 1.0  # probabilities, like the truth
    got = expected_roc_auc(target, parts["test"], world.truth, {"model": model, "ceiling": ceiling})
    assert got is not None
    # A few hundred learners' outcomes teach less than their truth; and no ranking beats the
    # truth's own in expectation.
    assert got["model"] < got["ceiling"] <= got["oracle"]


def test_no_ceiling_without_truth(world: Dataset) -> None:
    parts = labelled_parts(make_split(world, seed=5), "attrition")
    x = {name: frame[FEATURE_NAMES] for name, frame in parts.items()}
    assert fit_ceiling("attrition", parts, x, None, PARAMS) is None
    partial = world.truth[world.truth["learner_id"] != parts["test"]["learner_id"].iloc[0]]
    assert fit_ceiling("attrition", parts, x, partial, PARAMS) is None


def test_evaluate_reports_the_ceiling_and_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    world = ["--synthetic", "--learners", "500", "--days", "80", "--seed", "5"]

    assert main(["evaluate", *world, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for target in ("attrition", "stall"):
        expected = report[target]["expected_roc_auc"]
        assert set(expected) == {"oracle", "model", "logreg", "ceiling"}
        assert expected["model"] < expected["ceiling"] <= expected["oracle"]

    assert main(["evaluate", *world]) == 0
    table = capsys.readouterr().out
    assert "expected ROC-AUC if outcomes were drawn from the truth" in table
    assert table.count("n/a") == 0
