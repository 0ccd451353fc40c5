"""Completion statistics use cases: the figures of many courses (or units) in one round of
reads, over the learners the caller may count (`completion.stats_scope`)."""

from __future__ import annotations

from collections.abc import Sequence

from learnpulse.auth import Principal
from services.progress.completion import (
    CourseCompletion,
    UnitCompletion,
    course_completion,
    stats_scope,
    unit_completion,
)
from services.progress.completion_store import CompletionStore


async def _enrolled_by_path(
    stats: CompletionStore, tenant: str, paths: dict[str, set[str]], only: frozenset[str] | None
) -> dict[str, set[str]]:
    path_ids = set().union(*paths.values()) if paths else set()
    if not path_ids:
        return {}
    return await stats.enrolled(tenant=tenant, path_ids=path_ids, only=only)


def _enrolled_in(held_by: set[str], by_path: dict[str, set[str]]) -> set[str]:
    return set().union(*(by_path.get(p, set()) for p in held_by)) if held_by else set()


async def course_completions(
    *, stats: CompletionStore, principal: Principal, course_ids: Sequence[str]
) -> list[CourseCompletion]:
    scope, only = stats_scope(principal)
    tenant = principal.tenant
    paths, unit_lists = await stats.paths_holding(tenant=tenant, course_ids=course_ids)
    by_path = await _enrolled_by_path(stats, tenant, paths, only)
    rows = await stats.on_courses(tenant=tenant, course_ids=course_ids, only=only)
    return [
        course_completion(
            scope=scope,
            unit_ids=frozenset(unit_lists.get(c, ())),
            enrolled=_enrolled_in(paths.get(c, set()), by_path),
            learners=rows.get(c, []),
        )
        for c in course_ids
    ]


async def unit_completions(
    *, stats: CompletionStore, principal: Principal, unit_ids: Sequence[str]
) -> list[UnitCompletion]:
    scope, only = stats_scope(principal)
    tenant = principal.tenant
    paths, _ = await stats.paths_holding(tenant=tenant, unit_ids=unit_ids)
    by_path = await _enrolled_by_path(stats, tenant, paths, only)
    rows = await stats.on_units(tenant=tenant, unit_ids=unit_ids, only=only)
    return [
        unit_completion(
            scope=scope,
            enrolled=_enrolled_in(paths.get(u, set()), by_path),
            learners=rows.get(u, []),
        )
        for u in unit_ids
    ]
