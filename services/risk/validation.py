"""Request checks that name the offending field, e.g. `trajectories[3].events[7].verb`,
so a partner can fix a payload without reading our code."""

from __future__ import annotations

import math
from collections.abc import Collection

from google.protobuf.timestamp_pb2 import Timestamp

from learnpulse.risk.v1 import risk_pb2
from ml.dataset import VERBS
from ml.features import FEATURE_NAMES
from services.risk import columns

Violation = tuple[str, str]  # (field path, what is wrong)

MAX_REPORTED = 100  # keep the error small; the first hundred are plenty to act on
_EARLIEST = -2_208_988_800  # 1900-01-01: older dates are typos, and pandas cannot hold all
_LATEST = 7_258_118_400  # 2200-01-01
MAX_MILESTONE_UNITS = 1_000  # micro-units of 3-7 minutes: more is a unit count gone wrong
_VERBS = frozenset(VERBS)
_FEATURES = frozenset(FEATURE_NAMES)


def violations(request: risk_pb2.ScoreTrajectoriesRequest) -> list[Violation]:
    """Every problem in `request` (the first `MAX_REPORTED`), or an empty list."""
    found: list[Violation] = []
    if request.max_factors < 0:
        found.append(("max_factors", "must be >= 0"))
    if request.HasField("as_of"):
        found.extend(_timestamp("as_of", request.as_of))
    names = list(request.feature_names)
    if names:
        found.extend(_feature_names(names))
    columnar = request.HasField("event_columns")
    if columnar and names:
        found.append(("event_columns", "must be empty when feature_names is set"))
    first_seen: dict[str, int] = {}
    for i, trajectory in enumerate(request.trajectories):
        where = f"trajectories[{i}]"
        found.extend(_profile(f"{where}.profile", trajectory, i, first_seen, events=not names))
        if columnar:
            if trajectory.events or trajectory.feature_values:
                found.append((where, "must carry no events or feature_values with event_columns"))
            continue
        if names or trajectory.feature_values:
            found.extend(_features(where, trajectory, len(names)))
            continue
        for j, event in enumerate(list(trajectory.events)):
            if not _plausible(event):  # the cheap check first: paths are built only for errors
                found.extend(_event(f"{where}.events[{j}]", event))
        if len(found) >= MAX_REPORTED:
            break
    if columnar and not names and len(found) < MAX_REPORTED:
        found.extend(columns.violations(request.event_columns, len(request.trajectories)))
    return found[:MAX_REPORTED]


def foreign_tenants(request: risk_pb2.ScoreTrajectoriesRequest, tenant: str) -> list[Violation]:
    """Trajectories of tenants other than the caller's."""
    return [
        (f"trajectories[{i}].profile.tenant_id", f"{t.profile.tenant_id!r} is not your tenant")
        for i, t in enumerate(request.trajectories)
        if t.profile.tenant_id != tenant
    ][:MAX_REPORTED]


def missing_features(
    request: risk_pb2.ScoreTrajectoriesRequest, needed: Collection[str]
) -> list[Violation]:
    """With `feature_names`, the features a served model needs that the request lacks."""
    if not request.feature_names:
        return []
    given = set(request.feature_names)
    missing = [name for name in needed if name not in given]
    return (
        [("feature_names", f"missing {', '.join(missing)} (see GetModelInfo features)")]
        if missing
        else []
    )


def _feature_names(names: list[str]) -> list[Violation]:
    found: list[Violation] = []
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name not in _FEATURES:
            found.append((f"feature_names[{i}]", f"unknown feature {name!r}"))
        elif name in seen:
            found.append((f"feature_names[{i}]", f"{name!r} is listed twice"))
        seen.add(name)
    return found


def _features(where: str, trajectory: risk_pb2.Trajectory, expected: int) -> list[Violation]:
    if not expected:
        return [(f"{where}.feature_values", "needs the request's feature_names")]
    found: list[Violation] = []
    if len(trajectory.feature_values) != expected:
        found.append(
            (f"{where}.feature_values", f"needs {expected} values, one per feature_names entry")
        )
    if trajectory.events:
        found.append((f"{where}.events", "must be empty when feature_names is set"))
    if any(math.isinf(v) for v in trajectory.feature_values):
        found.append((f"{where}.feature_values", "must be finite numbers or NaN (unknown)"))
    return found


