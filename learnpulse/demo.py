"""The demo organisation: deterministic courses, people and learning events for seeds and tests.

Tenant `demo` is a Leeds warehouse: a small Fulfilment team (manager `mgr-1`, reports
`lrn-1`..`lrn-4`), an Inbound team (manager `mgr-2`, reports `lrn-5`..`lrn-12`, most of them
hired in the last two months), a Returns team (manager `mgr-3`, reports `lrn-13`..`lrn-18`) and
an HR partner `hr-1`, with the HR feed's performance ratings; the Fulfilment team is smaller than
the analytics' k-anonymity minimum (5), the others are not. Tenant `acme` has one course and one
learner so tests can prove tenant isolation.
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

_REPORTS = {
    "mgr-1": ("lrn-1", "lrn-2", "lrn-3", "lrn-4"),
    "mgr-2": tuple(f"lrn-{n}" for n in range(5, 13)),
    "mgr-3": tuple(f"lrn-{n}" for n in range(13, 19)),
}
_FLOOR, _LEEDS = ("Warehouse associate", "Fulfilment"), "Leeds DC"
_INBOUND, _RETURNS = ("Warehouse associate", "Inbound"), ("Returns clerk", "Returns")
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
    ("demo", "mgr-2", "Grace Mensah", ("Shift manager", "Inbound"), "night", _LEEDS, None,
     date(2019, 4, 8), "learner manager"),
    ("demo", "lrn-5", "Ewa Kowalska", _INBOUND, "night", _LEEDS, "mgr-2", 52, ""),
    ("demo", "lrn-6", "Farid Haddad", _INBOUND, "night", _LEEDS, "mgr-2", 45, ""),
    ("demo", "lrn-7", "Gemma Doyle", _INBOUND, "night", _LEEDS, "mgr-2", 38, ""),
    ("demo", "lrn-8", "Hiro Tanaka", _INBOUND, "swing", _LEEDS, "mgr-2", 34, ""),
    ("demo", "lrn-9", "Isla Murray", _INBOUND, "night", _LEEDS, "mgr-2", 30, ""),
    ("demo", "lrn-10", "Jonas Weber", _INBOUND, "night", _LEEDS, "mgr-2", date(2023, 5, 8), ""),
    ("demo", "lrn-11", "Kemi Adeyemi", _INBOUND, "swing", _LEEDS, "mgr-2", date(2022, 11, 14),
     ""),
    ("demo", "lrn-12", "Luca Romano", _INBOUND, "night", _LEEDS, "mgr-2", 26, ""),
    ("demo", "mgr-3", "Omar Qureshi", ("Returns lead", "Returns"), "day", _LEEDS, None,
     date(2020, 1, 13), "learner manager"),
    ("demo", "lrn-13", "Mia Svensson", _RETURNS, "day", _LEEDS, "mgr-3", date(2024, 8, 19), ""),
    ("demo", "lrn-14", "Nia Roberts", _RETURNS, "day", _LEEDS, "mgr-3", 40, ""),
    ("demo", "lrn-15", "Oscar Lindqvist", _RETURNS, "swing", _LEEDS, "mgr-3", date(2021, 6, 7),
     ""),
    ("demo", "lrn-16", "Paula Ferreira", _RETURNS, "day", _LEEDS, "mgr-3", 35, ""),
    ("demo", "lrn-17", "Quinn Harper", _RETURNS, "day", _LEEDS, "mgr-3", date(2025, 2, 3), ""),
    ("demo", "lrn-18", "Rosa Bianchi", _RETURNS, "swing", _LEEDS, "mgr-3", 28, ""),
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


def demo_people(now: datetime | None = None) -> tuple[DemoPerson, ...]:
    """The roster: three managers and their reports, an HR admin, and acme's single learner.
    Recent hires are dated relative to `now` (default: the current time), as their events are."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    return tuple(
        DemoPerson(t, pid, name, role, dept, shift, loc, mgr,
                   hired if isinstance(hired, date) else today - timedelta(days=hired),
                   tuple(access.split()) or ("learner",), _REPORTS.get(pid, ()))
        for t, pid, name, (role, dept), shift, loc, mgr, hired, access in _PEOPLE
    )  # fmt: skip


