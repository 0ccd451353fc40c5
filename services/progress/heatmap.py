"""The learning heatmap: units by learner groups, with completion, dwell against the unit's
expected length, replays, error rate and quiz retakes, joined with on-the-job check results.

Plain rules, no driver. A cell (or retake bucket) with fewer learners than the policy's
minimum carries no figures at all, so nobody can be singled out from it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import median

from services.progress.domain import Learner

NO_MANAGER = "(no manager)"
UNKNOWN = "(unknown)"


class GroupBy(StrEnum):
    DEPARTMENT = "department"
    ROLE = "role"
    TEAM = "team"  # the learner's manager


@dataclass(frozen=True)
class AnalyticsPolicy:
    """Per-deployment rules (settings): k-anonymity minimum, pass mark, retake threshold."""

    min_learners: int = 5
    pass_rating: float = 3.0
    struggle_retakes: int = 3  # more retakes than this on one quiz marks a struggle


@dataclass(frozen=True)
class UnitFacts:
    """What the heatmap needs of one learner on one unit."""

    learner_id: str
    unit_id: str
    dwell_s: int
    replays: int
    attempts: int  # quiz attempts (passed or failed)
    completed: bool
    answers: int = 0  # answered questions in the window
    wrong_answers: int = 0

    @property
    def retakes(self) -> int:
        return max(0, self.attempts - 1)


@dataclass(frozen=True)
class BucketStats:
    learners: int
    rated: int  # with an on-the-job check in the window
    passed: int

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.rated if self.rated else None


@dataclass(frozen=True)
class RetakeBucket:
    label: str
    min_retakes: int
    max_retakes: int | None  # None: no upper bound
    stats: BucketStats | None  # None: too few learners to show


@dataclass(frozen=True)
class CellStats:
    learners: int
    completed: int
    median_dwell_s: float
    expected_s: int | None
    replays: int
    answers: int
    wrong_answers: int
    retakes: int
    struggling: int  # learners with more than `struggle_retakes` retakes here
    rated: int
    passed: int

    @property
    def completion_rate(self) -> float:
        return self.completed / self.learners

    @property
    def dwell_vs_expected(self) -> float | None:
        return self.median_dwell_s / self.expected_s if self.expected_s else None

    @property
    def error_rate(self) -> float | None:
        return self.wrong_answers / self.answers if self.answers else None

    @property
    def replays_per_learner(self) -> float:
        return self.replays / self.learners

    @property
    def retakes_per_learner(self) -> float:
        return self.retakes / self.learners

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.rated if self.rated else None


@dataclass(frozen=True)
class Cell:
    group: str
    stats: CellStats | None  # None: fewer learners than the minimum
    retake_buckets: tuple[RetakeBucket, ...]

    @property
    def suppressed(self) -> bool:
        return self.stats is None


@dataclass(frozen=True)
class Row:
    unit_id: str
    expected_minutes: int | None
    cells: tuple[Cell, ...]  # one per group, in the heatmap's group order


@dataclass(frozen=True)
class Group:
    key: str
    learners: int | None  # None: fewer than the minimum
    retake_buckets: tuple[RetakeBucket, ...]  # by each learner's most retakes on any unit


@dataclass(frozen=True)
class Heatmap:
    group_by: GroupBy
    min_learners: int
    groups: tuple[Group, ...]
    rows: tuple[Row, ...]
    retake_buckets: tuple[RetakeBucket, ...]  # everyone in scope, by most retakes on any unit


def group_of(learner: Learner, by: GroupBy) -> str:
    if by is GroupBy.TEAM:
        return learner.manager_id or NO_MANAGER
    value = learner.department if by is GroupBy.DEPARTMENT else learner.role
    return value or UNKNOWN


def retake_buckets(
    retakes: Mapping[str, int], passed: Mapping[str, bool], policy: AnalyticsPolicy
) -> tuple[RetakeBucket, ...]:
    """Learners bucketed by retakes (none, 1..threshold, more), with their check pass rates.

    `passed` holds only learners with a check in the window (True when they passed it).
    """
    top = policy.struggle_retakes
    bounds: list[tuple[str, int, int | None]] = [("no retakes", 0, 0)]
    if top >= 1:
        bounds.append((f"1-{top} retakes" if top > 1 else "1 retake", 1, top))
    bounds.append((f"more than {top} retakes", top + 1, None))
    out = []
    for label, low, high in bounds:
        who = [i for i, n in retakes.items() if n >= low and (high is None or n <= high)]
        rated = [passed[i] for i in who if i in passed]
        stats = BucketStats(len(who), len(rated), sum(rated))
        out.append(RetakeBucket(label, low, high, stats if _shown(len(who), policy) else None))
    return tuple(out)


def _shown(learners: int, policy: AnalyticsPolicy) -> bool:
    return learners >= policy.min_learners


def build_heatmap(
    *,
    facts: Iterable[UnitFacts],
    learners: Mapping[str, Learner],
    passed: Mapping[str, bool],
    expected_minutes: Mapping[str, int | None],
    by: GroupBy,
    policy: AnalyticsPolicy,
    unit_order: Sequence[str] = (),
) -> Heatmap:
    """Fold per-(learner, unit) facts into cells; facts of learners not in `learners` are
    ignored (out of scope). Rows follow `unit_order`, then the remaining units by id; groups
    are sorted by key. `passed` maps each learner with a check in the window to its result.
    """
    cells: dict[tuple[str, str], list[UnitFacts]] = defaultdict(list)
    most_retakes: dict[str, int] = {}
    for f in facts:
        who = learners.get(f.learner_id)
        if who is None:
            continue
        cells[(f.unit_id, group_of(who, by))].append(f)
        most_retakes[f.learner_id] = max(most_retakes.get(f.learner_id, 0), f.retakes)
    members: dict[str, set[str]] = defaultdict(set)
    for learner_id in most_retakes:
        members[group_of(learners[learner_id], by)].add(learner_id)
    group_keys = sorted(members)
    units = list(dict.fromkeys([*unit_order, *sorted({u for u, _ in cells})]))
    rows = []
    for unit_id in units:
        expected = expected_minutes.get(unit_id)
        row_cells = tuple(
            _cell(g, cells.get((unit_id, g), []), expected, passed, policy) for g in group_keys
        )
        rows.append(Row(unit_id, expected, row_cells))
    groups = tuple(
        Group(
            g,
            len(members[g]) if _shown(len(members[g]), policy) else None,
            retake_buckets({i: most_retakes[i] for i in members[g]}, passed, policy),
        )
        for g in group_keys
    )
    everyone = retake_buckets(most_retakes, passed, policy)
    return Heatmap(by, policy.min_learners, groups, tuple(rows), everyone)


def _cell(
    group: str,
    facts: list[UnitFacts],
    expected_minutes: int | None,
    passed: Mapping[str, bool],
    policy: AnalyticsPolicy,
) -> Cell:
    retakes = {f.learner_id: f.retakes for f in facts}
    buckets = retake_buckets(retakes, passed, policy)
    if not _shown(len(facts), policy):
        return Cell(group, None, buckets)
    rated = [passed[f.learner_id] for f in facts if f.learner_id in passed]
    stats = CellStats(
        learners=len(facts),
        completed=sum(f.completed for f in facts),
        median_dwell_s=float(median(f.dwell_s for f in facts)),
        expected_s=expected_minutes * 60 if expected_minutes else None,
        replays=sum(f.replays for f in facts),
        answers=sum(f.answers for f in facts),
        wrong_answers=sum(f.wrong_answers for f in facts),
        retakes=sum(f.retakes for f in facts),
        struggling=sum(f.retakes > policy.struggle_retakes for f in facts),
        rated=len(rated),
        passed=sum(rated),
    )
    return Cell(group, stats, buckets)
