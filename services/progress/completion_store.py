"""Reads behind course and unit completion statistics (the only completion module that knows
the driver): which paths hold a course or unit, who is enrolled in them, and per-learner
figures from the unit states. Every query filters by tenant, and by learner ids when scoped.

Unit states count toward the course their events named (`course_id`, indexed with the
tenant); a course's unit list comes from the tenant's path outlines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from services.progress.completion import LearnerOnCourse, LearnerOnUnit
from services.progress.store import DATABASE, ProgressStore

_OPEN_OR_DONE = ["active", "completed"]
_UNIT_FIELDS = {"_id": 0, "learner_id": 1, "unit_id": 1, "completed": 1, "dwell_s": 1}
_UNIT_FIELDS |= {"attempts": 1, "passed": 1, "best_score": 1}


def _scoped(query: dict[str, Any], only: frozenset[str] | None) -> dict[str, Any]:
    return query if only is None else query | {"learner_id": {"$in": sorted(only)}}


class CompletionStore:
    def __init__(self, client: Any, *, database: str = DATABASE) -> None:
        db = client.get_database(database)
        self._outlines, self._enrollments, self._units = (
            db["outlines"],
            db["enrollments"],
            db["units"],
        )

    @classmethod
    def beside(cls, store: ProgressStore) -> CompletionStore:
        return cls(store.client)

    async def paths_holding(
        self, *, tenant: str, course_ids: Iterable[str] = (), unit_ids: Iterable[str] = ()
    ) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """For each course and unit asked: the paths holding it, and (courses) their units."""
        courses, units = set(course_ids), set(unit_ids)
        holds = [{"courses.course_id": {"$in": sorted(courses)}}]
        holds.append({"courses.unit_ids": {"$in": sorted(units)}})
        paths: dict[str, set[str]] = defaultdict(set)
        unit_lists: dict[str, set[str]] = defaultdict(set)
        async for d in self._outlines.find({"tenant_id": tenant, "$or": holds}, {"_id": 0}):
            for course in d["courses"]:
                if course["course_id"] in courses:
                    paths[course["course_id"]].add(d["path_id"])
                    unit_lists[course["course_id"]].update(course["unit_ids"])
                for unit in set(course["unit_ids"]) & units:
                    paths[unit].add(d["path_id"])
        return paths, unit_lists

    async def enrolled(
        self, *, tenant: str, path_ids: Iterable[str], only: frozenset[str] | None
    ) -> dict[str, set[str]]:
        """Learners with an open or finished enrollment, by path."""
        query = {"tenant_id": tenant, "path_id": {"$in": sorted(set(path_ids))}}
        query = _scoped(query | {"status": {"$in": _OPEN_OR_DONE}}, only)
        found: dict[str, set[str]] = defaultdict(set)
        async for d in self._enrollments.find(query, {"_id": 0, "path_id": 1, "learner_id": 1}):
            found[d["path_id"]].add(d["learner_id"])
        return found

    async def on_courses(
        self, *, tenant: str, course_ids: Iterable[str], only: frozenset[str] | None
    ) -> dict[str, list[LearnerOnCourse]]:
        """Per course, each learner with a unit state on it: units done and dwell summed."""
        match = _scoped({"tenant_id": tenant, "course_id": {"$in": sorted(set(course_ids))}}, only)
        pipeline = [
            {"$match": match},
            {
                "$group": {
                    "_id": {"course": "$course_id", "learner": "$learner_id"},
                    "dwell": {"$sum": "$dwell_s"},
                    "done": {"$addToSet": {"$cond": ["$completed", "$unit_id", None]}},
                }
            },
        ]
        found: dict[str, list[LearnerOnCourse]] = defaultdict(list)
        async for row in await self._units.aggregate(pipeline):
            done = frozenset(u for u in row["done"] if u is not None)
            key = row["_id"]
            found[key["course"]].append(LearnerOnCourse(key["learner"], done, int(row["dwell"])))
        return found

    async def on_units(
        self, *, tenant: str, unit_ids: Iterable[str], only: frozenset[str] | None
    ) -> dict[str, list[LearnerOnUnit]]:
        """Per unit, each learner's state on it."""
        query = _scoped({"tenant_id": tenant, "unit_id": {"$in": sorted(set(unit_ids))}}, only)
        found: dict[str, list[LearnerOnUnit]] = defaultdict(list)
        async for d in self._units.find(query, _UNIT_FIELDS):
            found[d["unit_id"]].append(
                LearnerOnUnit(
                    learner_id=d["learner_id"],
                    completed=bool(d.get("completed", False)),
                    dwell_s=int(d.get("dwell_s", 0)),
                    attempts=int(d.get("attempts", 0)),
                    passed=bool(d.get("passed", False)),
                    best_score=d.get("best_score"),
                )
            )
        return found
