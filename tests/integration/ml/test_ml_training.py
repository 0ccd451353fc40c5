"""Training against a real MLflow server: first start registers both champions with the tags
the risk service reads, a second start registers nothing, and a champion loads and scores.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import mlflow
import mlflow.lightgbm
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from ml.features import FEATURE_NAMES, build_features
from ml.synth import generate
from ml.training import ensure_champions

MODELS = ("learnpulse-attrition", "learnpulse-stall")
WORLD = {"n_learners": 600, "days": 90, "seed": 3}


@pytest.fixture(scope="module")
def champions(mlflow_server: str) -> dict[str, str]:
    return ensure_champions(tracking_uri=mlflow_server, **WORLD)


@pytest.fixture
def client(mlflow_server: str) -> MlflowClient:
    return MlflowClient(tracking_uri=mlflow_server, registry_uri=mlflow_server)


@pytest.fixture
def global_tracking_uri(mlflow_server: str) -> Iterator[None]:
    """`models:/` URIs resolve against the process-wide tracking URI."""
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(mlflow_server)
    yield
    mlflow.set_tracking_uri(previous)


def test_first_start_registers_both_champions(
    champions: dict[str, str], client: MlflowClient
) -> None:
    assert set(champions) == set(MODELS)
    for name in MODELS:
        version = client.get_model_version_by_alias(name, "champion")
        assert version.version == champions[name]
        assert version.status == "READY"


def test_champions_carry_the_tags_the_risk_service_reads(
    champions: dict[str, str], client: MlflowClient
) -> None:
    for name in MODELS:
        tags = client.get_model_version(name, champions[name]).tags
        assert json.loads(tags["features"]) == FEATURE_NAMES
        medium, high = float(tags["band_medium_threshold"]), float(tags["band_high_threshold"])
        assert 0.0 < medium <= high < 1.0
        assert len(tags["dataset_fingerprint"]) == 16
        for metric in ("roc_auc", "pr_auc", "brier"):
            assert 0.0 <= float(tags[f"metric.{metric}"]) <= 1.0
    stall = client.get_model_version("learnpulse-stall", champions["learnpulse-stall"])
    assert float(stall.tags["metric.roc_auc"]) > 0.7  # stalls are easy to see coming


def test_second_start_registers_nothing(
    mlflow_server: str, champions: dict[str, str], client: MlflowClient
) -> None:
    before = {name: len(client.search_model_versions(f"name='{name}'")) for name in MODELS}

    again = ensure_champions(tracking_uri=mlflow_server, **WORLD)

    assert again == champions
    assert {name: len(client.search_model_versions(f"name='{name}'")) for name in MODELS} == before


@pytest.mark.usefixtures("global_tracking_uri")
def test_champion_loads_and_scores_probabilities(champions: dict[str, str]) -> None:
    world = generate(n_learners=50, days=40, seed=99)
    features = build_features(world.learners, world.events, pd.Timestamp("2026-02-10", tz="UTC"))

    for name in MODELS:
        booster = mlflow.lightgbm.load_model(f"models:/{name}@champion")
        scores = booster.predict(features[FEATURE_NAMES])

        assert scores.shape == (50,)
        assert np.all((scores >= 0.0) & (scores <= 1.0))
        assert scores.std() > 0  # the model reacts to the trajectories
