"""Plain-HTTP endpoints for other systems, authenticated by a bearer JWT verified as the
gateway verifies it: `POST /hr/learners` (HRMS roster push, `hr_admin`) and
`GET /export/trajectories` (the canonical dataset as NDJSON, `data_scientist`/`hr_admin`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from learnpulse.auth import AuthError, Principal, TokenVerifier
from services.progress import roster
from services.progress.catalog_client import CatalogUnavailable
from services.progress.domain import Learner, LearningEvent
from services.progress.errors import Forbidden, InvalidArgument
from services.progress.store import ProgressStore
from services.progress.xapi import XapiInvalid, parse_timestamp


def _error(status: int, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": message} | ({"field": field} if field else {}), status)


def _principal(request: Request, *roles: str) -> Principal | JSONResponse:
    verifier: TokenVerifier = request.app.state.verifier
    try:
        principal = verifier.verify(request.headers.get("authorization"))
    except AuthError as exc:
        return _error(401, str(exc), "Authorization")
    if not principal.has(*roles):
        return _error(403, f"needs one of the roles {sorted(roles)}")
    return principal


def _day(value: Any, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidArgument(field, f"{field} must be a date such as 2026-01-31") from None


def entry_from_json(raw: Any, field: str) -> roster.RosterEntry:
    """One HRMS row: {id, name, role, department, shift, location, managerId, hireDate,
    leftAt, ratings: [{period, rating}]}."""
    if not isinstance(raw, dict):
        raise InvalidArgument(field, f"{field} must be an object")
    text = {k: raw.get(k) for k in ("id", "name", "role", "department", "shift", "location")}
    for key, value in text.items():
        if not isinstance(value, str) and not (value is None and key not in ("id", "name")):
            raise InvalidArgument(f"{field}.{key}", f"{field}.{key} must be a string")
    ratings = raw.get("ratings") or []
    try:
        pairs = tuple((str(r["period"]), float(r["rating"])) for r in ratings)
    except (KeyError, TypeError, ValueError):
        raise InvalidArgument(f"{field}.ratings", "ratings are [{period, rating}]") from None
    learner = Learner(
        id=raw["id"],
        name=raw["name"],
        role=text["role"] or "",
        department=text["department"] or "",
        shift=text["shift"] or "",
        location=text["location"] or "",
        manager_id=raw.get("managerId"),
        hire_date=_day(raw.get("hireDate"), f"{field}.hireDate"),
        left_at=_day(raw.get("leftAt"), f"{field}.leftAt"),
    )
    return roster.RosterEntry(learner, pairs)


async def hr_learners(request: Request) -> Response:
    principal = _principal(request, "hr_admin")
    if isinstance(principal, JSONResponse):
        return principal
    try:
        body = json.loads(await request.body())
        rows = body.get("learners") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            return _error(400, 'send {"learners": [...]}', "learners")
        entries = [entry_from_json(r, f"learners[{i}]") for i, r in enumerate(rows)]
        result = await roster.upsert_learners(
            store=request.app.state.store,
            catalog=request.app.state.catalog,
            principal=principal,
            entries=entries,
            now=datetime.now(UTC),
        )
    except json.JSONDecodeError:
        return _error(400, "the body is not JSON", "body")
    except InvalidArgument as exc:
        return _error(400, str(exc), exc.details["argument"])
    except Forbidden as exc:
        return _error(403, str(exc))
    except CatalogUnavailable as exc:
        return _error(502, str(exc))
    return JSONResponse(vars(result))


def _iso(value: datetime | date | None) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat() if value else None


def learner_row(tenant: str, who: Learner) -> dict[str, Any]:
    return {
        "type": "learner",
        "learner_id": who.id,
        "tenant_id": tenant,
        "role": who.role,
        "department": who.department,
        "shift": who.shift,
        "location": who.location,
        "manager_id": who.manager_id,
        "hire_date": _iso(who.hire_date),
        "left_at": _iso(who.left_at),
    }


def event_row(e: LearningEvent) -> dict[str, Any]:
    return {
        "type": "event",
        "learner_id": e.learner_id,
        "ts": _iso(e.ts),
        "verb": e.verb,
        "course_id": e.course_id,
        "unit_id": e.unit_id,
        "duration_s": e.duration_s,
        "score": e.score,
        "success": e.success,
        "attempt": e.attempt,
        "response": e.response,
    }


async def _ndjson(
    store: ProgressStore, tenant: str, since: datetime | None, until: datetime | None
) -> AsyncIterator[bytes]:
    async for who in store.tenant_learners(tenant=tenant):
        yield (json.dumps(learner_row(tenant, who)) + "\n").encode()
    async for event in store.tenant_events(tenant=tenant, since=since, until=until):
        yield (json.dumps(event_row(event)) + "\n").encode()


async def export_trajectories(request: Request) -> Response:
    principal = _principal(request, "data_scientist", "hr_admin")
    if isinstance(principal, JSONResponse):
        return principal
    params = request.query_params
    try:
        since = parse_timestamp(params["since"], "since") if "since" in params else None
        until = parse_timestamp(params["until"], "until") if "until" in params else None
    except XapiInvalid as exc:
        return _error(400, exc.message, exc.field)
    stream = _ndjson(request.app.state.store, principal.tenant, since, until)
    return StreamingResponse(stream, media_type="application/x-ndjson")


def http_routes() -> list[Route]:
    return [
        Route("/hr/learners", hr_learners, methods=["POST"]),
        Route("/export/trajectories", export_trajectories, methods=["GET"]),
    ]
