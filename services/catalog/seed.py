"""Copies the demo organisation's courses and paths into a catalog store; safe to repeat."""

from __future__ import annotations

from datetime import UTC, datetime

from learnpulse.demo import DemoCatalog, demo_catalog
from services.catalog.domain import (
    Course,
    CourseStatus,
    CourseVersion,
    LearningPath,
    Milestone,
    Unit,
    UnitKind,
)
from services.catalog.store import CatalogStore


async def seed_demo(*, store: CatalogStore, catalog: DemoCatalog | None = None) -> int:
    """Upsert every demo course (with units) and path; returns how many courses were written.

    Published demo courses also get their frozen version, as if an author had published them.
    """
    catalog = catalog or demo_catalog()
    for c in catalog.courses:
        status = CourseStatus(c.status)
        published = c.version if status is CourseStatus.PUBLISHED else None
        course = Course(c.id, c.title, c.summary, status, c.version, c.tags, published, c.id)
        units = [
            Unit(u.id, c.id, u.title, UnitKind(u.kind), u.minutes, position)
            for position, u in enumerate(c.units, 1)
        ]
        await store.put_course(tenant=c.tenant, course=course, units=units)
        if published is not None:
            frozen = CourseVersion(course, tuple(units), _SEEDED_AT, "demo-seed")
            await store.put_version(tenant=c.tenant, version=frozen)
    for p in catalog.paths:
        milestones = tuple(Milestone(m.title, m.course_ids, m.due_after_days) for m in p.milestones)
        path = LearningPath(p.id, p.title, p.course_ids, milestones)
        await store.put_path(tenant=p.tenant, path=path)
    return len(catalog.courses)


_SEEDED_AT = datetime(2026, 1, 1, tzinfo=UTC)
