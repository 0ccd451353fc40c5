"""Training: labelled examples from a dataset, a learner-disjoint and time-based split, one
native LightGBM Booster per target (early-stopped on validation), isotonic calibration and
band thresholds chosen on validation, the test report with baselines; then registration in
MLflow, and the first-start `ensure_champions`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from ml import calibration
from ml.baselines import fit_logreg, logreg_scores, rule_scores
from ml.dataset import Dataset, validate
from ml.evaluation import Bands, Split, band_thresholds, binary_metrics, split_examples
from ml.features import CATEGORICAL_FEATURES, FEATURE_NAMES, LOOKBACK_DAYS
from ml.labels import ATTRITION_HORIZON_DAYS, TARGETS, cutoffs, make_examples
from ml.metrics import target_report, truth_of

Param = str | int | float | bool
PARAMS: dict[str, Param] = {
    "objective": "binary",
    "metric": "binary_logloss",
    "learning_rate": 0.03,
    "num_leaves": 7,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.7,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 5.0,
    "cat_smooth": 10.0,
    # Thousands of rows: one thread is fastest, and OpenMP threads spin badly on a busy host
    # (measured: 0.2 s with 1 thread, up to 12 s with 2 under load).
    "num_threads": 1,
    "deterministic": True,
    "force_col_wise": True,
    "verbosity": -1,
}
CUTOFF_EVERY_DAYS = 2  # overlapping windows: more (correlated) examples from a short history
MAX_ROUNDS = 1000
# Fitting probabilities converges more slowly than outcomes: room for it to stop early on its own.
CEILING_ROUNDS = 3000
EARLY_STOPPING_ROUNDS = 50
MIN_TRAIN_POSITIVES = 10
ExampleBuilder = Callable[[Dataset, list[pd.Timestamp]], pd.DataFrame]
BoosterFit = Callable[
    [dict[str, pd.DataFrame], dict[str, np.ndarray], dict[str, Param]], lgb.Booster
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """A trained Booster with everything needed to judge, register and serve it."""

    target: str
    booster: lgb.Booster
    metrics: dict[str, float]
    bands: Bands
    params: dict[str, Param]
    fingerprint: str
    input_example: pd.DataFrame
    calibration: dict[str, Any]
    report: dict[str, Any]
    test_labels: np.ndarray = field(default_factory=lambda: np.zeros(0))
    test_scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    features: list[str] = field(default_factory=lambda: list(FEATURE_NAMES))
    categorical_features: list[str] = field(default_factory=lambda: list(CATEGORICAL_FEATURES))


def train_models(
    dataset: Dataset,
    *,
    seed: int = 7,
    progress: bool = False,
    examples: ExampleBuilder | None = None,
    fit: BoosterFit | None = None,
    ceiling: bool = False,
) -> list[TrainedModel]:
    """Train the attrition and stall models on `dataset` (nothing is logged anywhere);
    `progress` shows a bar over the cut-offs on stderr. `examples` and `fit` replace how
    examples are built and Boosters fitted (`ml.dask_engine` runs both on a Dask cluster).
    `ceiling` also fits each target to the truth, when the dataset has one (`fit_ceiling`),
    for the report's `expected_roc_auc`: one more LightGBM per target, so only on request."""
    validate(dataset.learners, dataset.events)
    cuts = cutoffs(dataset.events, every_days=CUTOFF_EVERY_DAYS)
    if len(cuts) < 8:
        raise ValueError(
            f"the events span too few days for training ({len(cuts)} cut-offs): "
            f"use at least {LOOKBACK_DAYS + ATTRITION_HORIZON_DAYS + 16} days of events"
        )
    split = make_split(dataset, seed=seed, progress=progress, examples=examples)
    context: dict[str, Param] = {
        "seed": seed,
        "data.learners": len(dataset.learners),
        "data.events": len(dataset.events),
        "data.cutoffs": len(cuts),
        "split.first_future_cutoff": str(split.valid["as_of"].min()),
    }
    fingerprint = dataset.fingerprint()
    return [
        _train(
            target, split, seed, fingerprint, context, dataset.truth, fit or fit_booster, ceiling
        )
        for target in TARGETS
    ]


def make_split(
    dataset: Dataset,
    *,
    seed: int,
    progress: bool = False,
    examples: ExampleBuilder | None = None,
) -> Split:
    """Labelled examples at every cut-off, joined with department, shift and left_at (for the
    report), split by learner and time; the same dataset and seed give the same split."""
    cuts = cutoffs(dataset.events, every_days=CUTOFF_EVERY_DAYS)
    if examples is not None:
        rows = examples(dataset, cuts)
    elif progress:
        import sys

        from tqdm import tqdm

        with tqdm(
            total=len(cuts), desc="building examples", unit="cut-off", file=sys.stderr
        ) as bar:
            rows = make_examples(dataset, cuts, bar.update)
    else:
        rows = make_examples(dataset, cuts)
    people = dataset.learners[["learner_id", "department", "shift", "left_at"]]
    rows = rows.merge(people, on="learner_id", how="left")
    return split_examples(rows, seed=seed, horizon_days=ATTRITION_HORIZON_DAYS)


def train_and_register(
    dataset: Dataset, *, tracking_uri: str, alias: str = "champion", seed: int = 7
) -> dict[str, str]:
    """Train both models and register them; returns {registered model name: version}."""
    from ml.registry import register_models

    models = train_models(dataset, seed=seed)
    return register_models(models, tracking_uri=tracking_uri, alias=alias)


