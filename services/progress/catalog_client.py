"""The catalog as the roster sees it: which paths a profile gets, and what a path contains.

`HttpCatalog` asks the catalog subgraph directly (its `pathsFor` and `learningPath`), as the
principal doing the upsert, signed with the internal key; tests use a fake `Catalog`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from learnpulse.auth import PRINCIPAL_HEADER, Principal, sign_principal
from services.progress.domain import CourseOutline, Learner, PathOutline

PATHS_FOR = """query PathsFor($profile: LearnerProfileInput!) {
  pathsFor(profile: $profile) { pathId mandatory dueAfterDays ruleId dueFrom }
}"""
OUTLINE = """query Outline($id: ID!) {
  learningPath(id: $id) { courses { id units { id } } milestones { title courseIds } }
}"""
PATH_DUES = """query PathDues($paths: [_Any!]!) {
  _entities(representations: $paths) {
    ... on LearningPath { id milestones { title dueAfterDays } }
  }
}"""
UNIT_MINUTES = """query UnitMinutes($units: [_Any!]!) {
  _entities(representations: $units) { ... on Unit { id expectedMinutes } }
}"""


@dataclass(frozen=True)
class PathRule:
    path_id: str
    mandatory: bool
    due_after_days: int | None
    rule_id: str
    due_from: str = "ENROLMENT"  # or HIRE: what `due_after_days` counts from


class Catalog(Protocol):
    async def paths_for(self, *, principal: Principal, learner: Learner) -> list[PathRule]: ...

    async def outline(self, *, principal: Principal, path_id: str) -> PathOutline | None: ...


class CatalogUnavailable(Exception):
    """The catalog did not answer usefully; the roster write is reported, not half-done."""


class HttpCatalog:
    def __init__(
        self,
        *,
        url: str,
        key: bytes,
        timeout_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._url, self._key, self._timeout = url, key, timeout_s
        self._transport = transport  # tests pass an in-process one

    async def _ask(self, principal: Principal, query: str, variables: dict[str, Any]) -> Any:
        headers = {PRINCIPAL_HEADER: sign_principal(principal, self._key)}
        try:
            async with httpx.AsyncClient(
                timeout=self._timeout, transport=self._transport
            ) as client:
                response = await client.post(
                    self._url, json={"query": query, "variables": variables}, headers=headers
                )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise CatalogUnavailable(f"catalog at {self._url}: {exc}") from exc
        if body.get("errors") or not body.get("data"):
            raise CatalogUnavailable(f"catalog answered errors: {body.get('errors')}")
        return body["data"]

    async def paths_for(self, *, principal: Principal, learner: Learner) -> list[PathRule]:
        profile = {
            "role": learner.role,
            "department": learner.department,
            "shift": learner.shift,
            "location": learner.location,
            "hireDate": learner.hire_date.isoformat() if learner.hire_date else None,
        }
        data = await self._ask(principal, PATHS_FOR, {"profile": profile})
        return [
            PathRule(
                r["pathId"],
                r["mandatory"],
                r.get("dueAfterDays"),
                r["ruleId"],
                r.get("dueFrom") or "ENROLMENT",
            )
            for r in data["pathsFor"]
        ]

    async def outline(self, *, principal: Principal, path_id: str) -> PathOutline | None:
        path = (await self._ask(principal, OUTLINE, {"id": path_id}))["learningPath"]
        if path is None:
            return None
        courses = tuple(
            CourseOutline(c["id"], tuple(u["id"] for u in c["units"])) for c in path["courses"]
        )
        milestones = tuple(
            (m["title"], tuple(m["courseIds"])) for m in path.get("milestones") or []
        )
        return PathOutline(path_id, courses, milestones)

    async def expected_minutes(
        self, *, principal: Principal, unit_ids: list[str]
    ) -> dict[str, int | None]:
        """Each unit's expected length in minutes, one call (units the catalog lacks: absent)."""
        units = [{"__typename": "Unit", "id": u} for u in unit_ids]
        found = (await self._ask(principal, UNIT_MINUTES, {"units": units}))["_entities"]
        return {u["id"]: u.get("expectedMinutes") for u in found if u}

    async def milestone_due_days(
        self, *, principal: Principal, path_ids: list[str]
    ) -> dict[str, dict[str, int]]:
        """Per path, its milestones' `dueAfterDays` (milestones without one: absent)."""
        paths = [{"__typename": "LearningPath", "id": p} for p in path_ids]
        found = (await self._ask(principal, PATH_DUES, {"paths": paths}))["_entities"]
        return {
            p["id"]: {
                m["title"]: m["dueAfterDays"]
                for m in p.get("milestones") or []
                if m.get("dueAfterDays") is not None
            }
            for p in found
            if p
        }
