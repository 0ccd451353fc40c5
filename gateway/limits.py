"""Abuse limits checked before execution: depth, aliases and estimated cost (one per field; a
list multiplies its selection by a literal `first`/`limit`, else DEFAULT_LIST_SIZE).
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)

DEFAULT_LIST_SIZE = 10
SIZE_ARGUMENTS = ("first", "limit", "last")


def check_limits(
    document: DocumentNode,
    *,
    max_depth: int,
    max_aliases: int,
    schema: GraphQLSchema | None = None,
    max_cost: int | None = None,
) -> list[GraphQLError]:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    errors: list[GraphQLError] = []
    for op in document.definitions:
        if not isinstance(op, OperationDefinitionNode):
            continue
        depth, aliases = _walk(op.selection_set, fragments, set())
        if depth > max_depth:
            errors.append(
                GraphQLError(
                    f"query depth {depth} exceeds the limit max_depth={max_depth}",
                    extensions={"code": "QUERY_TOO_DEEP", "limit": "max_depth", "max": max_depth},
                )
            )
        if aliases > max_aliases:
            errors.append(
                GraphQLError(
                    f"query uses {aliases} aliases, above the limit max_aliases={max_aliases}",
                    extensions={
                        "code": "TOO_MANY_ALIASES",
                        "limit": "max_aliases",
                        "max": max_aliases,
                    },
                )
            )
        if schema is not None and max_cost is not None:
            root = schema.get_root_type(op.operation)
            cost = _cost(schema, root.name if root else "Query", op.selection_set, fragments, set())
            if cost > max_cost:
                errors.append(
                    GraphQLError(
                        f"query has an estimated cost of {cost}, above the limit "
                        f"max_cost={max_cost}",
                        extensions={
                            "code": "QUERY_TOO_COSTLY",
                            "limit": "max_cost",
                            "max": max_cost,
                            "cost": cost,
                        },
                    )
                )
    return errors


def _cost(
    schema: GraphQLSchema,
    type_name: str,
    sel: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> int:
    gql_type = schema.get_type(type_name)
    fields = getattr(gql_type, "fields", None) or {}
    total = 0
    for node in sel.selections:
        if isinstance(node, FieldNode):
            fdef = fields.get(node.name.value)
            if fdef is None or node.name.value.startswith("__"):
                continue
            inner = 0
            if node.selection_set is not None:
                inner = _cost(
                    schema, get_named_type(fdef.type).name, node.selection_set, fragments, seen
                )
            total += (1 + inner) * _list_size(fdef.type, node)
        elif isinstance(node, InlineFragmentNode):
            cond = node.type_condition.name.value if node.type_condition else type_name
            total += _cost(schema, cond, node.selection_set, fragments, seen)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            frag = fragments.get(node.name.value)
            if frag is not None:
                cond = frag.type_condition.name.value
                total += _cost(
                    schema, cond, frag.selection_set, fragments, seen | {frag.name.value}
                )
    return total


def _list_size(gql_type: GraphQLOutputType, node: FieldNode) -> int:
    if not is_list_type(get_nullable_type(gql_type)):
        return 1
    for arg in node.arguments or ():
        if arg.name.value in SIZE_ARGUMENTS and isinstance(arg.value, IntValueNode):
            return max(1, int(arg.value.value))
    return DEFAULT_LIST_SIZE


def _walk(
    sel: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> tuple[int, int]:
    depth, aliases = 0, 0
    for node in sel.selections:
        if isinstance(node, FieldNode):
            aliases += 1 if node.alias else 0
            if node.selection_set is not None:
                d, a = _walk(node.selection_set, fragments, seen)
                depth, aliases = max(depth, d + 1), aliases + a
            else:
                depth = max(depth, 1)
        elif isinstance(node, InlineFragmentNode):
            d, a = _walk(node.selection_set, fragments, seen)
            depth, aliases = max(depth, d), aliases + a
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            frag = fragments.get(node.name.value)
            if frag is not None:
                d, a = _walk(frag.selection_set, fragments, seen | {node.name.value})
                depth, aliases = max(depth, d), aliases + a
    return depth, aliases
