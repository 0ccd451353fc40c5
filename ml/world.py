"""The synthetic organisation behind `ml.synth`: departments, roles, shifts, locations and
managers; a catalog of 3-7 minute micro-units; and a roster of learners with latent traits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

DEPARTMENTS = ("operations", "customer-care", "sales", "logistics", "finance", "it")
DEPARTMENT_WEIGHTS = (0.30, 0.25, 0.15, 0.15, 0.08, 0.07)
ROLES = ("associate", "senior-associate", "specialist", "team-lead", "analyst")
ROLE_WEIGHTS = (0.45, 0.20, 0.15, 0.10, 0.10)
SHIFTS = ("day", "evening", "night")
SHIFT_WEIGHTS = (0.55, 0.28, 0.17)
SHIFT_START_HOUR = np.array([8.0, 15.0, 22.0])
LOCATIONS = ("lyon", "porto", "krakow", "manila")
LOCATION_WEIGHTS = (0.25, 0.25, 0.25, 0.25)
TEAM_SIZE = 10
# How much teams differ in what pushes people out (the manager, the workload): a share of the
# risk no trajectory shows, only the team around it.
MANAGER_CLIMATE_SD = 0.3
# Not everyone is on a programme: the others learn at their own pace, with no milestones, so
# models also see learners whose milestone is unknown, as the risk service does.
ENROLLED_SHARE = 0.85


@dataclass(frozen=True)
class Catalog:
    """Micro-units, indexed 0..n-1, grouped in courses; the last unit of a course is a quiz."""

    course_ids: np.ndarray
    unit_ids: np.ndarray
    nominal_s: np.ndarray
    is_quiz: np.ndarray
    n_questions: np.ndarray
    correct_option: np.ndarray
    paths: np.ndarray  # [role, position] -> unit index: each role takes courses in its own order

    @property
    def size(self) -> int:
        return len(self.unit_ids)


@dataclass(frozen=True)
class Roster:
    """Learners as a canonical table (left_at still empty) plus their hidden traits."""

    learners: pd.DataFrame
    role: np.ndarray
    shift: np.ndarray
    engagement: np.ndarray  # stable baseline of how much a learner engages
    ability: np.ndarray  # how well they answer quizzes
    trigger_logit: np.ndarray  # daily log-odds that something starts pushing them to leave
    start_position: np.ndarray  # where on their role's path they are on day 0
    tenure_days: np.ndarray  # days since hire on day 0
    enrolled: np.ndarray  # on the fortnightly programme (milestones); the rest learn freely


def make_catalog(rng: np.random.Generator, n_courses: int = 18) -> Catalog:
    """Courses of 4-9 units: videos and readings of 3-7 minutes, then a 4-6 question quiz."""
    sizes = rng.integers(4, 10, size=n_courses)
    course = np.repeat(np.arange(n_courses), sizes)
    position = np.arange(len(course)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    is_quiz = position == np.repeat(sizes - 1, sizes)
    course_ids = np.array([f"c{c:02d}" for c in range(n_courses)], dtype=object)[course]
    unit_ids = np.array(
        [f"{cid}-u{p:02d}" for cid, p in zip(course_ids, position, strict=True)], dtype=object
    )
    nominal_s = np.round(rng.uniform(180.0, 420.0, size=len(course)))
    n_questions = np.where(is_quiz, rng.integers(4, 7, size=len(course)), 0)
    course_starts = np.cumsum(sizes) - sizes
    paths = np.empty((len(ROLES), len(course)), dtype=np.int64)
    for r in range(len(ROLES)):
        order = rng.permutation(n_courses)
        paths[r] = np.concatenate([np.arange(sizes[c]) + course_starts[c] for c in order])
    return Catalog(
        course_ids=course_ids,
        unit_ids=unit_ids,
        nominal_s=nominal_s,
        is_quiz=is_quiz,
        n_questions=n_questions,
        correct_option=rng.integers(0, 4, size=len(course)),
        paths=paths,
    )


def make_roster(
    rng: np.random.Generator, n: int, start: datetime, tenant_id: str, catalog_size: int
) -> Roster:
    """Learners spread over departments, locations and shifts, in teams of about ten."""
    department = rng.choice(len(DEPARTMENTS), size=n, p=DEPARTMENT_WEIGHTS)
    location = rng.choice(len(LOCATIONS), size=n, p=LOCATION_WEIGHTS)
    role = rng.choice(len(ROLES), size=n, p=ROLE_WEIGHTS)
    shift = rng.choice(len(SHIFTS), size=n, p=SHIFT_WEIGHTS)
    manager = _assign_managers(rng, department * len(LOCATIONS) + location)
    manager_climate = rng.normal(0.0, MANAGER_CLIMATE_SD, size=manager.max() + 1)

    # Frontline tenure is skewed: many recent hires, a long tail of veterans.
    tenure_days = np.clip(np.round(rng.lognormal(np.log(420.0), 1.0, size=n)), 14, 6000)
    hire_date = pd.Timestamp(start) - pd.to_timedelta(tenure_days, unit="D")
    engagement = rng.normal(0.0, 1.0, size=n) + 0.25 * (role >= 3) - 0.2 * (shift == 2)
    trigger_logit = (
        -6.5
        + 0.6 * (shift == 2)
        + 0.5 * (tenure_days < 180)
        - 0.35 * engagement
        + manager_climate[manager]
    )
    learners = pd.DataFrame(
        {
            "learner_id": [f"L{i:05d}" for i in range(n)],
            "tenant_id": tenant_id,
            "role": np.array(ROLES, dtype=object)[role],
            "department": np.array(DEPARTMENTS, dtype=object)[department],
            "shift": np.array(SHIFTS, dtype=object)[shift],
            "location": np.array(LOCATIONS, dtype=object)[location],
            "manager_id": [f"M{m:04d}" for m in manager],
            "hire_date": hire_date,
            "left_at": pd.NaT,
        }
    )
    return Roster(
        learners=learners,
        role=role,
        shift=shift,
        engagement=engagement,
        ability=rng.normal(0.0, 1.0, size=n),
        trigger_logit=trigger_logit,
        start_position=rng.integers(0, max(1, catalog_size // 3), size=n),
        tenure_days=tenure_days,
        enrolled=rng.random(n) < ENROLLED_SHARE,
    )


def _assign_managers(rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
    """Split each department-location group into teams of about TEAM_SIZE under one manager."""
    order = np.lexsort((rng.random(len(group)), group))
    sorted_group = group[order]
    first = np.r_[True, sorted_group[1:] != sorted_group[:-1]]
    rank = np.arange(len(group)) - np.maximum.accumulate(np.where(first, np.arange(len(group)), 0))
    team = np.cumsum(first | (rank % TEAM_SIZE == 0)) - 1
    manager = np.empty(len(group), dtype=np.int64)
    manager[order] = team
    return manager
