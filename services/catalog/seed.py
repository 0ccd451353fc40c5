"""Copies the demo organisation's courses and paths into a catalog store; safe to repeat."""

from __future__ import annotations

from learnpulse.demo import DemoCatalog, demo_catalog
from services.catalog.domain import (
    Course,
    CourseStatus,
    LearningPath,
    Milestone,
    Unit,
    UnitKind,
)
from services.catalog.store import CatalogStore


async def seed_demo(*, store: CatalogStore, catalog: DemoCatalog | None = None) -> int:
    """Upsert every demo course (with units) and path; returns how many courses were written."""
    catalog = catalog or demo_catalog()
    for c in catalog.courses:
        course = Course(c.id, c.title, c.summary, CourseStatus(c.status), c.version, c.tags)
        units = [
            Unit(u.id, c.id, u.title, UnitKind(u.kind), u.minutes, position)
            for position, u in enumerate(c.units, 1)
        ]
        await store.put_course(tenant=c.tenant, course=course, units=units)
    for p in catalog.paths:
        milestones = tuple(Milestone(m.title, m.course_ids, m.due_after_days) for m in p.milestones)
        path = LearningPath(p.id, p.title, p.course_ids, milestones)
        await store.put_path(tenant=p.tenant, path=path)
    return len(catalog.courses)
