"""The catalog's GraphQL schema (a Federation v2 subgraph): queries, mutations, error codes.

Object types live in `types.py`, inputs in `inputs.py`, mutations in `mutations.py`.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from learnpulse.paging import encode_cursor
from learnpulse.subgraph import SubgraphSchema
from services.catalog import rules, transfer
from services.catalog.authoring import WRITERS, head, require_writer
from services.catalog.domain import CourseFilter, CourseStatus
from services.catalog.errors import InvalidInput
from services.catalog.inputs import LearnerProfileInput
from services.catalog.mutations import Mutation
from services.catalog.payloads import AssignmentRule, PathAssignment
from services.catalog.queries import find_courses
from services.catalog.types import (
    CatalogInfo,
    Course,
    LearningPath,
    Unit,
    load_course,
    load_path,
    visible,
)


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


CatalogNode = Annotated[Course | Unit | LearningPath, strawberry.union("CatalogNode")]


@strawberry.type
class Query:
    @strawberry.field(
        description="A course of the caller's tenant, or null: its head (latest content), "
        "or with `version` that version (a published one, or the open draft)."
    )
    async def course(
        self, info: CatalogInfo, id: strawberry.ID, version: int | None = None
    ) -> Course | None:
        current = await load_course(info, id)
        if current is None or version is None or current.version == version:
            return current
        for frozen in await info.context.versions_of_course.load(id):
            if frozen.number == version:
                return Course.from_domain(frozen.course, frozen.units)
        return None

    @strawberry.field(description="A course, unit or learning path by its id.")
    async def node(self, info: CatalogInfo, id: strawberry.ID) -> CatalogNode | None:
        if id.startswith("u-"):
            return await Unit.resolve_reference(info, id)
        if id.startswith("p-"):
            return await load_path(info, id)
        return await load_course(info, id)

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
        where = CourseFilter(
            status=status, tag=tag, search=search, published_only=not ctx.principal.has(*WRITERS)
        )
        page = await find_courses(
            store=ctx.store, tenant=ctx.tenant, where=where, first=first, after=after
        )
        ctx.course.prime_many({c.id: c for c in page.items})
        edges = []
        for course in page.items:
            shown = await visible(info, course)
            if shown is not None:
                edges.append(CourseEdge(cursor=encode_cursor(course.id), node=shown))
        end = edges[-1].cursor if edges else None
        return CourseConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=end),
            total_count=page.total,
        )

    @strawberry.field
    async def learning_path(self, info: CatalogInfo, id: strawberry.ID) -> LearningPath | None:
        return await load_path(info, id)

    @strawberry.field
    async def learning_paths(self, info: CatalogInfo) -> list[LearningPath]:
        paths = await info.context.store.all_paths(tenant=info.context.tenant)
        return [LearningPath.from_domain(p) for p in paths]

    @strawberry.field(description="The paths that apply to a learner profile (one per path).")
    async def paths_for(
        self, info: CatalogInfo, profile: LearnerProfileInput
    ) -> list[PathAssignment]:
        chosen = await rules.paths_for(
            store=info.context.store, principal=info.context.principal, profile=profile.to_domain()
        )
        return [PathAssignment.from_domain(r) for r in chosen]

    @strawberry.field(description="The tenant's assignment rules (author, hr_admin).")
    async def assignment_rules(self, info: CatalogInfo) -> list[AssignmentRule]:
        found = await rules.list_rules(store=info.context.store, principal=info.context.principal)
        return [AssignmentRule.from_domain(r) for r in found]

    @strawberry.field(description="A course as a portable JSON document (author, hr_admin).")
    async def export_course(
        self, info: CatalogInfo, id: strawberry.ID, version: int | None = None
    ) -> JSON:
        ctx = info.context
        require_writer(ctx.principal)
        course = await head(ctx.store, ctx.principal, id)
        units: Any = await ctx.units_of_course.load(id)
        if version is not None and version != course.version:
            frozen = {v.number: v for v in await ctx.versions_of_course.load(id)}
            if version not in frozen:
                raise InvalidInput("version", f"course '{id}' has no version {version}")
            course, units = frozen[version].course, frozen[version].units
        return JSON(transfer.to_document(course, units))


schema = SubgraphSchema(query=Query, mutation=Mutation, federation_version="2.9")
