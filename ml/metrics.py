"""The honest-evaluation report of one target on a test set: ranking (ROC-AUC, PR-AUC),
calibration (Brier, ECE), recall at precision 0.75, the oracle and baselines beside the model,
lead time before leaving, and a fairness view per department and shift.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

ECE_BINS = 10
TARGET_PRECISION = 0.75
LEAD_WINDOW_DAYS = 28  # a high-band score earlier than this before leaving is not a catch
FAIRNESS_COLUMNS = ("department", "shift")
TRUTH_COLUMNS = {"attrition": "p_leave_14d", "stall": "p_stall_7d"}


def roc_auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """ROC-AUC, or None when only one class is present."""
    y = np.asarray(y, dtype=np.float64)
    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None


def ece(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error: |observed rate - mean score| per equal-width score bin,
    weighted by the bin's share of rows."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    if len(y) == 0:
        return math.nan
    which = np.minimum((p * bins).astype(np.int64), bins - 1)
    count = np.bincount(which, minlength=bins)
    gap = np.abs(np.bincount(which, y, bins) - np.bincount(which, p, bins))
    return float(gap.sum() / len(y)) if count.sum() else math.nan


def recall_at_precision(y: np.ndarray, p: np.ndarray, target: float = TARGET_PRECISION) -> float:
    """The largest recall of any threshold whose precision reaches `target` (0 if none)."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    if y.sum() == 0:
        return 0.0
    order = np.argsort(-p, kind="stable")
    scores, hits = p[order], np.cumsum(y[order])
    boundary = np.r_[scores[1:] != scores[:-1], True]
    precision = hits / np.arange(1, len(p) + 1)
    ok = boundary & (precision >= target)
    return float(hits[ok].max() / y.sum()) if ok.any() else 0.0


def median_lead_days(rows: pd.DataFrame, p: np.ndarray, high: float) -> float | None:
    """Median days between a leaver's first high-band score (within LEAD_WINDOW_DAYS before
    leaving) and their `left_at`, over the leavers caught; None when nobody was caught."""
    frame = rows[["learner_id", "as_of", "left_at"]].assign(p=p)
    ahead = (frame["left_at"] - frame["as_of"]) / pd.Timedelta(days=1)
    caught = frame[(frame["p"] >= high) & (ahead > 0) & (ahead <= LEAD_WINDOW_DAYS)]
    if caught.empty:
        return None
    first = caught.groupby("learner_id")["as_of"].min()
    left = caught.groupby("learner_id")["left_at"].first()
    return float(((left - first) / pd.Timedelta(days=1)).median())


def fairness(rows: pd.DataFrame, y: np.ndarray, p: np.ndarray, high: float) -> dict[str, Any]:
    """Per department and per shift: rows, ROC-AUC (None if one class) and share flagged high."""
    out: dict[str, Any] = {}
    for column in FAIRNESS_COLUMNS:
        groups = rows[column].fillna("").astype(str).to_numpy()
        out[column] = {
            str(group): {
                "n": int(mask.sum()),
                "roc_auc": roc_auc(y[mask], p[mask]),
                "share_high": float((p[mask] >= high).mean()),
            }
            for group in sorted(set(groups))
            for mask in [groups == group]
        }
    return out


def target_report(
    target: str,
    rows: pd.DataFrame,
    probs: np.ndarray,
    *,
    high: float,
    logreg: np.ndarray,
    rule: np.ndarray,
    truth: pd.DataFrame | None,
    ceiling: np.ndarray | None = None,
) -> dict[str, Any]:
    """The keys `learnpulse evaluate --json` prints for one target; `rows` are the labelled
    test examples joined with learner columns (department, shift, left_at); `ceiling`, the
    test scores of a model fitted to the truth itself (`ml.training.fit_ceiling`)."""
    y = rows[target].to_numpy(np.float64)
    both = 0 < y.sum() < len(y)
    return {
        "roc_auc": roc_auc(y, probs),
        "pr_auc": float(average_precision_score(y, probs)) if both else None,
        "brier": float(brier_score_loss(y, probs)) if len(y) else None,
        "ece": ece(y, probs),
        "oracle_roc_auc": oracle_roc_auc(target, rows, truth),
        "expected_roc_auc": expected_roc_auc(
            target,
            rows,
            truth,
            {"model": probs, "logreg": logreg} | ({} if ceiling is None else {"ceiling": ceiling}),
        ),
        "logreg_roc_auc": roc_auc(y, logreg),
        "rule_roc_auc": roc_auc(y, rule),
        "recall_at_precision_0_75": recall_at_precision(y, probs),
        "median_lead_days": median_lead_days(rows, probs, high) if target == "attrition" else None,
        "n_test": len(y),
        "base_rate": float(y.mean()) if len(y) else None,
        "band_high_threshold": high,
        "fairness": fairness(rows, y, probs, high),
    }


def oracle_roc_auc(target: str, rows: pd.DataFrame, truth: pd.DataFrame | None) -> float | None:
    """ROC-AUC of the generator's own probability on the same rows; None without truth."""
    p = truth_of(target, rows, truth)
    return None if p is None else roc_auc(rows[target].to_numpy(np.float64), p)


def expected_roc_auc(
    target: str, rows: pd.DataFrame, truth: pd.DataFrame | None, scores: dict[str, np.ndarray]
) -> dict[str, float] | None:
    """Each score's ROC-AUC expected if the outcomes were drawn from the truth (every pair of
    rows weighted by p of the one times 1 - p of the other), and the oracle's own: the same
    comparison as `oracle_roc_auc`, without the outcome noise of a few hundred test positives.
    None without truth for every row."""
    p = truth_of(target, rows, truth)
    if p is None or not 0 < p.sum() < len(p):
        return None
    labels = np.r_[np.ones(len(p)), np.zeros(len(p))]
    weights = np.r_[p, 1.0 - p]
    # Each row as a positive and as a negative: scikit-learn also pairs a row with itself (a
    # tie, half a win); take those pairs back out.
    total, itself = p.sum() * (1.0 - p).sum(), float((p * (1.0 - p)).sum())

    def expected(score: np.ndarray) -> float:
        both = np.r_[score, score]
        auc = float(roc_auc_score(labels, both, sample_weight=weights))
        return (auc * total - 0.5 * itself) / (total - itself)

    return {"oracle": expected(p)} | {name: expected(s) for name, s in scores.items()}


def truth_of(target: str, rows: pd.DataFrame, truth: pd.DataFrame | None) -> np.ndarray | None:
    """The truth's probability for `target` at each row's (learner_id, as_of), in row order;
    None without truth, or when a row has none."""
    column = TRUTH_COLUMNS[target]
    if truth is None or column not in truth.columns or rows.empty:
        return None
    keyed = truth[["learner_id", "day", column]].rename(columns={"day": "as_of"})
    joined = rows[["learner_id", "as_of"]].merge(keyed, on=["learner_id", "as_of"], how="left")
    p = joined[column].to_numpy(np.float64)
    return None if np.isnan(p).any() else p