def _profile(
    where: str,
    trajectory: risk_pb2.Trajectory,
    index: int,
    first_seen: dict[str, int],
    *,
    events: bool = True,
) -> list[Violation]:
    if not trajectory.HasField("profile"):
        return [(where, "required")]
    profile = trajectory.profile
    found: list[Violation] = []
    if not profile.learner_id:
        found.append((f"{where}.learner_id", "required"))
    elif profile.learner_id in first_seen:
        other = first_seen[profile.learner_id]
        found.append((f"{where}.learner_id", f"duplicates trajectories[{other}]"))
    else:
        first_seen[profile.learner_id] = index
    if not profile.tenant_id:
        found.append((f"{where}.tenant_id", "required"))
    if not profile.HasField("hire_date"):
        if events:  # tenure comes from it; precomputed features carry their own
            found.append((f"{where}.hire_date", "required"))
    else:
        found.extend(_timestamp(f"{where}.hire_date", profile.hire_date))
    if profile.HasField("milestone"):
        found.extend(_milestone(f"{where}.milestone", profile.milestone))
    return found


def _milestone(where: str, milestone: risk_pb2.CurrentMilestone) -> list[Violation]:
    found: list[Violation] = []
    stamps: dict[str, int] = {}
    for name in ("assigned_at", "due_at"):
        if not milestone.HasField(name):
            found.append((f"{where}.{name}", "required with a milestone"))
            continue
        bad = _timestamp(f"{where}.{name}", getattr(milestone, name))
        found.extend(bad)
        if not bad:
            stamps[name] = getattr(milestone, name).ToNanoseconds()
    if len(stamps) == 2 and stamps["due_at"] < stamps["assigned_at"]:
        found.append((f"{where}.due_at", "must not be before assigned_at"))
    if not 1 <= milestone.units <= MAX_MILESTONE_UNITS:
        found.append((f"{where}.units", f"must be 1 to {MAX_MILESTONE_UNITS:,} units"))
    return found


def _plausible(event: risk_pb2.LearningEvent) -> bool:
    """True when `_event` would find nothing; about ten times cheaper."""
    ts = event.ts
    return (
        event.verb in _VERBS
        and 0.0 <= event.duration_s < math.inf  # also rejects NaN
        and 0.0 <= event.score <= 1.0
        and event.attempt >= 0
        and _EARLIEST <= ts.seconds < _LATEST
        and 0 <= ts.nanos < 1_000_000_000
        and event.HasField("ts")
    )


def _event(
    where: str, event: risk_pb2.LearningEvent, verbs: Collection[str] = VERBS
) -> list[Violation]:
    found: list[Violation] = []
    if not event.HasField("ts"):
        found.append((f"{where}.ts", "required"))
    else:
        found.extend(_timestamp(f"{where}.ts", event.ts))
    if not event.verb:
        found.append((f"{where}.verb", f"required; one of {', '.join(verbs)}"))
    elif event.verb not in verbs:
        found.append(
            (f"{where}.verb", f"unknown verb {event.verb!r}; expected one of {', '.join(verbs)}")
        )
    if not math.isfinite(event.duration_s):
        found.append((f"{where}.duration_s", "must be a finite number"))
    elif event.duration_s < 0:
        found.append((f"{where}.duration_s", "must be >= 0"))
    if not 0.0 <= event.score <= 1.0:  # also rejects NaN
        found.append((f"{where}.score", "must be in [0, 1]"))
    if event.attempt < 0:
        found.append((f"{where}.attempt", "must be >= 0"))
    return found


def _timestamp(where: str, ts: Timestamp) -> list[Violation]:
    if not _EARLIEST <= ts.seconds < _LATEST:
        return [(where, "must be between 1900-01-01 and 2200-01-01")]
    if not 0 <= ts.nanos < 1_000_000_000:
        return [(where, "nanos must be in [0, 1e9)")]
    return []
