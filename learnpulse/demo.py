"""The demo organisation: deterministic courses, people and learning events for seeds and tests.

Tenant `demo` is a small warehouse team (manager `mgr-1`, reports `lrn-1`..`lrn-4`, `hr-1`);
tenant `acme` has one course and one learner so tests can prove tenant isolation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

DEMO_TENANT = "demo"
ACME_TENANT = "acme"


@dataclass(frozen=True)
class DemoUnit:
    id: str
    title: str
    kind: str  # video | reading | quiz | practice
    minutes: int


@dataclass(frozen=True)
class DemoCourse:
    tenant: str
    id: str
    title: str
    summary: str
    tags: tuple[str, ...]
    units: tuple[DemoUnit, ...]
    status: str = "published"
    version: int = 1


@dataclass(frozen=True)
class DemoMilestone:
    title: str
    course_ids: tuple[str, ...]
    due_after_days: int


@dataclass(frozen=True)
class DemoPath:
    tenant: str
    id: str
    title: str
    course_ids: tuple[str, ...]
    milestones: tuple[DemoMilestone, ...]


@dataclass(frozen=True)
class DemoCatalog:
    courses: tuple[DemoCourse, ...]
    paths: tuple[DemoPath, ...]

    def course(self, course_id: str) -> DemoCourse:
        return next(c for c in self.courses if c.id == course_id)


@dataclass(frozen=True)
class DemoPerson:
    tenant: str
    id: str
    name: str
    role: str
    department: str
    shift: str
    location: str
    manager_id: str | None
    hire_date: date
    access: tuple[str, ...] = ("learner",)  # learnpulse roles, for minting demo tokens
    reports: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoEnrollment:
    tenant: str
    id: str
    learner_id: str
    path_id: str
    enrolled_at: datetime
    due_at: datetime


# Courses: tenant, id, title, tags, status, summary, units (title, kind, minutes).
_COURSES = (
    ("demo", "c-safety", "Warehouse Safety Essentials", ("safety", "onboarding"), "published",
     "Lifting, forklift zones and what to do when something goes wrong.",
     [("Why safety comes first", "video", 4), ("Lifting without injury", "reading", 5),
      ("Forklift zones", "video", 6), ("Safety check", "quiz", 3)]),
    ("demo", "c-privacy", "Data Privacy Basics", ("compliance", "onboarding"), "published",
     "Handling customer and colleague data on the floor and at the desk.",
     [("What counts as personal data", "video", 5), ("Clean desk, locked screen", "reading", 4),
      ("Privacy check", "quiz", 3)]),
    ("demo", "c-service", "Customer Conversations", ("service", "communication"), "published",
     "Calm, clear conversations with customers and carriers.",
     [("Listening first", "video", 5), ("Saying no without losing the customer", "reading", 6),
      ("Difficult calls", "video", 7), ("Role-play: a late delivery", "practice", 7),
      ("Conversation check", "quiz", 4)]),
    ("demo", "c-lead", "Leading a Shift", ("leadership",), "draft",
     "Briefings, handovers and feedback.",
     [("The five-minute briefing", "video", 5), ("Handover notes", "reading", 4),
      ("Giving feedback", "video", 6)]),
    ("acme", "c-acme-intro", "Acme Orientation", ("onboarding",), "published",
     "Who we are and how we work.",
     [("Welcome to Acme", "video", 4), ("Our values", "reading", 3),
      ("Orientation check", "quiz", 3)]),
)  # fmt: skip

# Path rows: tenant, id, title, course ids; milestones (title, course ids, due after days).
_PATHS = (
    ("demo", "p-onboarding", "Floor Onboarding", ("c-safety", "c-privacy"),
     [("Safe on the floor", ("c-safety",), 7), ("Compliance complete", ("c-privacy",), 14)]),
    ("demo", "p-service", "Service Excellence", ("c-service", "c-privacy"),
     [("Confident conversations", ("c-service",), 21), ("Privacy refresher", ("c-privacy",), 28)]),
    ("acme", "p-acme-start", "Acme Start", ("c-acme-intro",),
     [("Oriented", ("c-acme-intro",), 10)]),
)  # fmt: skip

_REPORTS = ("lrn-1", "lrn-2", "lrn-3", "lrn-4")
_FLOOR, _LEEDS = ("Warehouse associate", "Fulfilment"), "Leeds DC"
# People: tenant, id, name, (role, department), shift, location, manager, hired, access roles.
_PEOPLE = (
    ("demo", "mgr-1", "Maya Okafor", ("Shift manager", "Fulfilment"), "day", "Leeds DC", None,
     date(2021, 3, 1), "learner manager"),
    ("demo", "hr-1", "Hugo Brandt", ("HR partner", "People"), "day", "Leeds HQ", None,
     date(2020, 9, 14), "learner hr_admin"),
    ("demo", "lrn-1", "Ana Silva", _FLOOR, "day", _LEEDS, "mgr-1", date(2024, 2, 5), ""),
    ("demo", "lrn-2", "Ben Carter", _FLOOR, "night", _LEEDS, "mgr-1", date(2025, 6, 16), ""),
    ("demo", "lrn-3", "Chloe Martin", _FLOOR, "swing", _LEEDS, "mgr-1", date(2023, 10, 2), ""),
    ("demo", "lrn-4", "Dev Patel", _FLOOR, "day", _LEEDS, "mgr-1", date(2025, 11, 3), ""),
    ("acme", "acme-lrn-1", "Ola Nowak", ("Picker", "Operations"), "day", "Gdansk", None,
     date(2025, 1, 20), ""),
)  # fmt: skip


def demo_catalog() -> DemoCatalog:
    """Courses of 3-7 minute units (one a draft) and the learning paths that bundle them."""
    courses = tuple(
        DemoCourse(tenant, cid, title, summary, tags, tuple(
            DemoUnit(f"u-{cid[2:]}-{i}", t, kind, minutes)
            for i, (t, kind, minutes) in enumerate(units, 1)
        ), status)
        for tenant, cid, title, tags, status, summary, units in _COURSES
    )  # fmt: skip
    paths = tuple(
        DemoPath(tenant, pid, title, course_ids, tuple(DemoMilestone(*m) for m in milestones))
        for tenant, pid, title, course_ids, milestones in _PATHS
    )
    return DemoCatalog(courses, paths)


def demo_people() -> tuple[DemoPerson, ...]:
    """The roster: a manager, four reports, an HR admin, and acme's single learner."""
    return tuple(
        DemoPerson(t, pid, name, role, dept, shift, loc, mgr, hired,
                   tuple(access.split()) or ("learner",), _REPORTS if pid == "mgr-1" else ())
        for t, pid, name, (role, dept), shift, loc, mgr, hired, access in _PEOPLE
    )  # fmt: skip


