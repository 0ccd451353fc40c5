"""How models are judged: a learner-disjoint, time-based split of examples; ranking and
calibration metrics; and the score thresholds that put learners in medium and high bands.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

MEDIUM_PRECISION = 0.5
HIGH_PRECISION = 0.75
# When validation cannot reach a precision target, flag a fixed share of learners instead.
MEDIUM_FALLBACK_SHARE = 0.10
HIGH_FALLBACK_SHARE = 0.03
MIN_FLAGGED = 5  # a precision measured on fewer flagged rows is noise


@dataclass(frozen=True)
class Split:
    """Training rows come from earlier cut-offs than validation and test rows, and no learner
    appears in two parts, so scores estimate how a model does on new people, later on.
    """

    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame


@dataclass(frozen=True)
class Bands:
    medium: float
    high: float
    rule: str  # "precision" when both targets were met on validation, else "share"


def split_examples(
    examples: pd.DataFrame,
    *,
    seed: int,
    horizon_days: int,
    valid_share: float = 0.2,
    test_share: float = 0.2,
    future_share: float = 0.45,
) -> Split:
    """Assign learners to train/valid/test by a seeded hash of their id, then keep for training
    only rows whose label window closed before the first "future" cut-off used to evaluate.
    """
    ids = examples["learner_id"].astype(str)
    unique = ids.unique()
    draw = np.array([zlib.crc32(f"{seed}:{i}".encode()) / 2**32 for i in unique])
    part = pd.Series(
        np.where(
            draw < test_share, "test", np.where(draw < test_share + valid_share, "valid", "train")
        ),
        index=unique,
    )[ids].to_numpy()
    cuts = np.sort(examples["as_of"].unique())
    if len(cuts) < 2:
        raise ValueError("need examples from at least two cut-offs for a time-based split")
    first_future = cuts[min(len(cuts) - 1, int(len(cuts) * (1 - future_share)))]
    as_of = examples["as_of"]
    past = (as_of + pd.Timedelta(days=horizon_days)) <= first_future
    future = as_of >= first_future
    return Split(
        train=examples[(part == "train") & past],
        valid=examples[(part == "valid") & future],
        test=examples[(part == "test") & future],
    )


def binary_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """ROC-AUC and PR-AUC (NaN when only one class is present), Brier score, base rate."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    both = 0 < y.sum() < len(y)
    return {
        "roc_auc": float(roc_auc_score(y, p)) if both else float("nan"),
        "pr_auc": float(average_precision_score(y, p)) if both else float("nan"),
        "brier": float(brier_score_loss(y, p)) if len(y) else float("nan"),
        "base_rate": float(y.mean()) if len(y) else float("nan"),
        "rows": float(len(y)),
    }


def band_thresholds(
    y: np.ndarray,
    p: np.ndarray,
    *,
    medium_precision: float = MEDIUM_PRECISION,
    high_precision: float = HIGH_PRECISION,
) -> Bands:
    """The lowest score thresholds whose precision on (y, p) reaches each target, so each
    band catches as many true cases as it can at that precision; fixed shares otherwise.
    """
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    if len(y) == 0:
        raise ValueError("cannot choose band thresholds without validation rows")
    medium = _lowest_threshold(y, p, medium_precision)
    high = _lowest_threshold(y, p, high_precision)
    rule = "precision"
    if medium is None:
        medium, rule = float(np.quantile(p, 1 - MEDIUM_FALLBACK_SHARE)), "share"
    if high is None:
        high, rule = float(np.quantile(p, 1 - HIGH_FALLBACK_SHARE)), "share"
    return Bands(medium=medium, high=max(high, medium), rule=rule)


def _lowest_threshold(y: np.ndarray, p: np.ndarray, target: float) -> float | None:
    order = np.argsort(-p, kind="stable")
    scores, hits = p[order], np.cumsum(y[order])
    flagged = np.arange(1, len(p) + 1)
    # Only cut between distinct scores: a threshold flags every row with score >= it.
    boundary = np.r_[scores[1:] != scores[:-1], True]
    ok = boundary & (flagged >= MIN_FLAGGED) & (hits / flagged >= target)
    if not ok.any():
        return None
    return float(scores[np.flatnonzero(ok)[-1]])
