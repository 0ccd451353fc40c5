"""Project a client's selections onto one subgraph: the part of a query that subgraph can answer.

Fragments are inlined, `@skip`/`@include` evaluated, variables substituted as literals (so a
subgraph query needs no variable definitions), and `__typename` plus entity keys are added
under reserved aliases so that later entity fetches have their representations.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    ast_from_value,
    get_named_type,
    is_abstract_type,
    is_composite_type,
    parse,
    print_ast,
    value_from_ast,
)
from graphql.execution.values import VariableValues, get_directive_values
from graphql.type import GraphQLIncludeDirective, GraphQLSkipDirective

from gateway.composition import Supergraph

KEY_PREFIX = "lp__key_"
REQUIRED_PREFIX = "lp__req_"
TYPENAME = "__typename"


def key_alias(field_name: str) -> str:
    return KEY_PREFIX + field_name


@lru_cache(maxsize=256)
def top_level_fields(selection: str) -> tuple[str, ...]:
    """Names of the top-level fields in a field-set string such as a `@requires` selection."""
    op = parse("{ " + selection + " }").definitions[0]
    return tuple(
        s.name.value
        for s in op.selection_set.selections  # type: ignore[attr-defined]
        if isinstance(s, FieldNode)
    )


class Projector:
    """Turns selection sets into subgraph query text for one client operation."""

    def __init__(
        self,
        supergraph: Supergraph,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
    ) -> None:
        self.sg = supergraph
        self.schema: GraphQLSchema = supergraph.schema
        self.fragments = fragments
        self.variable_values = variables
        self.variables = variables.coerced

    def included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variable_values)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variable_values)
        return not (include and include.get("if") is False)

    def field(self, type_name: str, node: FieldNode, subgraph: str) -> str:
        """One field (with alias, literal arguments and projected sub-selection)."""
        gql_type = self.schema.get_type(type_name)
        fdef: GraphQLField = gql_type.fields[node.name.value]  # type: ignore[union-attr]
        alias = f"{node.alias.value}: " if node.alias else ""
        args = self.arguments(fdef, node)
        inner = get_named_type(fdef.type)
        sub = ""
        if is_composite_type(inner) and node.selection_set is not None:
            provides = self.sg.provides.get((type_name, node.name.value), {}).get(subgraph)
            provided = frozenset(top_level_fields(provides)) if provides else frozenset()
            sub = " " + self.selection(inner.name, [node.selection_set], subgraph, provided)
        return f"{alias}{node.name.value}{args}{sub}"

    def arguments(self, fdef: GraphQLField, node: FieldNode) -> str:
        parts = []
        for arg in node.arguments or ():
            arg_def = fdef.args.get(arg.name.value)
            if arg_def is None:
                continue
            value = value_from_ast(arg.value, arg_def.type, self.variables)
            literal = ast_from_value(value, arg_def.type)
            if literal is not None:
                parts.append(f"{arg.name.value}: {print_ast(literal)}")
        return f"({', '.join(parts)})" if parts else ""

    def selection(
        self,
        type_name: str,
        sets: list[SelectionSetNode],
        subgraph: str,
        provided: frozenset[str] = frozenset(),
    ) -> str:
        """`{ ... }` for `type_name` in `subgraph`, always with typename and keys.

        `provided` names `@external` fields the subgraph resolves here through `@provides`.
        """
        fields = self._selections(type_name, sets, subgraph, provided)
        # keys under a reserved alias only when the client's selection lacks the plain key, and
        # __typename only where the executor must tell types apart: less work for the subgraph
        keys = [
            f
            for f, k in zip(
                self.key_fields(type_name, subgraph), self._keys(type_name, subgraph), strict=True
            )
            if k not in fields
        ]
        typename = [TYPENAME] if is_abstract_type(self.schema.get_type(type_name)) else []
        return "{ " + " ".join([*typename, *keys, *fields]) + " }"

    def _keys(self, type_name: str, subgraph: str) -> list[str]:
        return list(self.sg.keys.get((type_name, subgraph), ()))

    def key_fields(self, type_name: str, subgraph: str) -> list[str]:
        keys = self.sg.keys.get((type_name, subgraph), ())
        return [f"{key_alias(k)}: {k}" for k in keys]

    def _selections(
        self,
        type_name: str,
        sets: list[SelectionSetNode],
        subgraph: str,
        provided: frozenset[str] = frozenset(),
    ) -> list[str]:
        out: list[str] = []
        for selection_set in sets:
            for node in selection_set.selections:
                if not self.included(node):
                    continue
                if isinstance(node, FieldNode):
                    name = node.name.value
                    if name == TYPENAME:
                        continue
                    if name in provided or self.sg.resolvable(type_name, name, subgraph):
                        out.append(self.field(type_name, node, subgraph))
                elif isinstance(node, InlineFragmentNode | FragmentSpreadNode):
                    out.extend(self._fragment(type_name, node, subgraph, provided))
        return out

    def _fragment(
        self, type_name: str, node: Any, subgraph: str, provided: frozenset[str]
    ) -> list[str]:
        if isinstance(node, FragmentSpreadNode):
            frag = self.fragments.get(node.name.value)
            if frag is None:
                return []
            condition, selection_set = frag.type_condition.name.value, frag.selection_set
        else:
            condition = node.type_condition.name.value if node.type_condition else type_name
            selection_set = node.selection_set
        if condition == type_name:
            return self._selections(type_name, [selection_set], subgraph, provided)
        if not self.sg.knows_type(condition, subgraph):
            return []
        inner = self.selection(condition, [selection_set], subgraph)
        return [f"... on {condition} {inner}"]
