"""Per-request state for catalog resolvers: the caller, the store and batched loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from learnpulse.auth import Principal
from services.catalog.domain import Course, CourseVersion, LearningPath, Unit
from services.catalog.store import CatalogStore


@dataclass
class Context:
    """Built once per request; loaders are per request so their caches never cross tenants."""

    principal: Principal
    store: CatalogStore
    course: DataLoader[str, Course | None] = field(init=False)
    unit: DataLoader[str, Unit | None] = field(init=False)
    path: DataLoader[str, LearningPath | None] = field(init=False)
    units_of_course: DataLoader[str, list[Unit]] = field(init=False)
    versions_of_course: DataLoader[str, list[CourseVersion]] = field(init=False)

    def __post_init__(self) -> None:
        store, tenant = self.store, self.principal.tenant

        async def courses(ids: list[str]) -> list[Course | None]:
            found = await store.courses_by_ids(tenant=tenant, ids=ids)
            return [found.get(i) for i in ids]

        async def units(ids: list[str]) -> list[Unit | None]:
            found = await store.units_by_ids(tenant=tenant, ids=ids)
            return [found.get(i) for i in ids]

        async def paths(ids: list[str]) -> list[LearningPath | None]:
            found = await store.paths_by_ids(tenant=tenant, ids=ids)
            return [found.get(i) for i in ids]

        async def units_of(course_ids: list[str]) -> list[list[Unit]]:
            found = await store.units_of_courses(tenant=tenant, course_ids=course_ids)
            return [found.get(i, []) for i in course_ids]

        async def versions_of(course_ids: list[str]) -> list[list[CourseVersion]]:
            found = await store.versions_of_courses(tenant=tenant, course_ids=course_ids)
            return [found.get(i, []) for i in course_ids]

        self.course = DataLoader(courses)
        self.unit = DataLoader(units)
        self.path = DataLoader(paths)
        self.units_of_course = DataLoader(units_of)
        self.versions_of_course = DataLoader(versions_of)

    @property
    def tenant(self) -> str:
        return self.principal.tenant
