"""Recording canonical events and keeping progress current in the same request.

New events (by id) update their units' state; then each touched learner's open enrollments
get their milestones and completion recomputed from the unit states. Duplicates are dropped
by the store's unique (tenant_id, event_id) index before anything is counted.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.progress.domain import EnrollmentStatus, LearningEvent
from services.progress.store import ProgressStore
from services.progress.tracking import enrollment_state, unit_deltas


async def record_events(*, store: ProgressStore, tenant: str, events: list[LearningEvent]) -> int:
    """Store and count the events not seen before; returns how many were new."""
    new = await store.insert_new_events(tenant=tenant, events=events)
    if new:  # the risk sweep scores these learners again within a minute
        await store.assessments.mark_pending(tenant=tenant, learner_ids={e.learner_id for e in new})
    deltas = unit_deltas(new)
    if deltas:
        await store.apply_unit_deltas(tenant=tenant, deltas=deltas)
        await refresh_enrollments(
            store=store, tenant=tenant, learner_ids={learner for learner, _ in deltas}
        )
    return len(new)


async def retract_events(*, store: ProgressStore, tenant: str, event_ids: Iterable[str]) -> None:
    """Forget events (their statements were voided) and rebuild the units they touched."""
    touched: set[tuple[str, str]] = set()
    for event_id in event_ids:
        gone = await store.remove_event(tenant=tenant, event_id=event_id)
        if gone is not None and gone.unit_id is not None:
            touched.add((gone.learner_id, gone.unit_id))
    for learner_id, unit_id in touched:
        remaining = await store.unit_events(tenant=tenant, learner_id=learner_id, unit_id=unit_id)
        delta = unit_deltas(remaining).get((learner_id, unit_id))
        await store.rebuild_unit(tenant=tenant, learner_id=learner_id, unit_id=unit_id, delta=delta)
    if touched:
        learners = {learner for learner, _ in touched}
        await store.assessments.mark_pending(tenant=tenant, learner_ids=learners)
        await refresh_enrollments(store=store, tenant=tenant, learner_ids=learners)


async def refresh_enrollments(
    *, store: ProgressStore, tenant: str, learner_ids: Iterable[str]
) -> None:
    """Milestones and completion of the learners' open enrollments, from their unit states."""
    ids = sorted(learner_ids)
    enrollments = await store.enrollments_of(tenant=tenant, learner_ids=ids)
    open_ones = [
        e for found in enrollments.values() for e in found if e.status is EnrollmentStatus.ACTIVE
    ]
    if not open_ones:
        return
    outlines = await store.outlines_of(tenant=tenant, path_ids={e.path_id for e in open_ones})
    # Only the units of their paths, fetched by `_id`: a learner's other units are not read.
    wanted = {
        (e.learner_id, unit)
        for e in open_ones
        if (outline := outlines.get(e.path_id)) is not None
        for course in outline.courses
        for unit in course.unit_ids
    }
    states = await store.unit_states_of(tenant=tenant, keys=wanted)
    for enrollment in open_ones:
        outline = outlines.get(enrollment.path_id)
        if outline is None:
            continue
        mine = states.get(enrollment.learner_id, [])
        done = {u.unit_id: u.completed_at for u in mine if u.completed}
        await store.set_enrollment_state(
            tenant=tenant, enrollment_id=enrollment.id, state=enrollment_state(outline, done)
        )
