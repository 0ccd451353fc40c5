"""The milestone each learner is working toward at a moment: the programme context of the
features (how many units are due, by when, and whether their team is reminded).

It comes from the canonical `milestones` table in training and from the caller (the progress
service) when serving; both end as the same `MilestoneContext` arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.dataset import micros_of_series

_US_PER_DAY = 86_400_000_000


@dataclass(frozen=True)
class MilestoneContext:
    """Per learner (float arrays, NaN where not known): when the current milestone was
    assigned and is due (microseconds since the epoch), how many units it assigns, and
    whether the learner's team reminds learners behind on it (1.0 yes, 0.0 no)."""

    assigned_us: np.ndarray
    due_us: np.ndarray
    units: np.ndarray
    reminders: np.ndarray

    @classmethod
    def unknown(cls, n: int) -> MilestoneContext:
        return cls(*(np.full(n, np.nan) for _ in range(4)))


def current_milestones(
    table: pd.DataFrame | None, index: pd.Index, now_us: int
) -> MilestoneContext:
    """For each learner in `index`, the latest milestone assigned at or before `now_us` (its
    due date may have passed: then it is overdue). Only what is known when a milestone is
    assigned is read, never `units_completed`, so later outcomes cannot leak into features.
    """
    context = MilestoneContext.unknown(len(index))
    if table is None or table.empty:
        return context
    who = index.get_indexer(pd.Index(table["learner_id"].astype(str)))
    assigned = micros_of_series(table["assigned_at"])
    rows = np.flatnonzero((who >= 0) & (assigned <= now_us))
    if len(rows) == 0:
        return context
    # The last row per learner after sorting by (learner, assigned_at) is the current one.
    order = rows[np.lexsort((assigned[rows], who[rows]))]
    last = order[np.r_[who[order][1:] != who[order][:-1], True]]
    reminders = table["reminders"].astype("boolean").to_numpy(np.float64, na_value=np.nan)
    columns = (
        assigned,
        micros_of_series(table["due_at"]),
        table["units_assigned"].to_numpy(np.float64, na_value=np.nan),
        reminders,
    )
    targets = (context.assigned_us, context.due_us, context.units, context.reminders)
    for target, values in zip(targets, columns, strict=True):
        target[who[last]] = values[last]
    return context


def milestone_features(
    context: MilestoneContext, now_us: int, done: np.ndarray
) -> dict[str, np.ndarray]:
    """The milestone features, given the units each learner completed since the milestone
    was assigned (`done`): NaN for learners without a known milestone."""
    span = context.due_us - context.assigned_us
    with np.errstate(invalid="ignore", divide="ignore"):
        elapsed = np.clip((now_us - context.assigned_us) / np.where(span > 0, span, np.nan), 0, 1)
    left = np.maximum(context.units - done, 0.0)
    known = ~np.isnan(context.assigned_us)
    return {
        "milestone_days_left": (context.due_us - now_us) / _US_PER_DAY,
        "milestone_units_left": np.where(known, left, np.nan),
        # Units behind an even pace through the milestone (negative: ahead of it).
        "milestone_lateness": np.where(known, context.units * elapsed - done, np.nan),
        "reminders_on": context.reminders,
    }
