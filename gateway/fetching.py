"""Batched subgraph fetches: root fields and `_entities`, one HTTP call per subgraph per level
(requests are grouped until a tick adds none); identical concurrent calls of one caller are shared.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpcore
import httpx
from graphql import FieldNode

from gateway.nodes import Node, error_dict
from gateway.projection import REQUIRED_PREFIX, Projector, key_alias, top_level_fields

# The gateway's own upstream client is an httpcore pool (no cookie jar, URL merging or auth
# layers per call); tests inject an httpx client with in-process transports instead.
Upstream = httpx.AsyncClient | httpcore.AsyncConnectionPool
_CORE_ERRORS = (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol)


class LocalSource(Protocol):
    """A source answered in the gateway itself (e.g. the gRPC-backed risk fields)."""

    name: str

    async def entities(
        self, type_name: str, reps: list[dict[str, Any]], fields: list[FieldNode], ctx: Any
    ) -> list[dict[str, Any] | Exception]: ...

    async def root(self, fields: list[FieldNode], ctx: Any) -> dict[str, Any]: ...


MAX_WAIT_TICKS = 16


@dataclass
class Subgraph:
    name: str
    url: str
    timeout_s: float = 5.0


@dataclass
class _Request:
    node: Node
    type_name: str
    fields: list[FieldNode]
    future: asyncio.Future[None]


@dataclass
class Batcher:
    projector: Projector
    subgraphs: dict[str, Subgraph]
    locals: dict[str, LocalSource]
    http: Upstream
    headers: dict[str, str]
    operation: str = "query"
    ctx: Any = None
    _pending: dict[str, list[_Request]] = field(default_factory=lambda: defaultdict(list))
    inflight: Inflight | None = None
    _scheduled: bool = False
    _added: int = 0
    _quiet_ticks: int = 0

    def request(
        self, subgraph: str, node: Node, type_name: str, fields: list[FieldNode]
    ) -> asyncio.Future[None]:
        for queued in self._pending.get(subgraph, ()):
            if queued.node is node and queued.type_name == type_name:
                queued.fields.extend(fields)
                return queued.future
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending[subgraph].append(_Request(node, type_name, list(fields), future))
        self._added += 1
        if not self._scheduled:
            self._scheduled = True
            self._quiet_ticks = 0
            asyncio.get_running_loop().call_soon(self._flush, self._added)
        return future

    def _flush(self, seen: int) -> None:
        # graphql-core reaches sibling list items at different tick depths (a single awaitable
        # is awaited directly, several are gathered): wait until a tick adds no request.
        if self._added != seen and self._quiet_ticks < MAX_WAIT_TICKS:
            self._quiet_ticks += 1
            asyncio.get_running_loop().call_soon(self._flush, self._added)
            return
        pending, self._pending, self._scheduled = self._pending, defaultdict(list), False
        for subgraph, requests in pending.items():
            task = asyncio.ensure_future(self._dispatch(subgraph, requests))
            task.add_done_callback(functools.partial(_fail_all, requests=requests))

    async def _dispatch(self, subgraph: str, requests: list[_Request]) -> None:
        roots = [r for r in requests if r.node.subgraph is None]
        entities = [r for r in requests if r.node.subgraph is not None]
        if subgraph in self.locals:
            await self._local(self.locals[subgraph], roots, entities)
        else:
            await self._remote(self.subgraphs[subgraph], roots, entities)
        for r in requests:
            if not r.future.done():
                r.future.set_result(None)

    async def _remote(self, sg: Subgraph, roots: list[_Request], entities: list[_Request]) -> None:
        parts: list[str] = []
        variables: dict[str, Any] = {}
        var_defs: list[str] = []
        for r in roots:
            parts.extend(self.projector.field(r.type_name, f, sg.name) for f in _unique(r.fields))
        groups = _group_entities(entities, self.projector, sg.name)
        for i, (type_name, reps, _, fields) in enumerate(groups):
            inner = " ".join(self.projector.field(type_name, f, sg.name) for f in fields)
            keys = " ".join(self.projector.key_fields(type_name, sg.name))
            parts.append(
                f"e{i}: _entities(representations: $r{i}) "
                f"{{ ... on {type_name} {{ __typename {keys} {inner} }} }}"
            )
            var_defs.append(f"$r{i}: [_Any!]!")
            variables[f"r{i}"] = reps
        op = self.operation if roots else "query"
        head = f"{op}({', '.join(var_defs)})" if var_defs else op
        query = f"{head} {{ {' '.join(parts)} }}"
        payload = json.dumps({"query": query, "variables": variables}).encode()
        who = getattr(self.ctx, "principal", None)
        try:
            if self.inflight is not None and op == "query" and who is not None:
                status, content = await self.inflight.post(
                    self.http, sg, payload, self.headers, who
                )
            else:
                status, content = await _post(self.http, sg, payload, self.headers)
            body = json.loads(content)
        except (TimeoutError, httpx.TimeoutException, httpcore.TimeoutException) as exc:
            raise DownstreamError(
                sg.name, f"no answer within {sg.timeout_s:g} s", "SUBGRAPH_TIMEOUT"
            ) from exc
        except (httpx.HTTPError, *_CORE_ERRORS, ValueError) as exc:
            raise DownstreamError(sg.name, f"{type(exc).__name__}: {exc}") from exc
        data = body.get("data") or {}
        errors = body.get("errors") or []
        if not data and errors and status >= 400:
            raise DownstreamError(
                sg.name,
                errors[0].get("message", "error"),
                errors[0].get("extensions", {}).get("code"),
            )
        for r in roots:
            for f in r.fields:
                key = f.alias.value if f.alias else f.name.value
                r.node.put(key, data.get(key), sg.name, False)
        for i, (_, _, owners, _) in enumerate(groups):
            results = data.get(f"e{i}") or [None] * len(owners)
            for nodes, entity in zip(owners, results, strict=False):
                for node in nodes:
                    node.merge(entity or {}, sg.name)
        _place_errors(errors, roots, groups, sg.name)

    async def _local(
        self, src: LocalSource, roots: list[_Request], entities: list[_Request]
    ) -> None:
        if roots:
            fields = [f for r in roots for f in _unique(r.fields)]
            values = await src.root(fields, self.ctx)
            for r in roots:
                for f in r.fields:
                    key = f.alias.value if f.alias else f.name.value
                    _put_local(r.node, key, values.get(f.name.value), src.name)
        for type_name, reps, owners, fields in _group_entities(entities, self.projector, src.name):
            results = await src.entities(type_name, reps, fields, self.ctx)
            for nodes, result in zip(owners, results, strict=True):
                for node in nodes:
                    for f in fields:
                        key = f.alias.value if f.alias else f.name.value
                        value = (
                            result if isinstance(result, Exception) else result.get(f.name.value)
                        )
                        _put_local(node, key, value, src.name)


async def _post(
    http: Upstream, sg: Subgraph, payload: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    async with asyncio.timeout(sg.timeout_s):  # the whole call, not each socket read
        if isinstance(http, httpcore.AsyncConnectionPool):
            core = await http.request(
                "POST",
                sg.url,
                headers=[("content-type", "application/json"), *headers.items()],
                content=payload,
            )
            return core.status, core.content
        resp = await http.post(
            sg.url,
            content=payload,
            headers={**headers, "content-type": "application/json"},
            timeout=sg.timeout_s,
        )
        return resp.status_code, resp.content


class Inflight:
    """Identical subgraph queries in flight at once share one HTTP call.

    Waiters share the response bytes and parse them each, so no two client requests ever
    share (and mutate) the same result objects.
    """

    def __init__(self) -> None:
        self.calls: dict[tuple[str, bytes, Any], asyncio.Future[Any]] = {}

    async def post(
        self,
        http: Upstream,
        sg: Subgraph,
        payload: bytes,
        headers: dict[str, str],
        principal: Any,
    ) -> tuple[int, bytes]:
        """`principal` (hashable) says whose call it is: only the same caller's calls are shared."""
        key = (sg.url, payload, principal)
        shared = self.calls.get(key)
        if shared is not None:
            try:
                return await asyncio.shield(shared)  # type: ignore[no-any-return]
            except asyncio.CancelledError:
                if not shared.cancelled():
                    raise  # this request itself was cancelled
                return await _post(http, sg, payload, headers)  # the leader's client went away
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.calls[key] = future
        try:
            result = await _post(http, sg, payload, headers)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it, and no one else should log it
            raise
        finally:
            del self.calls[key]
        future.set_result(result)
        return result


