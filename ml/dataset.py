"""The canonical trajectory dataset: a `learners` table and an `events` table (pandas),
their checks, and their Parquet layout on disk. Every data source lands in this shape.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

VERBS: tuple[str, ...] = (
    "login",
    "launched",
    "progressed",
    "replayed",
    "answered",
    "completed",
    "passed",
    "failed",
)

# The last segment of an xAPI verb IRI (ADL, cmi5 and w3id vocabularies) -> canonical verb.
# One table for both the progress service's ingest and ml's xAPI importer, so data imported
# for training reads exactly as live statements do.
XAPI_VERB_ALIASES: dict[str, str] = {
    "logged-in": "login",
    "loggedin": "login",
    "login": "login",
    "initialized": "launched",  # cmi5: the assignable unit started a session
    "launched": "launched",
    "progressed": "progressed",
    "experienced": "progressed",
    "replayed": "replayed",
    "answered": "answered",
    "completed": "completed",
    "passed": "passed",
    "failed": "failed",
}

# Column -> kind. Kinds drive both `conform_*` (casting) and `validate` (checking).
_LEARNER_KINDS: dict[str, str] = {
    "learner_id": "str",
    "tenant_id": "str",
    "role": "str",
    "department": "str",
    "shift": "str",
    "location": "str",
    "manager_id": "str",
    "hire_date": "datetime",
    "left_at": "datetime?",
}
_EVENT_KINDS: dict[str, str] = {
    "learner_id": "str",
    "ts": "datetime",
    "verb": "str",
    "course_id": "str",
    "unit_id": "str",
    "duration_s": "float",
    "score": "float?",
    "success": "bool",
    "attempt": "int",
    "response": "str",
}
LEARNER_COLUMNS: tuple[str, ...] = tuple(_LEARNER_KINDS)
EVENT_COLUMNS: tuple[str, ...] = tuple(_EVENT_KINDS)

FILES = {
    "learners": "learners.parquet",
    "events": "events.parquet",
    "truth": "truth.parquet",
    "milestones": "milestones.parquet",
    "checks": "checks.parquet",
}
OPTIONAL_TABLES = ("truth", "milestones", "checks")


@dataclass(frozen=True, eq=False)
class Dataset:
    """One trajectory dataset; `truth` holds simulator ground truth when there is any;
    `milestones` (assigned units) and `checks` (on-the-job performance checks) are optional.
    """

    learners: pd.DataFrame
    events: pd.DataFrame
    truth: pd.DataFrame | None = None
    milestones: pd.DataFrame | None = None
    checks: pd.DataFrame | None = None

    def fingerprint(self) -> str:
        """A short content hash of learners and events, recorded with every trained model."""
        digest = hashlib.sha256()
        for table in (self.learners, self.events):
            digest.update(",".join(table.columns).encode())
            digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
        return digest.hexdigest()[:16]


def conform_learners(learners: pd.DataFrame) -> pd.DataFrame:
    """Cast a learners table to the canonical column order and dtypes."""
    return _conform(learners, _LEARNER_KINDS, "learners")


def conform_events(events: pd.DataFrame) -> pd.DataFrame:
    """Cast an events table to the canonical column order and dtypes."""
    return _conform(events, _EVENT_KINDS, "events")


def empty_events() -> pd.DataFrame:
    """An events table with no rows, for learners who have not done anything yet."""
    return conform_events(pd.DataFrame({c: [] for c in EVENT_COLUMNS}))


def micros_of(moment: pd.Timestamp | datetime) -> int:
    """Microseconds since the epoch of one moment; a naive one is taken as UTC."""
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.value // 1000)


def micros_of_series(values: pd.Series) -> np.ndarray:
    """Microseconds since the epoch (UTC) for any datetime64 unit; NaT becomes NaN."""
    stamps = values.array
    if not isinstance(stamps, pd.arrays.DatetimeArray):
        stamps = pd.to_datetime(values, utc=True).array
    micros = stamps.as_unit("us").asi8.astype(np.float64)
    micros[stamps.isna()] = np.nan
    return micros


def validate(learners: pd.DataFrame, events: pd.DataFrame) -> None:
    """Raise ValueError naming the table, column and problem if the data is not canonical."""
    _check_kinds("learners", learners, _LEARNER_KINDS)
    _check_kinds("events", events, _EVENT_KINDS)

    ids = learners["learner_id"]
    if (ids == "").any():
        _fail("learners", "learner_id", "empty ids")
    if ids.duplicated().any():
        _fail("learners", "learner_id", f"duplicate ids {sorted(ids[ids.duplicated()])[:3]}")
    early = learners["left_at"].notna() & (learners["left_at"] < learners["hire_date"])
    if early.any():
        _fail("learners", "left_at", f"{int(early.sum())} rows leave before their hire_date")

    unknown = ~events["learner_id"].isin(ids)
    if unknown.any():
        sample = sorted(set(events.loc[unknown, "learner_id"]))[:3]
        _fail("events", "learner_id", f"{int(unknown.sum())} rows name unknown learners {sample}")
    bad_verb = ~events["verb"].isin(VERBS)
    if bad_verb.any():
        sample = sorted(set(events.loc[bad_verb, "verb"]))[:3]
        _fail("events", "verb", f"unknown verbs {sample}; expected one of {list(VERBS)}")
    if (events["duration_s"] < 0).any():
        _fail("events", "duration_s", "negative durations")
    score = events["score"]
    if ((score < 0) | (score > 1)).any():
        _fail("events", "score", "scores outside [0, 1]")
    if (events["attempt"] < 0).any():
        _fail("events", "attempt", "negative attempt numbers")


def write_dataset(dataset: Dataset, path: str | Path) -> Path:
    """Validate and write the dataset as Parquet files in folder `path` (created if needed)."""
    validate(dataset.learners, dataset.events)
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    dataset.learners.to_parquet(folder / FILES["learners"], index=False)
    dataset.events.to_parquet(folder / FILES["events"], index=False)
    for name in OPTIONAL_TABLES:
        table = getattr(dataset, name)
        if table is not None:
            table.to_parquet(folder / FILES[name], index=False)
    return folder


def read_dataset(path: str | Path) -> Dataset:
    """Read and validate a dataset folder written by `write_dataset` (or any exporter)."""
    folder = Path(path)
    for name in ("learners", "events"):
        if not (folder / FILES[name]).is_file():
            raise FileNotFoundError(f"{folder} has no {FILES[name]}: not a dataset folder")
    learners = conform_learners(pd.read_parquet(folder / FILES["learners"]))
    events = conform_events(pd.read_parquet(folder / FILES["events"]))
    validate(learners, events)
    extra = {
        name: pd.read_parquet(folder / FILES[name]) if (folder / FILES[name]).is_file() else None
        for name in OPTIONAL_TABLES
    }
    return Dataset(learners=learners, events=events, **extra)


def _conform(df: pd.DataFrame, kinds: dict[str, str], table: str) -> pd.DataFrame:
    missing = [c for c in kinds if c not in df.columns]
    if missing:
        _fail(table, missing[0], "missing column")
    out = {}
    for column, kind in kinds.items():
        values = df[column]
        try:
            out[column] = _cast(values, kind.rstrip("?"))
        except (TypeError, ValueError) as exc:
            _fail(table, column, f"cannot be read as {kind.rstrip('?')}: {exc}")
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)))


def _cast(values: pd.Series, kind: str) -> pd.Series:
    values = values.reset_index(drop=True)
    if kind == "str":
        # An all-missing column arrives as float NaN: blank it without a dtype-changing fillna.
        return values.astype(object).where(values.notna(), "").astype(str)
    if kind == "datetime":
        return pd.to_datetime(values, utc=True).dt.as_unit("us")
    if kind == "float":
        return values.astype(np.float64)
    if kind == "bool":
        return values.fillna(False).astype(bool)
    return values.fillna(0).astype(np.int64)


def _check_kinds(table: str, df: pd.DataFrame, kinds: dict[str, str]) -> None:
    for column, kind in kinds.items():
        if column not in df.columns:
            _fail(table, column, "missing column")
        values = df[column]
        nullable = kind.endswith("?")
        base = kind.rstrip("?")
        if base == "str":
            ok = pd.api.types.is_string_dtype(values)
        elif base == "datetime":
            ok = isinstance(values.dtype, pd.DatetimeTZDtype) and str(values.dtype.tz) == "UTC"
        elif base == "float":
            ok = pd.api.types.is_float_dtype(values.dtype)
        elif base == "bool":
            ok = pd.api.types.is_bool_dtype(values.dtype)
        else:
            ok = pd.api.types.is_integer_dtype(values.dtype)
        if not ok:
            expected = "UTC datetime" if base == "datetime" else base
            _fail(table, column, f"dtype {values.dtype} is not {expected}")
        if not nullable and values.isna().any():
            _fail(table, column, f"{int(values.isna().sum())} missing values")


def _fail(table: str, column: str, problem: str) -> NoReturn:
    raise ValueError(f"{table}.{column}: {problem}")