# Enrollments: learner, path, days before `now` they were enrolled.
_ENROLLMENTS = (
    ("lrn-1", "p-onboarding", 30), ("lrn-1", "p-service", 22), ("lrn-2", "p-onboarding", 28),
    ("lrn-3", "p-onboarding", 30), ("lrn-3", "p-service", 20), ("lrn-4", "p-onboarding", 12),
    ("mgr-1", "p-service", 20), ("acme-lrn-1", "p-acme-start", 8),
)  # fmt: skip

# Study sessions per learner: (days before `now`, course, units [from, to), quiz score, how).
# lrn-1 is diligent; lrn-2 stalls (launches a unit 4-5 days ago, nothing since); lrn-3
# disengages (half-length sessions, replays, a failed quiz, then only a login); lrn-4 is a
# steady new hire. "open" = launched and progressed but not finished.
_SESSIONS: dict[str, list[tuple[int, str, int, int, float, str]]] = {
    "lrn-1": [(28, "c-safety", 0, 2, 0.9, ""), (27, "c-safety", 2, 4, 0.9, ""),
              (24, "c-privacy", 0, 3, 0.8, ""), (20, "c-service", 0, 3, 0.9, ""),
              (14, "c-service", 3, 5, 0.85, ""), (3, "c-privacy", 0, 1, 0.9, "replay")],
    "lrn-2": [(26, "c-safety", 0, 2, 0.9, ""), (19, "c-safety", 2, 4, 0.6, ""),
              (5, "c-privacy", 0, 1, 0.9, "open")],
    "lrn-3": [(29, "c-safety", 0, 2, 0.9, "replay"), (27, "c-safety", 2, 3, 0.9, ""),
              (21, "c-safety", 3, 4, 0.5, ""), (15, "c-privacy", 0, 1, 0.9, "replay"),
              (10, "c-privacy", 1, 2, 0.9, "open")],
    "lrn-4": [(10, "c-safety", 0, 1, 0.9, ""), (7, "c-safety", 1, 3, 0.9, ""),
              (2, "c-safety", 3, 4, 0.8, ""), (1, "c-privacy", 0, 1, 0.9, "")],
    "mgr-1": [(18, "c-service", 0, 2, 0.9, "")],
    "acme-lrn-1": [(6, "c-acme-intro", 0, 2, 0.9, "")],
}  # fmt: skip
_PACE = {"lrn-3": 0.5}  # share of a unit's expected minutes actually spent
_LAST_LOGIN = {"lrn-3": 6, "mgr-1": 9}  # a login without learning, days before `now`
_SHIFT_HOUR = {"day": 9, "swing": 15, "night": 22}


