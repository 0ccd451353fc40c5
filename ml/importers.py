"""Data sources that land in the canonical dataset: the progress service's NDJSON export
(`read_ndjson`, `fetch_ndjson`) and xAPI statement files (`read_xapi`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ml.dataset import (
    EVENT_COLUMNS,
    LEARNER_COLUMNS,
    XAPI_VERB_ALIASES,
    Dataset,
    conform_events,
    conform_learners,
    validate,
)

_NUMBER = r"(\d+(?:\.\d+)?)"
_DURATION = re.compile(rf"^P(?:{_NUMBER}D)?(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$")


def read_ndjson(lines: Iterable[str]) -> Dataset:
    """A dataset from NDJSON lines `{"type": "learner", ...}` / `{"type": "event", ...}`
    (the progress service's `GET /export/trajectories`); blank lines are skipped.

    Raises ValueError naming the line for malformed JSON or an unknown `type`.
    """
    learners: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc.msg})") from exc
        kind = row.pop("type", None) if isinstance(row, dict) else None
        if kind == "learner":
            learners.append(row)
        elif kind == "event":
            events.append(row)
        else:
            raise ValueError(f"line {number}: type must be 'learner' or 'event', got {kind!r}")
    learner_frame = conform_learners(_frame(learners, LEARNER_COLUMNS))
    event_frame = conform_events(_frame(events, EVENT_COLUMNS))
    event_frame = event_frame.sort_values("ts", kind="stable", ignore_index=True)
    validate(learner_frame, event_frame)
    return Dataset(learners=learner_frame, events=event_frame)


def fetch_ndjson(url: str, *, token: str | None = None, timeout_s: float = 60.0) -> Dataset:
    """Stream `url` (e.g. http://host/export/trajectories) with an optional bearer token."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.stream("GET", url, headers=headers, timeout=timeout_s) as response:
        if response.status_code != 200:
            response.read()
            raise ValueError(f"{url}: HTTP {response.status_code}: {response.text[:200]}")
        return read_ndjson(response.iter_lines())


def read_xapi(files: Iterable[Path], learners: pd.DataFrame | None = None) -> Dataset:
    """A dataset from xAPI statement NDJSON files (one statement per line).

    `learners` (canonical columns) supplies HR data; without it, every actor becomes a
    learner hired at their first statement, with blank role/department/shift and no left_at.
    Statements with verbs outside XAPI_VERB_ALIASES are skipped.
    """
    rows = [row for path in files for row in _statements(Path(path))]
    events = conform_events(_frame(rows, EVENT_COLUMNS))
    events = events.sort_values("ts", kind="stable", ignore_index=True)
    events["attempt"] = _attempts(events)
    if learners is None:
        first = events.groupby("learner_id")["ts"].min()
        learners = pd.DataFrame({"learner_id": first.index, "hire_date": first.to_numpy()})
        for column in LEARNER_COLUMNS:
            if column not in learners:
                learners[column] = pd.NaT if column == "left_at" else ""
    learner_frame = conform_learners(learners)
    validate(learner_frame, events)
    return Dataset(learners=learner_frame, events=events)


def _statements(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                statement = json.loads(line)
                row = _event(statement)
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
                raise ValueError(f"{path}:{number}: not an xAPI statement ({exc})") from exc
            if row is not None:
                yield row


def _event(s: dict[str, Any]) -> dict[str, Any] | None:
    verb = XAPI_VERB_ALIASES.get(s["verb"]["id"].rstrip("/").rsplit("/", 1)[-1].casefold())
    if verb is None:
        return None
    actor = s["actor"]
    account = actor.get("account") or {}
    learner = account.get("name") or actor.get("mbox", "").removeprefix("mailto:")
    result = s.get("result") or {}
    context = s.get("context") or {}
    parents = (context.get("contextActivities") or {}).get("parent") or [{}]
    score = (result.get("score") or {}).get("scaled")
    unit = "" if verb == "login" else s.get("object", {}).get("id", "")
    return {
        "learner_id": learner,
        "ts": s["timestamp"],
        "verb": verb,
        "course_id": "" if verb == "login" else parents[0].get("id", ""),
        "unit_id": unit,
        "duration_s": _seconds(result.get("duration")),
        "score": np.nan if score is None else min(max(float(score), 0.0), 1.0),
        "success": bool(result.get("success", verb in ("completed", "passed"))),
        "attempt": 0,
        "response": str(result.get("response", "")) if verb == "answered" else "",
    }


def _seconds(duration: str | None) -> float:
    """Seconds in an ISO 8601 duration such as PT4M30S (0 when absent or unreadable)."""
    match = _DURATION.match(duration or "")
    if not match:
        return 0.0
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def _attempts(events: pd.DataFrame) -> pd.Series:
    """Launches of the unit so far by the learner (1 = first); 0 for logins."""
    has_unit = events["unit_id"] != ""
    launches = (events["verb"] == "launched").astype(np.int64).where(has_unit, 0)
    count = launches.groupby([events["learner_id"], events["unit_id"]]).cumsum()
    return count.clip(lower=1).where(has_unit, 0).astype(np.int64)


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame if len(rows) else pd.DataFrame({c: [] for c in columns})