# The HR feed's on-the-job checks: learner, (days before `now` of the check, rating 1-5). A
# check is dated by its day (period `YYYY-MM-DD`); 3.0 and above passes by default. Learners
# who needed many quiz retakes mostly rate lower, the pattern the heatmap's buckets show.
_RATINGS: dict[str, tuple[tuple[int, float], ...]] = {
    "lrn-1": ((20, 4.2),), "lrn-2": ((20, 3.2),), "lrn-3": ((20, 2.4),), "lrn-4": ((5, 3.4),),
    "lrn-5": ((30, 4.0),), "lrn-6": ((25, 2.2), (4, 3.0)), "lrn-7": ((17, 3.5),),
    "lrn-8": ((12, 2.0),), "lrn-9": ((8, 4.1),), "lrn-10": ((20, 3.8),), "lrn-11": ((20, 2.6),),
    "lrn-12": ((5, 3.2),), "lrn-13": ((18, 3.9),), "lrn-14": ((19, 3.6),),
    "lrn-15": ((18, 2.5),), "lrn-16": ((9, 2.8),), "lrn-17": ((18, 4.4),),
    "lrn-18": ((6, 3.3),),
}  # fmt: skip


def demo_ratings(now: datetime) -> dict[str, tuple[tuple[str, float], ...]]:
    """Per demo learner, the HR feed's ratings as (period, rating), oldest first."""
    today = now.astimezone(UTC).date()
    return {
        learner: tuple(((today - timedelta(days=d)).isoformat(), r) for d, r in checks)
        for learner, checks in _RATINGS.items()
    }


