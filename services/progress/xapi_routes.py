"""The xAPI HTTP surface: `/xapi/statements` (POST, PUT, GET) and `/xapi/about`.

Every response carries `X-Experience-API-Version`; every request but `/about` must send it
and HTTP Basic credentials of the tenant. Errors are JSON naming the field.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from learnpulse.auth import AuthError
from services.progress import statements as use
from services.progress.credentials import allows, authenticate
from services.progress.errors import Conflict, NotFound
from services.progress.statement_store import Credential, StatementQuery
from services.progress.xapi import XapiInvalid, check_agent, parse_timestamp

HEADER = "X-Experience-API-Version"
MAX_LIMIT = 500
_FILTERS = ("agent", "verb", "activity", "registration", "since", "until", "limit", "ascending")


def _reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    headers = {HEADER: use.VERSION} | (headers or {})
    if body is None:
        return Response(status_code=status, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers)


def _error(status: int, message: str, field: str | None = None) -> Response:
    return _reply({"error": message} | ({"field": field} if field else {}), status)


async def _caller(request: Request, scope: str) -> Credential | Response:
    version = request.headers.get(HEADER, "")
    if not version.startswith(("1.0", "2.0")):
        return _error(400, f"send the {HEADER} header (2.0.0)", HEADER)
    try:
        credential = await authenticate(
            store=request.app.state.store, authorization=request.headers.get("authorization")
        )
    except AuthError as exc:
        return _reply({"error": str(exc)}, 401, {"WWW-Authenticate": 'Basic realm="xAPI"'})
    if not allows(credential, scope):
        return _error(403, f"this credential lacks the {scope!r} scope")
    return credential


async def about(_: Request) -> Response:
    return _reply({"version": ["2.0.0", "1.0.3"]})


async def statements(request: Request) -> Response:
    write = request.method in ("POST", "PUT")
    caller = await _caller(request, "statements/write" if write else "statements/read")
    if isinstance(caller, Response):
        return caller
    try:
        if request.method == "GET":
            return await _get(request, caller)
        return await _write(request, caller)
    except XapiInvalid as exc:
        return _error(400, exc.message, exc.field)
    except Conflict as exc:
        return _error(409, str(exc), exc.details.get("field"))
    except NotFound as exc:
        return _error(404, str(exc))


async def _write(request: Request, caller: Credential) -> Response:
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, "the body is not JSON", "body")
    statement_id = request.query_params.get("statementId")
    if request.method == "PUT":
        if statement_id is None:
            return _error(400, "PUT needs the statementId parameter", "statementId")
        if not isinstance(body, dict):
            return _error(400, "PUT takes one statement", "body")
        if body.setdefault("id", statement_id) != statement_id:
            return _error(400, "the statement's id differs from statementId", "statement.id")
    batch = isinstance(body, list)
    ids = await use.store_statements(
        store=request.app.state.store,
        tenant=caller.tenant,
        authority=use.authority_of(caller.key),
        statements=body if batch else [body],
        prefix="statements" if batch else "",
        now=datetime.now(UTC),
    )
    return _reply(None, 204) if request.method == "PUT" else _reply(ids)


async def _get(request: Request, caller: Credential) -> Response:
    params = request.query_params
    store = request.app.state.store
    for name, voided in (("statementId", False), ("voidedStatementId", True)):
        if name in params:
            extra = set(params) - {name, "format", "attachments"}
            if extra:
                return _error(400, f"{name} cannot be combined with {sorted(extra)}", name)
            found = await use.statement_by_id(
                store=store, tenant=caller.tenant, statement_id=params[name], voided=voided
            )
            return _reply(found)
    query, limit = _query(params)
    page, more = await use.find_statements(
        store=store, tenant=caller.tenant, query=query, limit=limit
    )
    link = ""
    if more is not None:
        token = base64.urlsafe_b64encode(json.dumps([more[0].isoformat(), more[1]]).encode())
        kept = {k: v for k, v in params.items() if k in _FILTERS}
        link = "/xapi/statements?" + urlencode(kept | {"from": token.decode()})
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return _reply(
        {"statements": page, "more": link}, 200, {"X-Experience-API-Consistent-Through": now}
    )


def _query(params: Any) -> tuple[StatementQuery, int]:
    agent = None
    if "agent" in params:
        try:
            parsed = json.loads(params["agent"])
        except json.JSONDecodeError:
            raise XapiInvalid("agent", "must be a JSON Agent or Group") from None
        check_agent(parsed, "agent")
        agent = use.agent_key(parsed)
    try:
        limit = int(params.get("limit", "0"))
    except ValueError:
        raise XapiInvalid("limit", "must be a whole number") from None
    if limit < 0:
        raise XapiInvalid("limit", "must not be negative")
    after = None
    if "from" in params:
        try:
            at, last = json.loads(base64.urlsafe_b64decode(params["from"]))
            after = (datetime.fromisoformat(at), str(last))
        except (ValueError, TypeError):
            raise XapiInvalid("from", "is not a `more` link of this store") from None
    query = StatementQuery(
        agent=agent,
        verb=params.get("verb"),
        activity=params.get("activity"),
        registration=params.get("registration"),
        since=parse_timestamp(params["since"], "since") if "since" in params else None,
        until=parse_timestamp(params["until"], "until") if "until" in params else None,
        ascending=params.get("ascending", "false").lower() == "true",
        after=after,
    )
    return query, min(limit or MAX_LIMIT, MAX_LIMIT)


def xapi_routes() -> list[Route]:
    return [
        Route("/xapi/about", about, methods=["GET"]),
        Route("/xapi/statements", statements, methods=["GET", "POST", "PUT"]),
    ]
