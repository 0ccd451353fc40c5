"""What stall detection needs to know of a learner's risk: the latest stored bands and factors.

The risk sweeps keep the assessments; `RiskLookup` is the seam through which stall detection
reads them (`run_sweep(risk=...)`). Without one, stalls escalate on time alone and alerts say
that no assessment is available.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RiskFactor:
    label: str
    direction: str  # raises or lowers


@dataclass(frozen=True)
class RiskView:
    """A learner's latest assessment as an alert shows it."""

    attrition_band: str
    stall_band: str
    factors: tuple[RiskFactor, ...]
    model_version: str
    stale: bool = False

    def worst_band_in(self, bands: tuple[str, ...]) -> bool:
        return self.attrition_band in bands or self.stall_band in bands


# (tenant, learner_id) -> the latest assessment, or None when there is none.
RiskLookup = Callable[[str, str], Awaitable[RiskView | None]]
