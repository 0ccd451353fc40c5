"""Risk assessments as the progress service keeps them: one stored score of a learner's attrition
and stall risk, the rules that say when it has gone stale, and when a band moved up.

Plain dataclasses and rules; knows neither GraphQL, gRPC nor MongoDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from learnpulse.errors import InvalidArgument

# A daily sweep refreshes every active learner; an assessment older than this missed one.
STALE_AFTER = timedelta(hours=36)


class RiskBand(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {RiskBand.LOW: 0, RiskBand.MEDIUM: 1, RiskBand.HIGH: 2}


class FactorDirection(StrEnum):
    RAISES = "raises"
    LOWERS = "lowers"


class Trigger(StrEnum):
    """Why an assessment was made: new activity (debounced), or the daily sweep."""

    ACTIVITY = "activity"
    DAILY = "daily"


@dataclass(frozen=True)
class ModelRef:
    name: str
    version: str
    alias: str


@dataclass(frozen=True)
class Factor:
    name: str
    label: str
    direction: FactorDirection
    contribution: float  # log-odds


@dataclass(frozen=True)
class Estimate:
    probability: float
    band: RiskBand
    factors: tuple[Factor, ...]
    model: ModelRef


@dataclass(frozen=True)
class Score:
    """What the risk service answered for one learner."""

    learner_id: str
    attrition: Estimate
    stall: Estimate


@dataclass(frozen=True)
class Assessment:
    """One stored score: unique per (tenant, learner, as_of), never updated."""

    id: str
    learner_id: str
    as_of: datetime
    attrition: Estimate
    stall: Estimate
    trigger: Trigger

    @classmethod
    def of(cls, score: Score, *, as_of: datetime, trigger: Trigger) -> Assessment:
        return cls(
            assessment_id(score.learner_id, as_of),
            score.learner_id,
            as_of,
            score.attrition,
            score.stall,
            trigger,
        )


@dataclass(frozen=True)
class LatestRisk:
    """The newest stored assessment and whether it still describes the learner."""

    assessment: Assessment
    stale: bool


@dataclass(frozen=True)
class AssessmentPage:
    items: tuple[Assessment, ...]
    has_next: bool
    total: int


@dataclass(frozen=True)
class BandMove:
    target: str  # "attrition" or "stall"
    before: RiskBand
    after: RiskBand
    probability: float


_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


def assessment_id(learner_id: str, as_of: datetime) -> str:
    """`<learner>@<as_of in UTC>`: the same score time gives the same id (sweeps are idempotent)."""
    return f"{learner_id}@{as_of.astimezone(UTC).strftime(_STAMP)}"


def as_of_of(assessment_id_: str) -> datetime:
    """The time an assessment id names; a malformed id is a bad `after` cursor."""
    _, _, stamp = assessment_id_.rpartition("@")
    try:
        return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidArgument("after", "`after` is not a cursor returned by riskHistory") from None


def band_moves(before: Assessment | None, after: Assessment) -> list[BandMove]:
    """The estimates whose band went up since `before` (none for a learner's first score)."""
    if before is None:
        return []
    moves = []
    for target in ("attrition", "stall"):
        old, new = getattr(before, target), getattr(after, target)
        if new.band.rank > old.band.rank:
            moves.append(BandMove(target, old.band, new.band, new.probability))
    return moves


def is_stale(latest: Assessment, *, pending: bool, now: datetime) -> bool:
    """Stale when newer activity is not scored yet (or could not be), or no daily sweep
    reached the learner for `STALE_AFTER`."""
    return pending or now - latest.as_of > STALE_AFTER


@dataclass(frozen=True)
class PendingMark:
    """A learner with activity not scored yet: `marks` counts the ingests since the last score;
    `seen_at` is when a sweep first saw it (debouncing counts from there)."""

    marks: int
    seen_at: datetime | None = None


@dataclass(frozen=True)
class SweepState:
    """Per tenant: failed scoring attempts in a row, when to try again, the last daily sweep."""

    failures: int = 0
    retry_at: datetime | None = None
    daily_for: str | None = None  # the UTC day (ISO date) whose daily sweep finished
    last_error: str | None = None
