"""The catalog's GraphQL schema (a Federation v2 subgraph): thin types over domain objects.

Entities resolve through the request's DataLoaders, so `_entities` and nested lists batch.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext, Info

from services.catalog import domain
from services.catalog.context import Context
from services.catalog.domain import CourseFilter, CourseStatus, UnitKind
from services.catalog.errors import CatalogError
from services.catalog.paging import encode_cursor
from services.catalog.queries import find_courses

# Registers the domain's enums as GraphQL enums; the domain module itself stays framework-free.
strawberry.enum(CourseStatus)
strawberry.enum(UnitKind)
CatalogInfo = Info[Context, None]


@strawberry.federation.type(keys=["id"], description="A course of 3-7 minute micro-units.")
class Course:
    id: strawberry.ID
    title: str
    summary: str
    status: CourseStatus
    version: int
    tags: list[str]

    @classmethod
    def from_domain(cls, course: domain.Course) -> Course:
        return cls(
            id=strawberry.ID(course.id),
            title=course.title,
            summary=course.summary,
            status=course.status,
            version=course.version,
            tags=list(course.tags),
        )

    @classmethod
    async def resolve_reference(cls, info: CatalogInfo, id: strawberry.ID) -> Course | None:
        return await _course(info, id)

    @strawberry.field(description="The course's units in the order a learner takes them.")
    async def units(self, info: CatalogInfo) -> list[Unit]:
        return [Unit.from_domain(u) for u in await info.context.units_of_course.load(self.id)]

    @strawberry.field(description="Sum of the units' expected minutes.")
    async def duration_minutes(self, info: CatalogInfo) -> int:
        return domain.duration_minutes(await info.context.units_of_course.load(self.id))


@strawberry.federation.type(keys=["id"], description="One micro-learning unit of a course.")
class Unit:
    id: strawberry.ID
    title: str
    kind: UnitKind
    expected_minutes: int
    position: int = strawberry.field(description="1-based place of the unit in its course.")
    course_id: strawberry.Private[str]

    @classmethod
    def from_domain(cls, unit: domain.Unit) -> Unit:
        return cls(
            id=strawberry.ID(unit.id),
            title=unit.title,
            kind=unit.kind,
            expected_minutes=unit.expected_minutes,
            position=unit.position,
            course_id=unit.course_id,
        )

    @classmethod
    async def resolve_reference(cls, info: CatalogInfo, id: strawberry.ID) -> Unit | None:
        found = await info.context.unit.load(id)
        return cls.from_domain(found) if found else None

    @strawberry.field
    async def course(self, info: CatalogInfo) -> Course | None:
        return await _course(info, self.course_id)


@strawberry.type(description="A checkpoint of a learning path: these courses, so many days in.")
class Milestone:
    title: str
    course_ids: list[strawberry.ID]
    due_after_days: int | None = strawberry.field(
        description="Days after enrollment by which the milestone is due."
    )

    @strawberry.field
    async def courses(self, info: CatalogInfo) -> list[Course]:
        return await _courses(info, self.course_ids)


@strawberry.federation.type(keys=["id"], description="An ordered bundle of courses.")
class LearningPath:
    id: strawberry.ID
    title: str
    milestones: list[Milestone]
    course_ids: strawberry.Private[tuple[str, ...]]

    @classmethod
    def from_domain(cls, path: domain.LearningPath) -> LearningPath:
        milestones = [
            Milestone(
                title=m.title,
                course_ids=[strawberry.ID(c) for c in m.course_ids],
                due_after_days=m.due_after_days,
            )
            for m in path.milestones
        ]
        return cls(
            id=strawberry.ID(path.id),
            title=path.title,
            milestones=milestones,
            course_ids=path.course_ids,
        )

    @classmethod
    async def resolve_reference(cls, info: CatalogInfo, id: strawberry.ID) -> LearningPath | None:
        found = await info.context.path.load(id)
        return cls.from_domain(found) if found else None

    @strawberry.field
    async def courses(self, info: CatalogInfo) -> list[Course]:
        return await _courses(info, self.course_ids)


# The progress subgraph defines a PageInfo too; Federation 2 needs both marked shareable.
@strawberry.federation.type(shareable=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class CourseEdge:
    cursor: str
    node: Course


@strawberry.type
class CourseConnection:
    edges: list[CourseEdge]
    page_info: PageInfo
    total_count: int


async def _course(info: CatalogInfo, course_id: str) -> Course | None:
    found = await info.context.course.load(course_id)
    return Course.from_domain(found) if found else None


async def _courses(info: CatalogInfo, course_ids: Any) -> list[Course]:
    found = await info.context.course.load_many([str(i) for i in course_ids])
    return [Course.from_domain(c) for c in found if c is not None]


@strawberry.type
class Query:
    @strawberry.field(description="A course of the caller's tenant, or null.")
    async def course(self, info: CatalogInfo, id: strawberry.ID) -> Course | None:
        return await _course(info, id)

    @strawberry.field(description="The tenant's courses by id; `first` is 1..100.")
    async def courses(
        self,
        info: CatalogInfo,
        first: int = 20,
        after: str | None = None,
        status: CourseStatus | None = None,
        tag: str | None = None,
        search: str | None = None,
    ) -> CourseConnection:
        ctx = info.context
        where = CourseFilter(status=status, tag=tag, search=search)
        page = await find_courses(
            store=ctx.store, tenant=ctx.tenant, where=where, first=first, after=after
        )
        ctx.course.prime_many({c.id: c for c in page.items})
        edges = [
            CourseEdge(cursor=encode_cursor(c.id), node=Course.from_domain(c)) for c in page.items
        ]
        end = edges[-1].cursor if edges else None
        return CourseConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=end),
            total_count=page.total,
        )

    @strawberry.field
    async def learning_path(self, info: CatalogInfo, id: strawberry.ID) -> LearningPath | None:
        found = await info.context.path.load(id)
        return LearningPath.from_domain(found) if found else None

    @strawberry.field
    async def learning_paths(self, info: CatalogInfo) -> list[LearningPath]:
        paths = await info.context.store.all_paths(tenant=info.context.tenant)
        return [LearningPath.from_domain(p) for p in paths]


class CatalogSchema(strawberry.federation.Schema):
    """Gives domain errors their `extensions.code`; only unexpected errors are logged."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = []
        for error in errors:
            original = error.original_error
            if isinstance(original, CatalogError):
                error.extensions = {"code": original.code, **original.details}
            else:
                unexpected.append(error)
        super().process_errors(unexpected, execution_context)


schema = CatalogSchema(query=Query, federation_version="2.9")
