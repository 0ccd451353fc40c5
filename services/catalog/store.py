"""The catalog's MongoDB repository (`learnpulse_catalog`): the only module that knows the driver.

Every document carries `tenant_id` and every query filters by it; reads return domain objects.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from learnpulse import mongo
from services.catalog.domain import (
    Course,
    CourseFilter,
    CoursePage,
    CourseStatus,
    LearningPath,
    Milestone,
    Unit,
    UnitKind,
)

DATABASE = "learnpulse_catalog"
_NO_ID = {"_id": 0}


class CatalogStore:
    """Courses, their units (one document each) and learning paths, per tenant."""

    def __init__(self, client: Any, *, database: str = DATABASE) -> None:
        self.client = client
        db = client[database]
        self._courses, self._units, self._paths = db["courses"], db["units"], db["paths"]

    @classmethod
    def connect(cls, url: str) -> CatalogStore:
        return cls(mongo.connect(url))

    async def close(self) -> None:
        await mongo.close(self.client)

    async def ping(self) -> bool:
        return await mongo.ping(self.client)

    async def ensure_indexes(self) -> None:
        await self._courses.create_index([("tenant_id", 1), ("id", 1)], unique=True)
        await self._courses.create_index([("tenant_id", 1), ("status", 1), ("id", 1)])
        await self._courses.create_index([("tenant_id", 1), ("tags", 1), ("id", 1)])
        await self._units.create_index([("tenant_id", 1), ("id", 1)], unique=True)
        await self._units.create_index([("tenant_id", 1), ("course_id", 1), ("position", 1)])
        await self._paths.create_index([("tenant_id", 1), ("id", 1)], unique=True)

    async def put_course(self, *, tenant: str, course: Course, units: Iterable[Unit]) -> None:
        """Insert or replace a course and its units (idempotent: used by seeding)."""
        await self._replace(self._courses, tenant, _course_doc(course))
        for unit in units:
            await self._replace(self._units, tenant, _unit_doc(unit))

    async def put_path(self, *, tenant: str, path: LearningPath) -> None:
        await self._replace(self._paths, tenant, _path_doc(path))

    async def courses_by_ids(self, *, tenant: str, ids: Iterable[str]) -> dict[str, Course]:
        query = {"tenant_id": tenant, "id": {"$in": list(ids)}}
        return {d["id"]: _course(d) async for d in self._courses.find(query, _NO_ID)}

    async def units_by_ids(self, *, tenant: str, ids: Iterable[str]) -> dict[str, Unit]:
        query = {"tenant_id": tenant, "id": {"$in": list(ids)}}
        return {d["id"]: _unit(d) async for d in self._units.find(query, _NO_ID)}

    async def units_of_courses(
        self, *, tenant: str, course_ids: Iterable[str]
    ) -> dict[str, list[Unit]]:
        """Units of many courses in one query, each course's in position order."""
        query = {"tenant_id": tenant, "course_id": {"$in": list(course_ids)}}
        cursor = self._units.find(query, _NO_ID).sort([("course_id", 1), ("position", 1)])
        grouped: dict[str, list[Unit]] = defaultdict(list)
        async for doc in cursor:
            grouped[doc["course_id"]].append(_unit(doc))
        return grouped

    async def paths_by_ids(self, *, tenant: str, ids: Iterable[str]) -> dict[str, LearningPath]:
        query = {"tenant_id": tenant, "id": {"$in": list(ids)}}
        return {d["id"]: _path(d) async for d in self._paths.find(query, _NO_ID)}

    async def all_paths(self, *, tenant: str) -> list[LearningPath]:
        cursor = self._paths.find({"tenant_id": tenant}, _NO_ID).sort("id", 1)
        return [_path(d) async for d in cursor]

    async def page_of_courses(
        self, *, tenant: str, where: CourseFilter, first: int, after: str | None
    ) -> CoursePage:
        query: dict[str, Any] = {"tenant_id": tenant}
        if where.status is not None:
            query["status"] = where.status.value
        if where.tag:
            query["tags"] = where.tag
        if where.search:
            pattern = {"$regex": re.escape(where.search), "$options": "i"}
            query["$or"] = [{"title": pattern}, {"summary": pattern}]
        total = await self._courses.count_documents(query)
        if after is not None:
            query["id"] = {"$gt": after}
        # One extra row tells whether another page follows without a second count.
        cursor = self._courses.find(query, _NO_ID).sort("id", 1).limit(first + 1)
        docs = [d async for d in cursor]
        return CoursePage(tuple(_course(d) for d in docs[:first]), len(docs) > first, total)

    @staticmethod
    async def _replace(collection: Any, tenant: str, doc: dict[str, Any]) -> None:
        key = {"tenant_id": tenant, "id": doc["id"]}
        await collection.replace_one(key, key | doc, upsert=True)


def _course_doc(course: Course) -> dict[str, Any]:
    return {
        "id": course.id,
        "title": course.title,
        "summary": course.summary,
        "status": course.status.value,
        "version": course.version,
        "tags": list(course.tags),
    }


def _course(doc: dict[str, Any]) -> Course:
    return Course(
        id=doc["id"],
        title=doc["title"],
        summary=doc.get("summary", ""),
        status=CourseStatus(doc["status"]),
        version=doc.get("version", 1),
        tags=tuple(doc.get("tags", ())),
    )


def _unit_doc(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "course_id": unit.course_id,
        "title": unit.title,
        "kind": unit.kind.value,
        "expected_minutes": unit.expected_minutes,
        "position": unit.position,
    }


def _unit(doc: dict[str, Any]) -> Unit:
    return Unit(
        id=doc["id"],
        course_id=doc["course_id"],
        title=doc["title"],
        kind=UnitKind(doc["kind"]),
        expected_minutes=doc["expected_minutes"],
        position=doc["position"],
    )


def _path_doc(path: LearningPath) -> dict[str, Any]:
    milestones = [
        {"title": m.title, "course_ids": list(m.course_ids), "due_after_days": m.due_after_days}
        for m in path.milestones
    ]
    return {
        "id": path.id,
        "title": path.title,
        "course_ids": list(path.course_ids),
        "milestones": milestones,
    }


def _path(doc: dict[str, Any]) -> LearningPath:
    milestones = tuple(
        Milestone(m["title"], tuple(m["course_ids"]), m.get("due_after_days"))
        for m in doc.get("milestones", ())
    )
    return LearningPath(doc["id"], doc["title"], tuple(doc["course_ids"]), milestones)
