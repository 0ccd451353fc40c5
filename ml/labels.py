"""Training examples: each learner seen at several cut-offs, with their features as of the
cut-off and what happened next (left within 14 days; stalled on their open unit for 7 days).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ml.dataset import Dataset
from ml.features import FEATURE_NAMES, LOOKBACK_DAYS, build_features, open_units

ATTRITION_HORIZON_DAYS = 14
STALL_HORIZON_DAYS = 7
PROGRESS_VERBS = ("progressed", "answered", "completed", "passed")
TARGETS = ("attrition", "stall")


def cutoffs(
    events: pd.DataFrame,
    *,
    every_days: int = 4,
    history_days: int = LOOKBACK_DAYS,
    horizon_days: int = ATTRITION_HORIZON_DAYS,
) -> list[pd.Timestamp]:
    """Midnights (UTC) with a full feature window behind them and a full label window ahead."""
    if events.empty:
        return []
    first = events["ts"].min().normalize() + pd.Timedelta(days=history_days)
    end = events["ts"].max().normalize() + pd.Timedelta(days=1)
    last = end - pd.Timedelta(days=horizon_days)
    if last < first:
        return []
    return list(pd.date_range(first, last, freq=f"{every_days}D"))


def make_examples(
    dataset: Dataset,
    cuts: list[pd.Timestamp],
    progress: Callable[[int], object] | None = None,
) -> pd.DataFrame:
    """One row per (learner employed at the cut-off, cut-off): learner_id, as_of, the
    features, `attrition` (0/1) and `stall` (0/1, NaN when no unit was open).
    `progress`, if given, is called with 1 after each cut-off (e.g. `tqdm.update`).
    """
    learners = dataset.learners
    events = dataset.events.sort_values("ts", kind="stable", ignore_index=True)
    ts = events["ts"]
    frames = []
    for cut in cuts:
        # Only the feature window and the label window matter: slice them out once.
        lo = ts.searchsorted(cut - pd.Timedelta(days=LOOKBACK_DAYS))
        hi = ts.searchsorted(cut + pd.Timedelta(days=STALL_HORIZON_DAYS))
        frames.append(_examples_at(learners, events.iloc[lo:hi], cut, dataset.milestones))
        if progress is not None:
            progress(1)
    if not frames:
        columns = ["learner_id", "as_of", *FEATURE_NAMES, *TARGETS]
        return pd.DataFrame({c: [] for c in columns})
    return pd.concat(frames, ignore_index=True)


def _examples_at(
    learners: pd.DataFrame,
    events: pd.DataFrame,
    cut: pd.Timestamp,
    milestones: pd.DataFrame | None,
) -> pd.DataFrame:
    # Learners who already left, or were not hired yet, have nothing to predict.
    employed = (learners["hire_date"] < cut) & ~(learners["left_at"] <= cut)
    present = learners.loc[employed]
    features = build_features(present, events, cut, milestones)

    leaves_by = cut + pd.Timedelta(days=ATTRITION_HORIZON_DAYS)
    attrition = (present["left_at"] <= leaves_by).to_numpy(dtype=np.float64)

    unit = open_units(present, events, cut)
    soon = (events["ts"] >= cut) & (events["ts"] < cut + pd.Timedelta(days=STALL_HORIZON_DAYS))
    progress = events.loc[soon & events["verb"].isin(PROGRESS_VERBS), ["learner_id", "unit_id"]]
    progressed = pd.MultiIndex.from_frame(progress.drop_duplicates())
    pairs = pd.MultiIndex.from_arrays([unit.index, unit.to_numpy()])
    stall = np.where(unit.to_numpy() == "", np.nan, (~pairs.isin(progressed)).astype(np.float64))

    out = features.reset_index()
    out.insert(1, "as_of", cut)
    out["attrition"] = attrition
    out["stall"] = stall
    return out
