"""Catalog use cases: what a caller may ask of the catalog, validated before the store is hit."""

from __future__ import annotations

from learnpulse.paging import check_first, decode_cursor
from services.catalog.domain import CourseFilter, CoursePage
from services.catalog.store import CatalogStore


async def find_courses(
    *, store: CatalogStore, tenant: str, where: CourseFilter, first: int, after: str | None
) -> CoursePage:
    """One page of the tenant's courses matching `where`, ordered by id."""
    first = check_first(first)
    return await store.page_of_courses(
        tenant=tenant, where=where, first=first, after=decode_cursor(after)
    )
