"""How a risk sweep pass batches, which events it scores, and how it backs off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RiskSweepOptions:
    batch_size: int = 500  # trajectories per ScoreTrajectories call (the service takes 1000)
    window_days: int = 90  # events scored: the last `window_days` before as_of
    pending_limit: int = 5000  # learners with new activity scored per pass and tenant
    # new activity is scored once this long after a pass first saw it, so a burst is one
    # score; 0 (one-off sweeps) scores it at once
    debounce: timedelta = timedelta(0)
    backoff: timedelta = timedelta(seconds=30)
    backoff_cap: timedelta = timedelta(minutes=30)
