"""Abuse limits checked before execution: depth and aliases; errors name the limit."""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


def check_limits(document: DocumentNode, *, max_depth: int, max_aliases: int) -> list[GraphQLError]:
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
    return errors


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
