"""Plans cached per query text (parse, validation, limits: all that does not depend on
variables) in an LRU, and automatic persisted queries (Apollo APQ protocol).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule

from gateway.limits import check_limits


@dataclass(frozen=True)
class Plan:
    document: DocumentNode | None
    errors: list[GraphQLError]
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    operations: dict[str | None, OperationDefinitionNode] = field(default_factory=dict)

    def operation(self, name: str | None) -> OperationDefinitionNode | GraphQLError:
        """The operation to run, or the error the GraphQL spec asks for."""
        if name is None and len(self.operations) == 1:
            return next(iter(self.operations.values()))
        if name is not None and name in self.operations:
            return self.operations[name]
        message = (
            "Must provide operation name if query contains multiple operations."
            if name is None
            else f"Unknown operation named '{name}'."
        )
        return GraphQLError(message, extensions={"code": "OPERATION_RESOLUTION_FAILURE"})


class _LRU(OrderedDict[str, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_fresh(self, key: str) -> Any:
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key: str, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class PlanCache:
    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        max_depth: int,
        max_aliases: int,
        max_cost: int | None,
        introspection: bool = True,
        size: int = 1000,
    ) -> None:
        self.schema = schema
        self.limits = {"max_depth": max_depth, "max_aliases": max_aliases, "max_cost": max_cost}
        rules = list(specified_rules)
        if not introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules = rules
        self.cache = _LRU(size)
        self.hits = 0

    def get(self, query: str) -> Plan:
        plan = self.cache.get_fresh(query)
        if plan is not None:
            self.hits += 1
            return plan  # type: ignore[no-any-return]
        plan = self._plan(query)
        self.cache.put(query, plan)
        return plan

    def _plan(self, query: str) -> Plan:
        try:
            document = parse(query)
        except GraphQLError as exc:
            exc.extensions = {"code": "GRAPHQL_PARSE_FAILED"}
            return Plan(None, [exc])
        errors = validate(self.schema, document, self.rules)
        if errors:
            for e in errors:
                e.extensions = {"code": "GRAPHQL_VALIDATION_FAILED"}
            return Plan(None, list(errors))
        limit_errors = check_limits(document, schema=self.schema, **self.limits)  # type: ignore[arg-type]
        if limit_errors:
            return Plan(None, limit_errors)
        fragments = {}
        operations: dict[str | None, OperationDefinitionNode] = {}
        for d in document.definitions:
            if isinstance(d, FragmentDefinitionNode):
                fragments[d.name.value] = d
            elif isinstance(d, OperationDefinitionNode):
                operations[d.name.value if d.name else None] = d
        return Plan(document, [], fragments, operations)


class PersistedQueries:
    """Automatic persisted queries: a client sends a query's sha256 hash, and the query once."""

    def __init__(self, size: int = 10_000) -> None:
        self.store = _LRU(size)

    def resolve(self, query: Any, extensions: Any) -> str | GraphQLError | None:
        """The query text to run; an error (PersistedQueryNotFound, hash mismatch); or None."""
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if not isinstance(persisted, dict):
            return query if isinstance(query, str) else None
        digest = persisted.get("sha256Hash")
        if persisted.get("version", 1) != 1 or not isinstance(digest, str):
            return GraphQLError(
                "persistedQuery: only version 1 with a sha256Hash is supported",
                extensions={"code": "PERSISTED_QUERY_NOT_SUPPORTED"},
            )
        if isinstance(query, str):
            if hashlib.sha256(query.encode()).hexdigest() != digest:
                return GraphQLError(
                    "persistedQuery: provided sha256Hash does not match the query",
                    extensions={"code": "BAD_REQUEST"},
                )
            self.store.put(digest, query)
            return query
        stored = self.store.get_fresh(digest)
        if stored is None:
            return GraphQLError(
                "PersistedQueryNotFound", extensions={"code": "PERSISTED_QUERY_NOT_FOUND"}
            )
        return stored  # type: ignore[no-any-return]
