"""Scoring as pure functions: proto trajectories → canonical tables → the features training
used (`ml.features`) → probabilities, bands and LightGBM's own per-feature contributions."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import pandas as pd
from google.protobuf.timestamp_pb2 import Timestamp

from learnpulse.risk.v1 import risk_pb2
from ml import calibration
from ml.features import CATEGORICAL_FEATURES, FEATURE_LABELS, build_features
from services.risk import columns
from services.risk.models import LoadedModel, ModelMeta, ModelSet

DEFAULT_FACTORS = 5
QUIZ_VERBS = frozenset({"answered", "passed", "failed"})
_NAT = np.iinfo(np.int64).min  # how numpy stores NaT
RAISES, LOWERS = risk_pb2.Factor.DIRECTION_RAISES, risk_pb2.Factor.DIRECTION_LOWERS


def score_trajectories(
    *,
    models: ModelSet,
    trajectories: Sequence[risk_pb2.Trajectory],
    as_of: datetime,
    explain: bool = False,
    max_factors: int = 0,
    feature_names: Sequence[str] = (),
    event_columns: risk_pb2.EventColumns | None = None,
) -> list[risk_pb2.LearnerScore]:
    """One `LearnerScore` per trajectory, in order; `trajectories` are already validated.
    With `feature_names`, trajectories carry precomputed `feature_values` instead of events;
    with `event_columns`, their events come as columns (services.risk.columns)."""
    if not trajectories:
        return []
    shown = None
    if feature_names:
        ids = pd.Index([t.profile.learner_id for t in trajectories])
        values = np.array([t.feature_values for t in trajectories], dtype=np.float64)
        features = pd.DataFrame(values, index=ids, columns=list(feature_names))
    else:
        if event_columns is not None:
            learners = learners_frame([t.profile for t in trajectories])
            ids = pd.Index(learners["learner_id"])
            events = columns.frame(ids, columns.decode(event_columns))
        else:
            learners, events = to_frames(trajectories)
        # build_features reads only events before `as_of`: the proto's "later events are
        # ignored" holds without filtering here (tests/unit/risk/test_risk_scoring.py).
        features = build_features(learners, events, pd.Timestamp(as_of))
        ids = pd.Index(learners["learner_id"])
        if not features.index.equals(ids):  # request order, whatever order the builder chose
            features = features.loc[ids]
        shown = categories(learners) if explain else None
    k = max_factors or DEFAULT_FACTORS
    attrition = estimate(models.attrition, features, explain=explain, max_factors=k, shown=shown)
    stall = estimate(models.stall, features, explain=explain, max_factors=k, shown=shown)
    return [
        risk_pb2.LearnerScore(learner_id=i, attrition=a, stall=s)
        for i, a, s in zip(ids, attrition, stall, strict=True)
    ]


def to_frames(trajectories: Sequence[risk_pb2.Trajectory]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The canonical `learners` and `events` tables (ml.dataset columns and dtypes).

    Built column by column in the final dtypes: `ml.dataset.conform_*` would cast the same
    tables again, at more cost than the features themselves for a single learner.
    """
    learners = learners_frame([t.profile for t in trajectories])
    # `list(t.events)` first: iterating the repeated field directly is ten times slower
    # for tens of thousands of events (each step allocates a wrapper the GC then tracks).
    per_learner = [list(t.events) for t in trajectories]
    rows = [e for events in per_learner for e in events]
    stamps = [e.ts for e in rows]
    events = pd.DataFrame(
        {
            "learner_id": pd.array(
                np.repeat(learners["learner_id"].to_numpy(), [len(e) for e in per_learner]),
                dtype="str",
            ),
            "ts": _utc(stamps),
            "verb": _text([e.verb for e in rows]),
            "course_id": _text([e.course_id for e in rows]),
            "unit_id": _text([e.unit_id for e in rows]),
            "duration_s": np.array([e.duration_s for e in rows], dtype=np.float64),
            # proto3 cannot tell "no score" from 0; the canonical table says NaN off quizzes
            "score": np.array(
                [e.score if e.verb in QUIZ_VERBS else math.nan for e in rows], dtype=np.float64
            ),
            "success": np.array([e.success for e in rows], dtype=bool),
            "attempt": np.array([e.attempt for e in rows], dtype=np.int64),
            "response": _text([e.response for e in rows]),
        }
    )
    return learners, events


def learners_frame(profiles: Sequence[risk_pb2.LearnerProfile]) -> pd.DataFrame:
    """The canonical `learners` table of the request's profiles."""
    return pd.DataFrame(
        {
            "learner_id": _text([p.learner_id for p in profiles]),
            "tenant_id": _text([p.tenant_id for p in profiles]),
            "role": _text([p.role for p in profiles]),
            "department": _text([p.department for p in profiles]),
            "shift": _text([p.shift for p in profiles]),
            "location": _text([p.location for p in profiles]),
            "manager_id": _text([p.manager_id for p in profiles]),
            "hire_date": _utc([p.hire_date for p in profiles]),
            "left_at": _utc([None] * len(profiles)),
        }
    )


