"""Copies the demo organisation into a progress store: roster (with the HR feed's ratings, as
the roster mutation stores them), enrollments, path outlines and events. Safe to repeat:
documents are upserted and events keyed by their id.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from learnpulse.demo import (
    demo_catalog,
    demo_enrollments,
    demo_events,
    demo_people,
    demo_ratings,
)
from services.progress.domain import (
    CourseOutline,
    Enrollment,
    EnrollmentStatus,
    Learner,
    LearningEvent,
    PathOutline,
)
from services.progress.ingest import record_events
from services.progress.store import ProgressStore


async def seed_demo(*, store: ProgressStore, now: datetime | None = None) -> int:
    """Seed the demo org with events relative to `now`; returns how many events were new."""
    now = now or datetime.now(UTC)
    catalog = demo_catalog()
    ratings = demo_ratings(now)
    for p in demo_people(now):
        learner = Learner(
            p.id, p.name, p.role, p.department, p.shift, p.location, p.manager_id, p.hire_date
        )
        extra = {"ratings": [{"period": d, "rating": r} for d, r in ratings.get(p.id, ())]}
        await store.put_learner(tenant=p.tenant, learner=learner, extra=extra)
    for e in demo_enrollments(now):
        enrollment = Enrollment(
            e.id, e.learner_id, e.path_id, EnrollmentStatus.ACTIVE, e.enrolled_at, e.due_at
        )
        await store.put_enrollment(tenant=e.tenant, enrollment=enrollment)
    for path in catalog.paths:
        courses = tuple(
            CourseOutline(cid, tuple(u.id for u in catalog.course(cid).units))
            for cid in path.course_ids
        )
        milestones = tuple((m.title, m.course_ids) for m in path.milestones)
        outline = PathOutline(path.id, courses, milestones)
        await store.put_outline(tenant=path.tenant, outline=outline)
    by_tenant: dict[str, list[LearningEvent]] = defaultdict(list)
    for row in demo_events(now):
        fields = {k: v for k, v in row.items() if k != "tenant_id"}
        by_tenant[row["tenant_id"]].append(LearningEvent(**fields))
    added = 0
    for tenant, events in by_tenant.items():
        added += await record_events(store=store, tenant=tenant, events=events)
    return added