def ensure_champions(
    *, tracking_uri: str, n_learners: int = 1500, days: int = 90, seed: int = 7
) -> dict[str, str]:
    """Return the champion versions, first training them on a synthetic world if missing."""
    from ml.registry import CHAMPION, versions_by_alias
    from ml.synth import generate

    existing = versions_by_alias(tracking_uri=tracking_uri, alias=CHAMPION)
    if existing is not None:
        return existing
    log.info("no champion models at %s: training on a synthetic world", tracking_uri)
    dataset = generate(n_learners=n_learners, days=days, seed=seed)
    return train_and_register(dataset, tracking_uri=tracking_uri, alias=CHAMPION, seed=seed)


def _train(
    target: str,
    split: Split,
    seed: int,
    fingerprint: str,
    context: dict[str, Param],
    truth: pd.DataFrame | None,
    fit: BoosterFit,
    ceiling: bool,
) -> TrainedModel:
    parts = labelled_parts(split, target)
    positives = int(parts["train"][target].sum())
    if positives < MIN_TRAIN_POSITIVES or parts["valid"].empty or parts["test"].empty:
        raise ValueError(
            f"not enough data to train the {target} model: {positives} positive training rows, "
            f"{len(parts['valid'])} validation and {len(parts['test'])} test rows; "
            "use more learners or more days"
        )
    x = {name: frame[FEATURE_NAMES] for name, frame in parts.items()}
    y = {name: frame[target].to_numpy(np.float64) for name, frame in parts.items()}
    params = {**PARAMS, "seed": seed}
    booster = fit(x, y, params)
    raw = {name: np.asarray(booster.predict(x[name]), np.float64) for name in ("valid", "test")}
    spec = calibration.fit(raw["valid"], y["valid"])
    scores = {name: calibration.apply(values, spec) for name, values in raw.items()}
    # Bands are chosen on calibrated validation scores: the scale the risk service serves.
    bands = band_thresholds(y["valid"], scores["valid"])
    logreg = fit_logreg(x["train"], y["train"], seed=seed)
    report = target_report(
        target,
        parts["test"],
        scores["test"],
        high=bands.high,
        logreg=logreg_scores(logreg, x["test"]),
        rule=rule_scores(x["test"]),
        truth=truth,
        ceiling=fit_ceiling(target, parts, x, truth, params) if ceiling else None,
    )
    metrics = {"best_iteration": float(booster.best_iteration)}
    for name in ("train", "valid", "test"):
        metrics[f"{name}_rows"] = float(len(y[name]))
    for name in ("valid", "test"):
        for metric, value in binary_metrics(y[name], scores[name]).items():
            metrics[f"{name}_{metric}"] = value
    metrics.update(flat_metrics(report))
    log.info("trained %s: test ROC-AUC %.3f", target, metrics["test_roc_auc"])
    return TrainedModel(
        target=target,
        booster=booster,
        metrics=metrics,
        bands=bands,
        params={**params, **context, "target": target},
        fingerprint=fingerprint,
        input_example=x["test"].head(5),
        calibration=spec,
        report=report,
        test_labels=y["test"],
        test_scores=scores["test"],
    )


def fit_booster(
    x: dict[str, pd.DataFrame],
    y: dict[str, np.ndarray],
    params: dict[str, Param],
    rounds: int = MAX_ROUNDS,
) -> lgb.Booster:
    """LightGBM in process, early-stopped on the validation rows."""
    train_set = lgb.Dataset(
        x["train"], y["train"], categorical_feature=CATEGORICAL_FEATURES, params=params
    )
    valid_set = lgb.Dataset(x["valid"], y["valid"], reference=train_set, params=params)
    return lgb.train(
        params,
        train_set,
        num_boost_round=rounds,
        valid_sets=[valid_set],
        valid_names=["valid"],
        callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)],
    )


def fit_ceiling(
    target: str,
    parts: dict[str, pd.DataFrame],
    x: dict[str, pd.DataFrame],
    truth: pd.DataFrame | None,
    params: dict[str, Param],
) -> np.ndarray | None:
    """The most these features can tell of the truth, as if labels were unlimited: a LightGBM
    fitted to the truth's probabilities (cross-entropy) instead of the 0/1 outcomes, early
    stopped on validation. Its scores on the test rows; None without truth for every row.
    Between the oracle and this ceiling lies what the trajectory does not carry; between the
    ceiling and the model, what training on a few thousand outcomes does not learn."""
    labels = {}
    for name, frame in parts.items():
        p = truth_of(target, frame, truth)
        if p is None:
            return None
        labels[name] = p
    fitted = fit_booster(
        x,
        labels,
        {**params, "objective": "cross_entropy", "metric": "cross_entropy"},
        rounds=CEILING_ROUNDS,
    )
    return np.asarray(fitted.predict(x["test"]), np.float64)


def labelled_parts(split: Split, target: str) -> dict[str, pd.DataFrame]:
    """Train/valid/test rows that have a label for `target`."""
    return {
        name: frame[frame[target].notna()]
        for name, frame in (("train", split.train), ("valid", split.valid), ("test", split.test))
    }


def flat_metrics(report: dict[str, Any]) -> dict[str, float]:
    """The report's numbers as `test_<key>` MLflow metrics (None and nested views skipped)."""
    return {
        f"test_{key}": float(value)
        for key, value in report.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
