"""The progress subgraph's schema (Federation v2): who the caller may see, and their progress."""

from __future__ import annotations

import strawberry

from learnpulse.paging import encode_cursor
from learnpulse.subgraph import SubgraphSchema
from services.progress import queries
from services.progress.analytics_query import AnalyticsQuery
from services.progress.mutations import Mutation
from services.progress.notify_types import NotifyQuery
from services.progress.types import Learner, ProgressInfo


# The catalog subgraph defines a PageInfo too; Federation 2 needs both marked shareable.
@strawberry.federation.type(shareable=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class LearnerEdge:
    cursor: str
    node: Learner


@strawberry.type
class LearnerConnection:
    edges: list[LearnerEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class Query(AnalyticsQuery, NotifyQuery):
    @strawberry.field(
        description="A learner in the caller's scope: NOT_FOUND if the tenant has no such "
        "learner, FORBIDDEN if the caller may not see them."
    )
    async def learner(self, info: ProgressInfo, id: strawberry.ID) -> Learner | None:
        ctx = info.context
        found = await queries.learner_by_id(
            principal=ctx.principal, learner_id=id, load=ctx.learner.load
        )
        return Learner.from_domain(found)

    @strawberry.field(description="The caller as a learner (null when not on the roster).")
    async def me(self, info: ProgressInfo) -> Learner | None:
        ctx = info.context
        found = await queries.myself(principal=ctx.principal, load=ctx.learner.load)
        return Learner.from_domain(found) if found else None

    @strawberry.field(
        description="A manager's reports, or everyone in the tenant for an HR admin; by id."
    )
    async def team(
        self, info: ProgressInfo, first: int = 20, after: str | None = None
    ) -> LearnerConnection:
        ctx = info.context
        page = await queries.team_page(
            store=ctx.store, principal=ctx.principal, first=first, after=after
        )
        ctx.learner.prime_many({who.id: who for who in page.items})
        edges = [
            LearnerEdge(cursor=encode_cursor(who.id), node=Learner.from_domain(who))
            for who in page.items
        ]
        end = edges[-1].cursor if edges else None
        return LearnerConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=end),
            total_count=page.total,
        )


schema = SubgraphSchema(query=Query, mutation=Mutation, federation_version="2.9")
