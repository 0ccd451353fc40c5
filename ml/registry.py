"""The only module that talks to MLflow: logs runs and native LightGBM Boosters, registers
model versions with their serving metadata as tags, and moves aliases.

Conventions the risk service relies on (tags are strings on each model version):
`band_medium_threshold`, `band_high_threshold` (floats), `features` (JSON list, in order),
`categorical_features` (JSON list), `dataset_fingerprint`, `target`, `metric.<name>` (test),
`calibration` (JSON spec for `ml.calibration.apply`: raw Booster scores -> probabilities).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import lightgbm
import mlflow
import mlflow.lightgbm
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature

from ml import calibration
from ml.model_card import artifacts

if TYPE_CHECKING:
    from ml.training import TrainedModel

EXPERIMENT = "learnpulse"
MODEL_NAMES = {"attrition": "learnpulse-attrition", "stall": "learnpulse-stall"}
CHAMPION, CHALLENGER = "champion", "challenger"
HEADLINE_METRICS = ("roc_auc", "pr_auc", "brier", "base_rate", "ece")
DESCRIPTIONS = {
    "attrition": "Probability that a learner leaves the organisation within 14 days.",
    "stall": "Probability that a learner makes no progress on their open unit within 7 days.",
}

log = logging.getLogger(__name__)


def register_models(
    models: Sequence[TrainedModel],
    *,
    tracking_uri: str,
    alias: str = CHAMPION,
    also: Sequence[str] = (),
) -> dict[str, str]:
    """Log each model in its own run, register a new version, tag it and point `alias` (and
    every alias in `also`) at it. Returns {registered model name: version}.
    """
    versions = {}
    with _tracking(tracking_uri):
        client = MlflowClient(tracking_uri=tracking_uri)
        mlflow.set_experiment(EXPERIMENT)
        for model in models:
            name = MODEL_NAMES[model.target]
            version = _log_and_register(model, name)
            client.update_registered_model(name, description=DESCRIPTIONS[model.target])
            for each in (alias, *also):
                client.set_registered_model_alias(name, each, version)
            log.info("registered %s version %s as @%s", name, version, alias)
            versions[name] = version
    return versions


def versions_by_alias(*, tracking_uri: str, alias: str = CHAMPION) -> dict[str, str] | None:
    """{model name: version} if every LearnPulse model has `alias`, else None."""
    client = MlflowClient(tracking_uri=tracking_uri)
    found = {}
    for name in MODEL_NAMES.values():
        try:
            found[name] = client.get_model_version_by_alias(name, alias).version
        except MlflowException as exc:
            if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
            return None
    return found


def version_by_alias(*, tracking_uri: str, name: str, alias: str) -> str | None:
    """The version `alias` points at for model `name`, or None."""
    client = MlflowClient(tracking_uri=tracking_uri)
    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        return None


def load_version(*, tracking_uri: str, name: str, version: str) -> tuple[lightgbm.Booster, dict]:
    """Download version `version` of `name`: its native Booster and its tags."""
    import tempfile

    import mlflow.artifacts

    client = MlflowClient(tracking_uri=tracking_uri)
    tags = dict(client.get_model_version(name, version).tags)
    uri = client.get_model_version_download_uri(name, version)
    with tempfile.TemporaryDirectory() as folder:
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=uri, dst_path=folder, tracking_uri=tracking_uri
        )
        booster = mlflow.lightgbm.load_model(local)
    if not isinstance(booster, lightgbm.Booster):
        raise ValueError(f"{name} version {version} holds a {type(booster).__name__}")
    return booster, tags


def record(*, tracking_uri: str, name: str, version: str, tags: dict[str, str]) -> None:
    """Set tags on one model version (decisions, evaluation results)."""
    client = MlflowClient(tracking_uri=tracking_uri)
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, value)


def move_alias(*, tracking_uri: str, name: str, alias: str, version: str) -> None:
    MlflowClient(tracking_uri=tracking_uri).set_registered_model_alias(name, alias, version)


def version_tags(model: TrainedModel) -> dict[str, str]:
    """The tags that let a server use a version without access to the training code's state."""
    tags = {
        "target": model.target,
        "band_medium_threshold": repr(model.bands.medium),
        "band_high_threshold": repr(model.bands.high),
        "band_rule": model.bands.rule,
        "features": json.dumps(model.features),
        "categorical_features": json.dumps(model.categorical_features),
        "dataset_fingerprint": model.fingerprint,
        calibration.TAG: calibration.dumps(model.calibration),
    }
    for metric in HEADLINE_METRICS:
        value = model.metrics.get(f"test_{metric}", math.nan)
        tags[f"metric.{metric}"] = repr(value) if math.isfinite(value) else "nan"
    return tags


def _log_and_register(model: TrainedModel, name: str) -> str:
    example = model.input_example
    signature = infer_signature(example, model.booster.predict(example))
    with mlflow.start_run(run_name=f"{model.target}-{model.fingerprint[:8]}"):
        mlflow.set_tags({"target": model.target, "dataset_fingerprint": model.fingerprint})
        mlflow.log_params(model.params)
        mlflow.log_metrics({k: v for k, v in model.metrics.items() if math.isfinite(v)})
        for path, text in artifacts(model).items():
            mlflow.log_text(text, path)
        info = mlflow.lightgbm.log_model(
            model.booster,
            name=model.target,
            signature=signature,
            input_example=example,
            # Inferred requirements pick up whatever the current venv holds; be explicit.
            pip_requirements=[
                f"mlflow-skinny=={mlflow.__version__}",
                f"lightgbm=={lightgbm.__version__}",
                f"numpy=={np.__version__}",
                f"pandas=={pd.__version__}",
            ],
        )
    # Tags go in with the version itself: no reader ever sees a version without them.
    version = mlflow.register_model(info.model_uri, name, tags=version_tags(model))
    return str(version.version)


@contextmanager
def _tracking(uri: str) -> Iterator[None]:
    """Point the fluent mlflow API at `uri` for a block, then restore the previous URI."""
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(previous)
