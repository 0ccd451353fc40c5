"""Completion statistics of a course or a unit over the learners a caller may count, and who
may count whom. Plain rules over per-learner figures; no driver, no GraphQL.

Policy: HR admins, authors and data scientists count the whole tenant; a manager counts their
reports; a learner counts only themself (no figure about anyone else, not even an aggregate);
other roles are refused.
"""

from __future__ import annotations

import enum
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from learnpulse.auth import Principal
from services.progress.errors import Forbidden

TENANT_ROLES = ("hr_admin", "author", "data_scientist")


class StatsScope(enum.Enum):
    TENANT = "tenant"
    REPORTS = "reports"
    SELF = "self"


def stats_scope(principal: Principal) -> tuple[StatsScope, frozenset[str] | None]:
    """Whose figures the caller's statistics count: None is every learner of the tenant."""
    if principal.has(*TENANT_ROLES):
        return StatsScope.TENANT, None
    if principal.has("manager"):
        return StatsScope.REPORTS, principal.reports
    if principal.has("learner"):
        return StatsScope.SELF, frozenset({principal.subject})
    raise Forbidden("completion statistics are for learners, managers, authors and HR admins")


@dataclass(frozen=True)
class LearnerOnCourse:
    """One learner's figures on one course, summed over its units."""

    learner_id: str
    done_unit_ids: frozenset[str]
    dwell_s: int


@dataclass(frozen=True)
class LearnerOnUnit:
    """One learner's state on one unit (the fields statistics read)."""

    learner_id: str
    completed: bool
    dwell_s: int
    attempts: int
    passed: bool
    best_score: float | None


@dataclass(frozen=True)
class CourseCompletion:
    scope: StatsScope
    unit_count: int  # units of the course in the tenant's paths
    enrolled: int
    started: int
    completed: int
    completion_rate: float | None  # enrolled learners who completed / enrolled
    median_dwell_s: float | None  # per learner who started, over the course's units


@dataclass(frozen=True)
class UnitCompletion:
    scope: StatsScope
    enrolled: int
    started: int
    completed: int
    completion_rate: float | None  # enrolled learners who completed / enrolled
    median_dwell_s: float | None
    attempted: int  # learners with at least one pass or fail
    average_attempts: float | None  # per learner who attempted
    pass_rate: float | None  # passed / attempted
    average_best_score: float | None  # over learners with a score


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def course_completion(
    *,
    scope: StatsScope,
    unit_ids: frozenset[str],
    enrolled: Iterable[str],
    learners: Iterable[LearnerOnCourse],
) -> CourseCompletion:
    """A course's figures: `enrolled` are the learners with an open or finished enrollment in a
    path holding it; a learner completed it once every unit of `unit_ids` is done."""
    rows = list(learners)
    enrolled_ids = set(enrolled)
    done = [r for r in rows if unit_ids and unit_ids <= r.done_unit_ids]
    return CourseCompletion(
        scope=scope,
        unit_count=len(unit_ids),
        enrolled=len(enrolled_ids),
        started=len(rows),
        completed=len(done),
        completion_rate=_rate(sum(r.learner_id in enrolled_ids for r in done), len(enrolled_ids)),
        median_dwell_s=_median([r.dwell_s for r in rows]),
    )


def unit_completion(
    *, scope: StatsScope, enrolled: Iterable[str], learners: Iterable[LearnerOnUnit]
) -> UnitCompletion:
    rows = list(learners)
    enrolled_ids = set(enrolled)
    completed = sum(r.completed for r in rows)
    completed_enrolled = sum(r.completed and r.learner_id in enrolled_ids for r in rows)
    tried = [r for r in rows if r.attempts > 0]
    scores = [r.best_score for r in rows if r.best_score is not None]
    return UnitCompletion(
        scope=scope,
        enrolled=len(enrolled_ids),
        started=len(rows),
        completed=completed,
        completion_rate=_rate(completed_enrolled, len(enrolled_ids)),
        median_dwell_s=_median([r.dwell_s for r in rows]),
        attempted=len(tried),
        average_attempts=statistics.fmean(r.attempts for r in tried) if tried else None,
        pass_rate=_rate(sum(r.passed for r in tried), len(tried)),
        average_best_score=statistics.fmean(scores) if scores else None,
    )
