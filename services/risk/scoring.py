"""Scoring as pure functions: proto trajectories → event arrays → the features training
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
from ml.features import CATEGORICAL_FEATURES, FEATURE_LABELS, FEATURE_NAMES, feature_matrix
from ml.milestones import MilestoneContext
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
    with `event_columns`, their events come as columns (services.risk.columns).

    No pandas on this path: for a single learner its per-call overhead is ten times the
    arithmetic. Features come from `ml.features.feature_matrix`, training's own code.
    """
    if not trajectories:
        return []
    profiles = [t.profile for t in trajectories]
    ids = [p.learner_id for p in profiles]
    shown = None
    if feature_names:
        names: Sequence[str] = feature_names
        matrix = np.array([t.feature_values for t in trajectories], dtype=np.float64)
    else:
        events = (
            columns.decode(event_columns)
            if event_columns is not None
            else columns.from_events(trajectories)
        )
        names, matrix = FEATURE_NAMES, features_of(profiles, events, as_of)
        shown = categories(profiles) if explain else None
    position = {name: i for i, name in enumerate(names)}
    k = max_factors or DEFAULT_FACTORS
    attrition, stall = (
        estimate(model, matrix, position, explain=explain, max_factors=k, shown=shown)
        for model in models.models
    )
    return [
        risk_pb2.LearnerScore(learner_id=i, attrition=a, stall=s)
        for i, a, s in zip(ids, attrition, stall, strict=True)
    ]


def features_of(
    profiles: Sequence[risk_pb2.LearnerProfile], events: columns.Events, as_of: datetime
) -> np.ndarray:
    """FEATURE_NAMES columns, one row per profile. `feature_matrix` reads only events
    before `as_of`: the proto's "later events are ignored" holds without filtering here
    (tests/unit/risk/test_risk_scoring.py)."""
    now = micros(as_of)
    return feature_matrix(
        as_of_us=now,
        hired_us=np.array(
            [_ts_micros(p.hire_date) if p.HasField("hire_date") else math.nan for p in profiles],
            dtype=np.float64,
        ),
        profile={
            column: [getattr(p, column) for p in profiles]
            for column in ("role", "department", "shift")
        },
        who=events.who,
        ts_us=events.ts_us,
        verb=events.verb,
        duration_s=events.duration_s,
        score=events.score,
        success=events.success,
        attempt=events.attempt,
        unit=events.unit,
        unit_names=events.unit_names,
        milestones=milestone_context(profiles, now),
    )


def milestone_context(
    profiles: Sequence[risk_pb2.LearnerProfile], as_of_us: int
) -> MilestoneContext:
    """Each profile's `milestone` as ml.milestones arrays (NaN where unset). As training's
    `current_milestones`, a milestone is current only once assigned: one assigned after
    `as_of` is unknown, not a milestone of zero elapsed time."""
    context = MilestoneContext.unknown(len(profiles))
    for row, p in enumerate(profiles):
        if not p.HasField("milestone"):
            continue
        m = p.milestone
        assigned = _ts_micros(m.assigned_at)
        if assigned > as_of_us:
            continue
        context.assigned_us[row] = assigned
        context.due_us[row] = _ts_micros(m.due_at)
        context.units[row] = m.units
        if m.HasField("reminders"):
            context.reminders[row] = float(m.reminders)
    return context


def milestones_frame(profiles: Sequence[risk_pb2.LearnerProfile]) -> pd.DataFrame:
    """The canonical `milestones` table of the profiles' milestones (one row per profile
    that has one; `reminders` missing where unset): what training would read."""
    rows = [p for p in profiles if p.HasField("milestone")]
    return pd.DataFrame(
        {
            "learner_id": _text([p.learner_id for p in rows]),
            "assigned_at": _utc([p.milestone.assigned_at for p in rows]),
            "due_at": _utc([p.milestone.due_at for p in rows]),
            "units_assigned": np.array([p.milestone.units for p in rows], dtype=np.int64),
            "reminders": pd.array(
                [
                    p.milestone.reminders if p.milestone.HasField("reminders") else None
                    for p in rows
                ],
                dtype="boolean",
            ),
        }
    )


def micros(moment: datetime) -> int:
    """Microseconds since the epoch; a naive `moment` is UTC, as ml.features takes it."""
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return int(stamp.value // 1000)


def to_frames(trajectories: Sequence[risk_pb2.Trajectory]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The canonical `learners` and `events` tables (ml.dataset columns and dtypes) of the
    trajectories: what training would read. Scoring does not build them (see
    `features_of`); tests hold its arrays to `ml.features.build_features` on these tables.
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


def categories(profiles: Sequence[risk_pb2.LearnerProfile]) -> list[dict[str, str]]:
    """Per learner, the text behind each categorical feature (`role_code` → "agent"), since
    its numeric code means nothing to a manager."""
    sources = {name: name.removesuffix("_code") for name in CATEGORICAL_FEATURES}
    return [
        {name: getattr(p, source) or "unknown" for name, source in sources.items()}
        for p in profiles
    ]


def estimate(
    model: LoadedModel,
    matrix: np.ndarray,
    position: Mapping[str, int],
    *,
    explain: bool,
    max_factors: int,
    shown: Sequence[Mapping[str, str]] | None = None,
) -> list[risk_pb2.RiskEstimate]:
    """Probabilities (and optionally top factors) of one model for every row of `matrix`,
    whose columns are named by `position`; `shown` gives per row the text to show instead of
    a number (see `categories`)."""
    meta = model.meta
    # the model's column order; LightGBM's pandas path costs ten times the prediction
    values = matrix[:, [position[name] for name in meta.features]]
    raw, contributions = raw_scores(model, values, explain=explain)
    # Bands compare calibrated probabilities with thresholds chosen on calibrated scores.
    probabilities = calibration.apply(raw, model.calibration).tolist()
    ref = model_ref(meta)
    out = []
    for row, p in enumerate(probabilities):
        estimate = risk_pb2.RiskEstimate(probability=p, band=band_for(p, meta), model=ref)
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


def raw_scores(
    model: LoadedModel, values: np.ndarray, *, explain: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """The Booster's probabilities and, when explaining, its per-feature contributions.

    With contributions, one LightGBM call per model: they sum to the raw score (log-odds),
    and the objective's link turns that into the probability `predict` would give
    (tests/unit/risk/test_risk_scoring.py checks they agree within 1e-9).
    """
    if not explain:
        return _predict(model, values), None
    contributions = _predict(model, values, pred_contrib=True)
    if model.sigmoid is None:  # an objective without a known link: ask LightGBM
        return _predict(model, values), contributions
    margin = contributions.sum(axis=1)
    return 1.0 / (1.0 + np.exp(-model.sigmoid * margin)), contributions


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


def _ts_micros(ts: Timestamp) -> float:
    return ts.seconds * 1e6 + ts.nanos // 1000


def _text(values: list[str]) -> pd.api.extensions.ExtensionArray:
    return pd.array(values, dtype="str")


def _utc(stamps: Sequence[Timestamp | None]) -> pd.DatetimeIndex:
    """UTC datetimes with microsecond resolution, as ml.dataset has them; None becomes NaT."""
    micros = np.array(
        [_NAT if ts is None else ts.seconds * 1_000_000 + ts.nanos // 1_000 for ts in stamps],
        dtype=np.int64,
    )
    return pd.DatetimeIndex(micros.view("datetime64[us]")).tz_localize("UTC")
