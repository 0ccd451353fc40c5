"""Promotion against a real MLflow server: a challenger becomes champion only when it is
better by the margin and not worse calibrated, every decision lands on the versions as tags,
`--to` rolls back, and served scores can be calibrated from the version's own tag."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from mlflow import MlflowClient

from learnpulse.cli import main
from ml import calibration
from ml.dataset import write_dataset
from ml.registry import register_models
from ml.synth import generate
from ml.training import ensure_champions, train_models

ATTRITION, STALL = "learnpulse-attrition", "learnpulse-stall"
WORLD = {"n_learners": 600, "days": 90, "seed": 3}  # as in test_ml_training: reused champions


@pytest.fixture(scope="module")
def setup(mlflow_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Champions, a challenger from another world, and a test dataset folder; the champion
    aliases are put back afterwards for the other tests sharing the server."""
    champions = ensure_champions(tracking_uri=mlflow_server, **WORLD)
    other = generate(n_learners=400, days=80, seed=4)
    challengers = register_models(
        train_models(other, seed=4), tracking_uri=mlflow_server, alias="challenger"
    )
    folder = write_dataset(
        generate(n_learners=400, days=70, seed=5), tmp_path_factory.mktemp("test-world")
    )
    yield {"champions": champions, "challengers": challengers, "data": folder}
    client = MlflowClient(tracking_uri=mlflow_server)
    for name, version in champions.items():
        client.set_registered_model_alias(name, "champion", version)


def last_decision(client: MlflowClient, name: str, version: str) -> dict:
    return json.loads(client.get_model_version(name, version).tags["last_decision"])


def test_promotion_respects_the_margin_then_records_and_moves(
    setup: dict, mlflow_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client = MlflowClient(tracking_uri=mlflow_server)
    args = ["promote", "--data", str(setup["data"]), "--tracking-uri", mlflow_server, "--json"]

    assert main([*args, "--margin", "1.0"]) == 0  # no model gains a whole ROC-AUC point
    kept = json.loads(capsys.readouterr().out)["decisions"]
    assert [d["promoted"] for d in kept] == [False, False]
    for name in (ATTRITION, STALL):
        assert (
            client.get_model_version_by_alias(name, "champion").version
            == (setup["champions"][name])
        )
        for version in (setup["champions"][name], setup["challengers"][name]):
            decision = last_decision(client, name, version)
            assert decision["action"] == "kept" and "margin" in decision["reason"]
            assert decision["champion_roc_auc"] is not None

    assert main([*args, "--margin", "-1.0", "--ece-tolerance", "1.0"]) == 0
    moved = json.loads(capsys.readouterr().out)["decisions"]
    assert [d["promoted"] for d in moved] == [True, True]
    for name in (ATTRITION, STALL):
        champion = client.get_model_version_by_alias(name, "champion").version
        assert champion == setup["challengers"][name]
        assert last_decision(client, name, champion)["action"] == "promoted"
        decisions = [
            k for k in client.get_model_version(name, champion).tags if k.startswith("decision.")
        ]
        assert len(decisions) == 2  # the history stays, one tag per decision


def test_rollback_points_champion_at_the_named_version(
    setup: dict, mlflow_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client = MlflowClient(tracking_uri=mlflow_server)
    old = setup["champions"][STALL]

    code = main(["promote", "--to", old, "--target", "stall", "--tracking-uri", mlflow_server])

    assert code == 0
    assert client.get_model_version_by_alias(STALL, "champion").version == old
    assert "rollback" in last_decision(client, STALL, old)["reason"]
    assert main(["promote", "--to", "999", "--tracking-uri", mlflow_server]) == 2
    assert "cannot promote" in capsys.readouterr().err


def test_versions_carry_a_calibration_that_maps_raw_scores(setup: dict, mlflow_server: str) -> None:
    client = MlflowClient(tracking_uri=mlflow_server)
    for name, version in setup["challengers"].items():
        spec = calibration.loads(client.get_model_version(name, version).tags["calibration"])
        assert spec is not None and spec["method"] == "isotonic"
        mapped = calibration.apply(np.linspace(0.0, 1.0, 101), spec)
        assert np.all(np.diff(mapped) >= 0) and 0.0 <= mapped.min() <= mapped.max() <= 1.0


def test_evaluate_a_registered_alias_prints_one_json_object(
    setup: dict, mlflow_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data: Path = setup["data"]
    args = ["evaluate", "--data", str(data), "--alias", "challenger", "--json"]

    assert main([*args, "--tracking-uri", mlflow_server]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["models"] == "@challenger"
    assert 0.5 < report["stall"]["roc_auc"] <= 1.0
    assert 0.5 < report["attrition"]["oracle_roc_auc"] <= 1.0


def test_runs_log_plots_a_model_card_and_the_fingerprint(setup: dict, mlflow_server: str) -> None:
    client = MlflowClient(tracking_uri=mlflow_server)
    version = client.get_model_version(STALL, setup["challengers"][STALL])
    run = client.get_run(version.run_id)
    paths = {a.path for a in client.list_artifacts(version.run_id)}
    plots = {a.path for a in client.list_artifacts(version.run_id, "plots")}

    assert run.data.tags["dataset_fingerprint"] == version.tags["dataset_fingerprint"]
    assert {"model_card.md", "evaluation.json"} <= paths
    assert plots == {
        "plots/feature_importance.svg",
        "plots/calibration.svg",
        "plots/precision_recall.svg",
    }
    card = Path(client.download_artifacts(version.run_id, "model_card.md")).read_text()
    assert "## Intended use" in card and "## Fairness view" in card and "| roc_auc |" in card
