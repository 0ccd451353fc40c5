"""The catalog's MongoDB repository (`learnpulse_catalog`): the only module that knows the driver.

Every document carries `tenant_id` and every query filters by it; reads return domain objects.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from learnpulse import mongo
from services.catalog import documents as docs
from services.catalog.assignment import AssignmentRule
from services.catalog.domain import (
    Course,
    CourseFilter,
    CoursePage,
    CourseStatus,
    CourseVersion,
    LearningPath,
    Unit,
)

DATABASE = "learnpulse_catalog"
_NO_ID = {"_id": 0}
_LEARNER_STATUS = {
    CourseStatus.PUBLISHED: ["published", "draft"],
    CourseStatus.DRAFT: [],
    CourseStatus.ARCHIVED: ["archived"],
}


class CatalogStore:
    """Courses (head), their units, frozen versions, learning paths and rules, per tenant."""

    def __init__(self, client: Any, *, database: str = DATABASE) -> None:
        self.client = client
        db = client[database]
        self._courses, self._units, self._paths = db["courses"], db["units"], db["paths"]
        self._versions, self._rules = db["course_versions"], db["assignment_rules"]

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
        await self._courses.create_index([("tenant_id", 1), ("external_id", 1)])
        await self._units.create_index([("tenant_id", 1), ("id", 1)], unique=True)
        await self._units.create_index([("tenant_id", 1), ("course_id", 1), ("position", 1)])
        await self._paths.create_index([("tenant_id", 1), ("id", 1)], unique=True)
        await self._versions.create_index(
            [("tenant_id", 1), ("course_id", 1), ("version", 1)], unique=True
        )
        await self._rules.create_index([("tenant_id", 1), ("id", 1)], unique=True)

    async def put_course(self, *, tenant: str, course: Course, units: Iterable[Unit]) -> None:
        """Insert or replace a course and its units (idempotent: used by seeding)."""
        await self.save_course(tenant=tenant, course=course)
        await self.save_units(tenant=tenant, units=units)

    async def save_course(self, *, tenant: str, course: Course) -> None:
        await self._replace(self._courses, tenant, docs.course_doc(course))

    async def save_units(self, *, tenant: str, units: Iterable[Unit]) -> None:
        for unit in units:
            await self._replace(self._units, tenant, docs.unit_doc(unit))

    async def delete_unit(self, *, tenant: str, unit_id: str) -> None:
        await self._units.delete_one({"tenant_id": tenant, "id": unit_id})

    async def put_path(self, *, tenant: str, path: LearningPath) -> None:
        await self._replace(self._paths, tenant, docs.path_doc(path))

    async def courses_by_ids(self, *, tenant: str, ids: Iterable[str]) -> dict[str, Course]:
        query = {"tenant_id": tenant, "id": {"$in": list(ids)}}
        return {d["id"]: docs.course(d) async for d in self._courses.find(query, _NO_ID)}

    async def course_by_external_id(self, *, tenant: str, external_id: str) -> Course | None:
        found = await self._courses.find_one(
            {"tenant_id": tenant, "external_id": external_id}, _NO_ID
        )
        return docs.course(found) if found else None

    async def units_by_ids(self, *, tenant: str, ids: Iterable[str]) -> dict[str, Unit]:
        query = {"tenant_id": tenant, "id": {"$in": list(ids)}}
        return {d["id"]: docs.unit(d) async for d in self._units.find(query, _NO_ID)}

    async def units_of_courses(
        self, *, tenant: str, course_ids: Iterable[str]
    ) -> dict[str, list[Unit]]:
        """Units of many courses in one query, each course's in position order."""
        query = {"tenant_id": tenant, "course_id": {"$in": list(course_ids)}}
        cursor = self._units.find(query, _NO_ID).sort([("course_id", 1), ("position", 1)])
        grouped: dict[str, list[Unit]] = defaultdict(list)
        async for doc in cursor:
            grouped[doc["course_id"]].append(docs.unit(doc))
        return grouped

    async def put_version(self, *, tenant: str, version: CourseVersion) -> None:
        doc = docs.version_doc(version)
        key = {"tenant_id": tenant, "course_id": doc["course_id"], "version": doc["version"]}
        await self._versions.replace_one(key, key | doc, upsert=True)

    async def versions_of_courses(
        self, *, tenant: str, course_ids: Iterable[str]
    ) -> dict[str, list[CourseVersion]]:
        """Published versions of many courses in one query, oldest first."""
        query = {"tenant_id": tenant, "course_id": {"$in": list(course_ids)}}
        cursor = self._versions.find(query, _NO_ID).sort([("course_id", 1), ("version", 1)])
        grouped: dict[str, list[CourseVersion]] = defaultdict(list)
        async for doc in cursor:
            grouped[doc["course_id"]].append(docs.version(doc))
        return grouped

    async def paths_by_ids(self, *, tenant: str, ids: Iterable[str]) -> dict[str, LearningPath]:
        query = {"tenant_id": tenant, "id": {"$in": list(ids)}}
        return {d["id"]: docs.path(d) async for d in self._paths.find(query, _NO_ID)}

    async def all_paths(self, *, tenant: str) -> list[LearningPath]:
        cursor = self._paths.find({"tenant_id": tenant}, _NO_ID).sort("id", 1)
        return [docs.path(d) async for d in cursor]

    async def add_rule(self, *, tenant: str, rule: AssignmentRule) -> None:
        seq = await self._rules.count_documents({"tenant_id": tenant})
        await self._rules.insert_one({"tenant_id": tenant, "seq": seq} | docs.rule_doc(rule))

    async def rules(self, *, tenant: str) -> list[AssignmentRule]:
        """The tenant's assignment rules in the order they were made."""
        cursor = self._rules.find({"tenant_id": tenant}, _NO_ID).sort([("seq", 1), ("id", 1)])
        return [docs.rule(d) async for d in cursor]

    async def page_of_courses(
        self, *, tenant: str, where: CourseFilter, first: int, after: str | None
    ) -> CoursePage:
        query: dict[str, Any] = {"tenant_id": tenant}
        if where.published_only:
            # Learners see a course under revision as its published version, so as PUBLISHED.
            query["published_version"] = {"$ne": None}
            if where.status is not None:
                query["status"] = {"$in": _LEARNER_STATUS[where.status]}
        elif where.status is not None:
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
        docs_ = [d async for d in cursor]
        return CoursePage(tuple(docs.course(d) for d in docs_[:first]), len(docs_) > first, total)

    @staticmethod
    async def _replace(collection: Any, tenant: str, doc: dict[str, Any]) -> None:
        key = {"tenant_id": tenant, "id": doc["id"]}
        await collection.replace_one(key, key | doc, upsert=True)