def categories(learners: pd.DataFrame) -> list[dict[str, str]]:
    """Per learner, the text behind each categorical feature (`role_code` → "agent"), since
    its numeric code means nothing to a manager."""
    sources = {
        name: name.removesuffix("_code")
        for name in CATEGORICAL_FEATURES
        if name.removesuffix("_code") in learners.columns
    }
    rows = zip(*(learners[column] for column in sources.values()), strict=True)
    return [
        {name: text or "unknown" for name, text in zip(sources, row, strict=True)} for row in rows
    ]


def estimate(
    model: LoadedModel,
    features: pd.DataFrame,
    *,
    explain: bool,
    max_factors: int,
    shown: Sequence[Mapping[str, str]] | None = None,
) -> list[risk_pb2.RiskEstimate]:
    """Probabilities (and optionally top factors) of one model for every row of `features`;
    `shown` gives per row the text to show instead of a number (see `categories`)."""
    meta = model.meta
    # A float matrix in the model's column order: build_features returns floats only, and
    # LightGBM's pandas path costs ten times the prediction itself for one row.
    values = features[list(meta.features)].to_numpy(dtype=np.float64, na_value=np.nan)
    # Bands compare calibrated probabilities with thresholds chosen on calibrated scores.
    probabilities = calibration.apply(_predict(model, values), meta.calibration)
    contributions = _predict(model, values, pred_contrib=True) if explain else None
    ref = model_ref(meta)
    out = []
    for row, p in enumerate(probabilities):
        estimate = risk_pb2.RiskEstimate(probability=float(p), band=band_for(float(p), meta))
        estimate.model.CopyFrom(ref)
        if contributions is not None:
            # the last column is the bias (expected value), which is no reason of its own
            estimate.factors.extend(
                top_factors(
                    contributions[row, :-1],
                    values[row],
                    meta.features,
                    max_factors,
                    shown=shown[row] if shown else None,
                )
            )
        out.append(estimate)
    return out


def band_for(probability: float, meta: ModelMeta) -> risk_pb2.Band:
    """Thresholds are inclusive lower bounds, as stored on the model version."""
    if probability >= meta.band_high_threshold:
        return risk_pb2.BAND_HIGH
    if probability >= meta.band_medium_threshold:
        return risk_pb2.BAND_MEDIUM
    return risk_pb2.BAND_LOW


def top_factors(
    contributions: np.ndarray,
    values: np.ndarray,
    names: Sequence[str],
    k: int,
    labels: Mapping[str, str] = FEATURE_LABELS,
    shown: Mapping[str, str] | None = None,
) -> list[risk_pb2.Factor]:
    """The `k` largest contributions by magnitude; features that did not move the score are
    left out rather than reported as reasons."""
    shown = shown or {}
    order = sorted(
        (i for i in range(len(names)) if contributions[i] != 0.0),
        key=lambda i: (-abs(contributions[i]), names[i]),
    )
    factors = []
    for i in order[:k]:
        name, contribution = names[i], float(contributions[i])
        text = shown.get(name) or format_value(values[i])
        factors.append(
            risk_pb2.Factor(
                name=name,
                label=f"{labels.get(name, name)}: {text}",
                direction=RAISES if contribution > 0 else LOWERS,
                contribution=contribution,
            )
        )
    return factors


def format_value(value: float) -> str:
    """Counts read as counts ("9"), rates keep two decimals ("0.35"), NaN as "unknown"."""
    if math.isnan(value):
        return "unknown"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def model_ref(meta: ModelMeta) -> risk_pb2.ModelRef:
    return risk_pb2.ModelRef(name=meta.name, version=meta.version, alias=meta.alias)


def _predict(model: LoadedModel, values: np.ndarray, **kwargs: bool) -> np.ndarray:
    # One OpenMP thread per call: concurrent requests already run on several threads, and
    # on a busy host OpenMP's spinning turned a 0.2 ms prediction into 10 ms (measured).
    return np.asarray(model.booster.predict(values, num_threads=1, **kwargs), dtype=np.float64)


def _text(values: list[str]) -> pd.api.extensions.ExtensionArray:
    return pd.array(values, dtype="str")


def _utc(stamps: Sequence[Timestamp | None]) -> pd.DatetimeIndex:
    """UTC datetimes with microsecond resolution, as ml.dataset has them; None becomes NaT."""
    micros = np.array(
        [_NAT if ts is None else ts.seconds * 1_000_000 + ts.nanos // 1_000 for ts in stamps],
        dtype=np.int64,
    )
    return pd.DatetimeIndex(micros.view("datetime64[us]")).tz_localize("UTC")