class DownstreamError(Exception):
    def __init__(self, subgraph: str, message: str, code: str | None = None) -> None:
        super().__init__(f"subgraph '{subgraph}' failed: {message}")
        self.subgraph = subgraph
        self.code = code or "DOWNSTREAM_SERVICE_ERROR"


def _put_local(node: Node, key: str, value: Any, source: str) -> None:
    if isinstance(value, Exception):
        node.put(key, None, source, True)
        node.add_error(key, error_dict(value))
    else:
        node.put(key, value, source, True)


def _unique(fields: list[FieldNode]) -> list[FieldNode]:
    seen: dict[str, FieldNode] = {}
    for f in fields:
        seen.setdefault(f.alias.value if f.alias else f.name.value, f)
    return list(seen.values())


def _group_entities(requests: list[_Request], projector: Projector, target: str):  # type: ignore[no-untyped-def]
    """Group by type: (type, representations, nodes per representation, unique fields)."""
    by_type: dict[str, list[_Request]] = defaultdict(list)
    for r in requests:
        by_type[r.type_name].append(r)
    groups = []
    for type_name, reqs in by_type.items():
        keys = projector.sg.keys.get((type_name, target), [])
        reps: list[dict[str, Any]] = []
        owners: list[list[Node]] = []
        index: dict[str, int] = {}
        for r in reqs:
            rep = r.node.representation(type_name, keys)
            if rep is not None:
                for f in r.fields:
                    required = projector.sg.requires.get((type_name, f.name.value))
                    for name in top_level_fields(required) if required else ():
                        rep[name] = r.node.data.get(REQUIRED_PREFIX + name)
            if rep is None:
                r.node.fail_keys(
                    [f.alias.value if f.alias else f.name.value for f in r.fields],
                    f"cannot fetch {type_name} from '{target}': key fields missing",
                )
                continue
            ident = repr(sorted(rep.items()))
            if ident not in index:
                index[ident] = len(reps)
                reps.append(rep)
                owners.append([])
            owners[index[ident]].append(r.node)
        fields = _unique([f for r in reqs for f in r.fields])
        if reps:
            groups.append((type_name, reps, owners, fields))
    return groups