# Enrollments: learner, path, days before `now` they were enrolled.
_ENROLLMENTS = (
    ("lrn-1", "p-onboarding", 30), ("lrn-1", "p-service", 22), ("lrn-2", "p-onboarding", 28),
    ("lrn-3", "p-onboarding", 30), ("lrn-3", "p-service", 20), ("lrn-4", "p-onboarding", 12),
    ("mgr-1", "p-service", 20), ("acme-lrn-1", "p-acme-start", 8),
    ("lrn-5", "p-onboarding", 50), ("lrn-6", "p-onboarding", 44), ("lrn-7", "p-onboarding", 37),
    ("lrn-8", "p-onboarding", 33), ("lrn-9", "p-onboarding", 29), ("lrn-10", "p-onboarding", 27),
    ("lrn-10", "p-service", 18), ("lrn-11", "p-onboarding", 27), ("lrn-12", "p-onboarding", 25),
    ("mgr-2", "p-service", 16), ("lrn-13", "p-onboarding", 30), ("lrn-13", "p-service", 20),
    ("lrn-14", "p-onboarding", 39), ("lrn-15", "p-onboarding", 30), ("lrn-16", "p-onboarding", 34),
    ("lrn-17", "p-onboarding", 30), ("lrn-17", "p-service", 21), ("lrn-18", "p-onboarding", 27),
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
    # Inbound: new hires working through onboarding; lrn-6, lrn-8 and lrn-11 need 4 retakes
    # of a check ("retakes": up to six attempts, +0.1 each after reviewing the feedback).
    "lrn-5": [(48, "c-safety", 0, 2, 0.9, ""), (46, "c-safety", 2, 4, 0.9, ""),
              (40, "c-privacy", 0, 3, 0.85, ""), (12, "c-safety", 0, 1, 0.9, "replay")],
    "lrn-6": [(42, "c-safety", 0, 2, 0.9, ""), (39, "c-safety", 2, 3, 0.9, "replay"),
              (35, "c-safety", 3, 4, 0.3, "retakes"), (20, "c-privacy", 0, 2, 0.9, ""),
              (9, "c-privacy", 2, 3, 0.5, "retakes")],
    "lrn-7": [(36, "c-safety", 0, 2, 0.9, ""), (33, "c-safety", 2, 4, 0.6, ""),
              (24, "c-privacy", 0, 3, 0.8, "")],
    "lrn-8": [(32, "c-safety", 0, 2, 0.9, "replay"), (30, "c-safety", 2, 4, 0.35, "retakes"),
              (15, "c-privacy", 0, 2, 0.9, "open")],
    "lrn-9": [(28, "c-safety", 0, 4, 0.95, ""), (26, "c-privacy", 0, 3, 0.9, "")],
    "lrn-10": [(25, "c-safety", 0, 4, 0.8, ""), (22, "c-privacy", 0, 3, 0.75, ""),
               (16, "c-service", 0, 3, 0.9, ""), (8, "c-service", 3, 5, 0.85, "")],
    "lrn-11": [(26, "c-safety", 0, 2, 0.9, ""), (24, "c-safety", 2, 4, 0.3, "retakes"),
               (17, "c-privacy", 0, 3, 0.45, "retakes")],
    "lrn-12": [(24, "c-safety", 0, 3, 0.9, ""), (21, "c-safety", 3, 4, 0.65, ""),
               (11, "c-privacy", 0, 2, 0.9, "")],
    "mgr-2": [(15, "c-service", 0, 2, 0.9, "")],
    # Returns: a mixed team; lrn-15 and lrn-16 struggle with the checks.
    "lrn-13": [(29, "c-safety", 0, 4, 0.9, ""), (27, "c-privacy", 0, 3, 0.85, ""),
               (19, "c-service", 0, 5, 0.8, "")],
    "lrn-14": [(38, "c-safety", 0, 2, 0.9, ""), (36, "c-safety", 2, 4, 0.75, ""),
               (30, "c-privacy", 0, 3, 0.9, "")],
    "lrn-15": [(29, "c-safety", 0, 2, 0.9, "replay"), (28, "c-safety", 2, 4, 0.3, "retakes"),
               (22, "c-privacy", 0, 3, 0.4, "retakes")],
    "lrn-16": [(33, "c-safety", 0, 3, 0.9, ""), (31, "c-safety", 3, 4, 0.35, "retakes"),
               (13, "c-privacy", 0, 2, 0.9, "open")],
    "lrn-17": [(29, "c-safety", 0, 4, 0.95, ""), (27, "c-privacy", 0, 3, 0.95, ""),
               (20, "c-service", 0, 5, 0.9, "")],
    "lrn-18": [(26, "c-safety", 0, 2, 0.9, ""), (23, "c-safety", 2, 4, 0.65, ""),
               (14, "c-privacy", 0, 3, 0.8, "")],
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
                self.quiz(course, unit, score, *((6, 0.1) if how == "retakes" else (2, 0.15)))
            else:
                self.emit("completed", course.id, unit.id)

    def quiz(
        self, course: DemoCourse, unit: DemoUnit, score: float, attempts: int, gain: float
    ) -> None:
        for attempt in range(1, attempts + 1):
            outcome = {"score": round(score, 2), "success": score >= 0.7, "attempt": attempt}
            self.emit("answered", course.id, unit.id, response=f"{round(score * 10)}/10", **outcome)
            self.emit("passed" if score >= 0.7 else "failed", course.id, unit.id, **outcome)
            if score >= 0.7:
                return
            score += gain  # another attempt after reviewing the feedback


def demo_events(now: datetime) -> list[dict[str, Any]]:
    """Canonical learning events over the ~30 days before `now`, oldest first per learner."""
    catalog = demo_catalog()
    rows: list[dict[str, Any]] = []
    for person in demo_people(now):
        journal = _Journal(person, now)
        for days_ago, course_id, first, last, score, how in _SESSIONS.get(person.id, []):
            course = catalog.course(course_id)
            journal.login(days_ago)
            journal.study(course, course.units[first:last], score, how)
        if person.id in _LAST_LOGIN:
            journal.login(_LAST_LOGIN[person.id])
        rows.extend(journal.rows)
    return rows
