"""Factories for tiny hand-built trajectory tables (canonical dtypes) used by the ml tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ml.dataset import conform_events, conform_learners

UTC = "UTC"


def make_learner(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "learner_id": "L1",
        "tenant_id": "acme",
        "role": "agent",
        "department": "customer-care",
        "shift": "day",
        "location": "lyon",
        "manager_id": "M1",
        "hire_date": pd.Timestamp("2026-01-01", tz=UTC),
        "left_at": pd.NaT,
    }
    row.update(overrides)
    return row


def make_event(ts: str, verb: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "learner_id": "L1",
        "ts": pd.Timestamp(ts, tz=UTC),
        "verb": verb,
        "course_id": "",
        "unit_id": "",
        "duration_s": 0.0,
        "score": np.nan,
        "success": False,
        "attempt": 0,
        "response": "",
    }
    row.update(overrides)
    return row


def learners_table(*rows: dict[str, Any]) -> pd.DataFrame:
    return conform_learners(pd.DataFrame(list(rows) or [make_learner()]))


def events_table(*rows: dict[str, Any]) -> pd.DataFrame:
    return conform_events(pd.DataFrame(list(rows), columns=list(make_event("2026-01-01", "x"))))


def unit_event(ts: str, verb: str, unit: str, **overrides: Any) -> dict[str, Any]:
    overrides.setdefault("attempt", 1)
    return make_event(ts, verb, course_id=unit.split("-")[0], unit_id=unit, **overrides)
