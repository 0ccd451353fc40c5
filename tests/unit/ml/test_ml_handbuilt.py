"""Training and `learnpulse evaluate --json` on a dataset the generator did not produce: a
small hand-built kitchen-and-front-desk organisation in the canonical format."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from learnpulse.cli import main
from ml.dataset import Dataset, conform_events, conform_learners, write_dataset

START = pd.Timestamp("2025-09-01", tz="UTC")
REPORT_KEYS = {
    "roc_auc",
    "pr_auc",
    "brier",
    "ece",
    "oracle_roc_auc",
    "logreg_roc_auc",
    "rule_roc_auc",
    "recall_at_precision_0_75",
    "median_lead_days",
    "n_test",
    "fairness",
}


def hand_built(n: int = 400, days: int = 80, seed: int = 0) -> Dataset:
    """Leavers go quiet in their last ten days; some units stay open across days, and half the
    learners take a nine-day break (a stall) at some point."""
    rng = np.random.default_rng(seed)
    break_start = np.where(rng.random(n) < 0.5, rng.integers(0, days, n), -100)
    leaves = rng.random(n) < 0.35
    leave_day = np.where(leaves, rng.integers(20, days, n), -1)
    learners = pd.DataFrame(
        {
            "learner_id": [f"H{i:03d}" for i in range(n)],
            "tenant_id": "bistro",
            "role": rng.choice(["cook", "agent"], n),  # "cook" is outside the vocabulary
            "department": rng.choice(["kitchen", "front"], n),
            "shift": rng.choice(["day", "night"], n),
            "location": "paris",
            "manager_id": "",
            "hire_date": START - pd.Timedelta(days=200),
            "left_at": [
                START + pd.Timedelta(days=int(d), hours=17) if d >= 0 else pd.NaT for d in leave_day
            ],
        }
    )
    rows = []
    for i in range(n):
        unit = 0
        for day in range(days):
            if 0 <= leave_day[i] <= day:
                break
            fading = leave_day[i] >= 0 and leave_day[i] - day <= 10
            if break_start[i] <= day < break_start[i] + 9:
                continue
            if rng.random() > (0.12 if fading else 0.75):
                continue
            at = START + pd.Timedelta(days=day, hours=9, minutes=int(rng.integers(0, 120)))
            who, uid = f"H{i:03d}", f"u{unit:03d}"
            rows.append({"learner_id": who, "ts": at, "verb": "login"})
            rows.append(
                {
                    "learner_id": who,
                    "ts": at + pd.Timedelta(minutes=1),
                    "verb": "launched",
                    "course_id": "c1",
                    "unit_id": uid,
                    "attempt": 1,
                }
            )
            rows.append(
                {
                    "learner_id": who,
                    "ts": at + pd.Timedelta(minutes=5),
                    "verb": "progressed",
                    "course_id": "c1",
                    "unit_id": uid,
                    "duration_s": 240.0,
                    "attempt": 1,
                }
            )
            if rng.random() < 0.7:
                rows.append(
                    {
                        "learner_id": who,
                        "ts": at + pd.Timedelta(minutes=6),
                        "verb": "completed",
                        "course_id": "c1",
                        "unit_id": uid,
                        "duration_s": 300.0,
                        "success": True,
                        "attempt": 1,
                    }
                )
                unit += 1
    events = pd.DataFrame(rows).sort_values("ts", ignore_index=True)
    events = events.reindex(columns=[*events.columns, "score", "response"])
    events = events.fillna({"duration_s": 0.0, "success": False, "attempt": 0})
    return Dataset(conform_learners(learners), conform_events(events))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(hand_built(), tmp_path_factory.mktemp("handbuilt"))


def test_evaluate_json_on_a_hand_built_dataset(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["evaluate", "--data", str(folder), "--json"])

    assert code == 0
    report = json.loads(capsys.readouterr().out)  # exactly one JSON object on stdout
    for target in ("attrition", "stall"):
        assert set(report[target]) >= REPORT_KEYS
        assert report[target]["oracle_roc_auc"] is None  # no ground truth here
        assert report[target]["n_test"] > 50
        assert report[target]["roc_auc"] > 0.75
        assert set(report[target]["fairness"]["department"]) == {"kitchen", "front"}
    assert report["attrition"]["median_lead_days"] is not None
    assert report["stall"]["median_lead_days"] is None