def demo_enrollments(now: datetime) -> tuple[DemoEnrollment, ...]:
    """Who follows which path; due when the path's last milestone is."""
    paths = {p.id: p for p in demo_catalog().paths}
    out = []
    for learner_id, path_id, days_ago in _ENROLLMENTS:
        path = paths[path_id]
        start = _day(now, days_ago, 8)
        due = start + timedelta(days=max(m.due_after_days for m in path.milestones))
        eid = f"e-{learner_id}-{path_id}"
        out.append(DemoEnrollment(path.tenant, eid, learner_id, path_id, start, due))
    return tuple(out)


def _day(now: datetime, days_ago: int, hour: int) -> datetime:
    midnight = datetime.combine(now.astimezone(UTC).date(), time(), UTC)
    return midnight - timedelta(days=days_ago, hours=-hour)


class _Journal:
    """Writes one learner's canonical events; durations are seeded per learner."""

    def __init__(self, person: DemoPerson, now: datetime) -> None:
        self.person, self.now = person, now
        self.rng = random.Random(f"{person.tenant}:{person.id}")
        self.pace = _PACE.get(person.id, 1.0)
        self.rows: list[dict[str, Any]] = []
        self.at = now

    def emit(
        self, verb: str, course: str | None = None, unit: str | None = None, **extra: Any
    ) -> None:
        self.rows.append({
            "tenant_id": self.person.tenant, "learner_id": self.person.id,
            "event_id": f"{self.person.id}-{len(self.rows) + 1:03d}", "ts": self.at,
            "verb": verb, "course_id": course, "unit_id": unit, "duration_s": None,
            "score": None, "success": None, "attempt": None, "response": None,
        } | extra)  # fmt: skip
        self.at += timedelta(seconds=20)

    def login(self, days_ago: int) -> None:
        self.at = _day(self.now, days_ago, _SHIFT_HOUR[self.person.shift])
        self.at += timedelta(minutes=self.rng.randint(0, 40))
        self.emit("login")

    def study(
        self, course: DemoCourse, units: tuple[DemoUnit, ...], score: float, how: str
    ) -> None:
        for unit in units:
            self.emit("launched", course.id, unit.id)
            seconds = int(unit.minutes * 60 * self.pace * self.rng.uniform(0.8, 1.25))
            self.emit("progressed", course.id, unit.id, duration_s=seconds)
            self.at += timedelta(seconds=seconds)
            if how == "replay":
                self.emit("replayed", course.id, unit.id, duration_s=seconds // 3)
            if how == "open":
                return
            if unit.kind == "quiz":
                self.quiz(course, unit, score)
            else:
                self.emit("completed", course.id, unit.id)

    def quiz(self, course: DemoCourse, unit: DemoUnit, score: float) -> None:
        for attempt in (1, 2):
            outcome = {"score": round(score, 2), "success": score >= 0.7, "attempt": attempt}
            self.emit("answered", course.id, unit.id, response=f"{round(score * 10)}/10", **outcome)
            self.emit("passed" if score >= 0.7 else "failed", course.id, unit.id, **outcome)
            if score >= 0.7:
                return
            score += 0.15  # a second attempt after reviewing the feedback


def demo_events(now: datetime) -> list[dict[str, Any]]:
    """Canonical learning events over the ~30 days before `now`, oldest first per learner."""
    catalog = demo_catalog()
    rows: list[dict[str, Any]] = []
    for person in demo_people():
        journal = _Journal(person, now)
        for days_ago, course_id, first, last, score, how in _SESSIONS.get(person.id, []):
            course = catalog.course(course_id)
            journal.login(days_ago)
            journal.study(course, course.units[first:last], score, how)
        if person.id in _LAST_LOGIN:
            journal.login(_LAST_LOGIN[person.id])
        rows.extend(journal.rows)
    return rows