def _place_errors(
    errors: list[dict[str, Any]], roots: list[_Request], groups: Any, sg: str
) -> None:
    for err in errors:
        path = err.get("path") or []
        err = {**err, "extensions": {"serviceName": sg, **(err.get("extensions") or {})}}
        if not path:
            for r in roots:
                r.node.fail_keys(
                    [f.alias.value if f.alias else f.name.value for f in r.fields], err
                )
            for _, _, owners, fields in groups:
                for nodes in owners:
                    for node in nodes:
                        node.fail_keys(
                            [f.alias.value if f.alias else f.name.value for f in fields], err
                        )
            continue
        head = str(path[0])
        if head.startswith("e") and head[1:].isdigit() and len(path) >= 2:
            _, _, owners, _ = groups[int(head[1:])]
            idx = path[1]
            if isinstance(idx, int) and idx < len(owners):
                for node in owners[idx]:
                    node.place_error(path[2:], err)
            continue
        for r in roots:
            r.node.place_error(path, err)


def _fail_all(task: asyncio.Task[None], requests: list[_Request]) -> None:
    exc = task.exception() if not task.cancelled() else asyncio.CancelledError()
    for r in requests:
        if r.future.done():
            continue
        if exc is None:
            r.future.set_result(None)
        else:
            r.future.set_exception(exc)


__all__ = ["Batcher", "DownstreamError", "LocalSource", "Subgraph", "key_alias"]
