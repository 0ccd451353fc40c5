"""Execute a client operation over the supergraph by fetching from subgraphs as fields need them.

graphql-core walks the composed schema; our field resolver returns what a subgraph already
sent, and when a field lives elsewhere it asks the batcher for a root or `_entities` fetch.
graphql-core then does the rest the spec requires: aliases, fragments, directives,
`__typename`, null propagation and error paths.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLResolveInfo,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_named_type,
    is_composite_type,
    parse,
)
from graphql.execution.values import VariableValues, get_variable_values
from graphql.language import NameNode

from gateway.composition import Supergraph
from gateway.fetching import (
    Batcher,
    DownstreamError,
    Inflight,
    LocalSource,
    Subgraph,
    Upstream,
)
from gateway.nodes import Node, to_graphql_error
from gateway.plans import PlanCache
from gateway.projection import REQUIRED_PREFIX, Projector


@dataclass
class Context:
    """Per-request state handed to resolvers and local sources."""

    supergraph: Supergraph
    batcher: Batcher
    principal: Any


def _wrap(value: Any, source: str | None, by_name: bool) -> Any:
    if isinstance(value, list):
        return [_wrap(v, source, by_name) for v in value]
    if isinstance(value, dict):
        node = Node(value, source, by_name)
        if "lp__errors" in value:
            node.errors.update(value["lp__errors"])
        return node
    return value


def resolve_field(parent: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
    if not isinstance(parent, Node):
        return getattr(parent, info.field_name, None)
    key = info.field_name if parent.by_name else str(info.path.key)
    if key in parent.data:
        return _read(parent, key, info)
    return _fetch_then_read(parent, key, info)


def _read(parent: Node, key: str, info: GraphQLResolveInfo) -> Any:
    value = parent.data[key]
    if value is None:
        if key in parent.errors:
            raise to_graphql_error(parent.errors[key], info.path.as_list())
        return None
    if not isinstance(value, dict | list):  # the hot path: a scalar
        return value
    if not is_composite_type(get_named_type(info.return_type)):
        return value  # a list of scalars, or a JSON scalar
    source, by_name = parent.source_of(key)
    return _wrap(value, source, by_name)


async def _fetch_then_read(parent: Node, key: str, info: GraphQLResolveInfo) -> Any:
    ctx: Context = info.context
    type_name = info.parent_type.name
    owners = ctx.supergraph.owners.get((type_name, info.field_name), [])
    if not owners:
        return None
    if parent.subgraph in owners:
        target = parent.subgraph
    elif parent.subgraph is None:
        target = owners[0]  # a root field
    else:
        fetchable = ctx.supergraph.entity_owners(type_name, info.field_name)
        if not fetchable:
            return None
        target = fetchable[0]
    fields = list(info.field_nodes)
    try:
        required = ctx.supergraph.requires.get((type_name, info.field_name))
        if required and parent.subgraph is not None:
            await _fetch_required(ctx, parent, type_name, required, target)
        await ctx.batcher.request(target, parent, type_name, fields)
    except DownstreamError as exc:
        raise GraphQLError(
            str(exc), extensions={"code": exc.code, "serviceName": exc.subgraph}
        ) from exc
    if key not in parent.data:
        return None
    return _read(parent, key, info)


async def _fetch_required(
    ctx: Context, parent: Node, type_name: str, selection: str, target: str
) -> None:
    """Satisfy `@requires`: fetch the required fields from their owners into the parent."""
    doc = parse("{ " + selection + " }")
    op = doc.definitions[0]
    assert isinstance(op, OperationDefinitionNode)
    waits = []
    for sel in op.selection_set.selections:
        alias = REQUIRED_PREFIX + sel.name.value if isinstance(sel, FieldNode) else ""
        if not isinstance(sel, FieldNode) or alias in parent.data:
            continue
        owners = [
            o for o in ctx.supergraph.owners.get((type_name, sel.name.value), []) if o != target
        ]
        aliased = FieldNode(
            alias=NameNode(value=alias),
            name=sel.name,
            arguments=sel.arguments,
            directives=sel.directives,
            selection_set=sel.selection_set,
        )
        if owners:
            waits.append(ctx.batcher.request(owners[0], parent, type_name, [aliased]))
    if waits:
        await asyncio.gather(*waits)


def resolve_type(value: Any, info: GraphQLResolveInfo, abstract_type: Any) -> str | None:
    return value.typename if isinstance(value, Node) else None


class RequestError(Exception):
    """The request cannot run at all (GraphQL-over-HTTP "request error"): no `data` key.

    `bad_request` marks errors that are a 400 whatever the client accepts (an operation that
    cannot be chosen, variables that do not coerce); the others follow the Accept header.
    """

    def __init__(self, errors: list[GraphQLError], *, bad_request: bool = False) -> None:
        super().__init__(errors[0].message if errors else "request error")
        self.errors = errors
        self.bad_request = bad_request


class Executor:
    """Runs operations for one supergraph; `run` is one client request."""

    def __init__(
        self,
        supergraph: Supergraph,
        subgraphs: dict[str, Subgraph],
        local_sources: dict[str, LocalSource],
        http: Upstream,
        *,
        max_depth: int = 15,
        max_aliases: int = 30,
        max_cost: int | None = None,
        introspection: bool = True,
        plan_cache_size: int = 1000,
        share_inflight: bool = True,
    ) -> None:
        self.supergraph = supergraph
        self.subgraphs = subgraphs
        self.locals = local_sources
        self.http = http
        self.inflight = Inflight() if share_inflight else None
        self.plans = PlanCache(
            supergraph.schema,
            max_depth=max_depth,
            max_aliases=max_aliases,
            max_cost=max_cost,
            introspection=introspection,
            size=plan_cache_size,
        )

    async def run(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        *,
        headers: dict[str, str],
        principal: Any,
    ) -> ExecutionResult:
        """Execute; raise `RequestError` when the request cannot run at all."""
        plan = self.plans.get(query)
        if plan.document is None:
            raise RequestError(plan.errors)
        operation = plan.operation(operation_name)
        if isinstance(operation, GraphQLError):
            raise RequestError([operation], bad_request=True)
        coerced = get_variable_values(
            self.supergraph.schema, operation.variable_definitions or (), variables or {}
        )
        if not isinstance(coerced, VariableValues):
            for e in coerced:
                e.extensions = {"code": "BAD_USER_INPUT"}
            raise RequestError(list(coerced), bad_request=True)
        projector = Projector(self.supergraph, plan.fragments, coerced)
        batcher = Batcher(
            projector,
            self.subgraphs,
            self.locals,
            self.http,
            headers,
            operation="mutation" if operation.operation == OperationType.MUTATION else "query",
            inflight=self.inflight,
        )
        ctx = Context(self.supergraph, batcher, principal)
        batcher.ctx = ctx
        result = execute(
            self.supergraph.schema,
            plan.document,
            root_value=Node({}, None),
            context_value=ctx,
            variable_values=variables,
            operation_name=operation.name.value if operation.name else None,
            field_resolver=resolve_field,
            type_resolver=resolve_type,
        )
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        assert isinstance(result, ExecutionResult)
        return result
