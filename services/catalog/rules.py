"""Assignment-rule use cases: authors and HR define rules; any caller asks `pathsFor`."""

from __future__ import annotations

from dataclasses import replace

from learnpulse.auth import Principal
from services.catalog.assignment import AssignmentRule, LearnerProfile, applicable
from services.catalog.authoring import new_id, require_writer
from services.catalog.errors import InvalidInput, NotFound
from services.catalog.store import CatalogStore


async def create_rule(
    *, store: CatalogStore, principal: Principal, rule: AssignmentRule
) -> AssignmentRule:
    require_writer(principal)
    found = await store.paths_by_ids(tenant=principal.tenant, ids=[rule.path_id])
    if rule.path_id not in found:
        raise NotFound("pathId", f"no learning path '{rule.path_id}' in this tenant")
    if rule.due_after_days is not None and rule.due_after_days < 0:
        raise InvalidInput("dueAfterDays", "`dueAfterDays` must not be negative")
    if rule.hired_from and rule.hired_until and rule.hired_from > rule.hired_until:
        raise InvalidInput("hiredUntil", "`hiredUntil` must not be before `hiredFrom`")
    rule = replace(rule, id=new_id("r"))
    await store.add_rule(tenant=principal.tenant, rule=rule)
    return rule


async def list_rules(*, store: CatalogStore, principal: Principal) -> list[AssignmentRule]:
    require_writer(principal)
    return await store.rules(tenant=principal.tenant)


async def paths_for(
    *, store: CatalogStore, principal: Principal, profile: LearnerProfile
) -> list[AssignmentRule]:
    """The strictest matching rule per path, for paths that still exist in the tenant."""
    chosen = applicable(await store.rules(tenant=principal.tenant), profile)
    existing = await store.paths_by_ids(tenant=principal.tenant, ids=[r.path_id for r in chosen])
    return [r for r in chosen if r.path_id in existing]
