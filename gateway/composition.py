"""Compose subgraph SDLs into one supergraph by Federation v2 rules.

The result is a plain `GraphQLSchema` that clients see, plus a `Supergraph` index of which
subgraph resolves which field, the entity keys each subgraph knows, and `@requires`
selections — everything the executor needs to route a query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldDefinitionNode,
    GraphQLSchema,
    NamedTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    build_ast_schema,
    parse,
    print_ast,
)
from graphql.language import (
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    UnionTypeDefinitionNode,
)

FEDERATION_TYPES = {"_Any", "_Entity", "_Service", "FieldSet", "link__Import", "link__Purpose"}
FEDERATION_FIELDS = {"_entities", "_service"}
ROOT_TYPES = ("Query", "Mutation")


class CompositionError(Exception):
    """Subgraphs that cannot be composed; the message names subgraphs, types and fields."""


@dataclass
class Supergraph:
    schema: GraphQLSchema
    sdl: str
    # (type, field) -> subgraphs able to resolve it, in declaration order
    owners: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    # (type, subgraph) -> key field names (first @key, scalar keys)
    keys: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    # (type, field) -> the @requires selection text
    requires: dict[tuple[str, str], str] = field(default_factory=dict)
    # type -> subgraphs that define it at all
    type_subgraphs: dict[str, set[str]] = field(default_factory=dict)
    # (type, field) -> {subgraph: the @provides selection that subgraph resolves below it}
    provides: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    # (type, subgraph) whose @key says `resolvable: false`: never sent `_entities` for it
    unresolvable: set[tuple[str, str]] = field(default_factory=set)

    def entity_owners(self, type_name: str, field_name: str) -> list[str]:
        """Owners of a field that can be asked for it through `_entities`."""
        return [
            o
            for o in self.owners.get((type_name, field_name), ())
            if (type_name, o) not in self.unresolvable
        ]

    def resolvable(self, type_name: str, field_name: str, subgraph: str) -> bool:
        if subgraph in self.owners.get((type_name, field_name), ()):
            return True
        return field_name in self.keys.get((type_name, subgraph), ())

    def knows_type(self, type_name: str, subgraph: str) -> bool:
        return subgraph in self.type_subgraphs.get(type_name, ())


def _directive_args(node: object, name: str) -> list[dict[str, str]]:
    found = []
    for directive in getattr(node, "directives", None) or ():
        if directive.name.value == name:
            args = {}
            for arg in directive.arguments:
                if isinstance(arg.value, StringValueNode):
                    args[arg.name.value] = arg.value.value
            found.append(args)
    return found


def _bool_arg(node: object, directive: str, arg: str, default: bool) -> bool:
    """A boolean argument of the first `directive` on `node` (e.g. @key's `resolvable`)."""
    for d in getattr(node, "directives", None) or ():
        if d.name.value == directive:
            for a in d.arguments:
                if a.name.value == arg and isinstance(a.value, BooleanValueNode):
                    return bool(a.value.value)
            return default
    return default


def _has(node: object, name: str) -> bool:
    return any(d.name.value == name for d in getattr(node, "directives", None) or ())


def _strip(node: FieldDefinitionNode) -> FieldDefinitionNode:
    return FieldDefinitionNode(
        name=node.name,
        type=node.type,
        arguments=node.arguments,
        directives=(),
        description=node.description,
    )


@dataclass
class _ObjectDraft:
    name: str
    fields: dict[str, FieldDefinitionNode] = field(default_factory=dict)
    field_subgraph: dict[str, str] = field(default_factory=dict)
    shareable: dict[str, bool] = field(default_factory=dict)
    interfaces: dict[str, NamedTypeNode] = field(default_factory=dict)
    interface: bool = False


def compose(subgraphs: dict[str, str]) -> Supergraph:
    """Compose `{subgraph name: SDL}`; raise `CompositionError` on any conflict."""
    objects: dict[str, _ObjectDraft] = {}
    others: dict[str, TypeDefinitionNode] = {}
    other_owner: dict[str, str] = {}
    enum_values: dict[str, dict[str, object]] = defaultdict(dict)
    owners: dict[tuple[str, str], list[str]] = defaultdict(list)
    keys: dict[tuple[str, str], list[str]] = {}
    requires: dict[tuple[str, str], str] = {}
    provides: dict[tuple[str, str], dict[str, str]] = {}
    unresolvable: set[tuple[str, str]] = set()
    type_subgraphs: dict[str, set[str]] = defaultdict(set)
    problems: list[str] = []

    for sg, sdl in subgraphs.items():
        try:
            doc = parse(sdl)
        except Exception as exc:
            raise CompositionError(f"subgraph '{sg}': SDL does not parse: {exc}") from exc
        for node in doc.definitions:
            if isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
                continue
            name = node.name.value  # type: ignore[attr-defined]
            if name in FEDERATION_TYPES or name.startswith("federation__"):
                continue
            type_subgraphs[name].add(sg)
            if isinstance(
                node,
                ObjectTypeDefinitionNode
                | ObjectTypeExtensionNode
                | InterfaceTypeDefinitionNode
                | InterfaceTypeExtensionNode,
            ):
                _merge_object(
                    sg, node, objects, owners, keys, requires, problems, provides, unresolvable
                )
            elif isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
                for value in node.values or ():
                    enum_values[name].setdefault(value.name.value, value)
                others.setdefault(name, node)  # type: ignore[arg-type]
            elif isinstance(node, TypeExtensionNode):
                problems.append(f"subgraph '{sg}': cannot compose extension of {name}")
            else:
                prior = others.get(name)
                if prior is not None and print_ast(_no_desc(prior)) != print_ast(
                    _no_desc(node)  # type: ignore[arg-type]
                ):
                    problems.append(
                        f"type {name} differs between subgraphs '{other_owner[name]}' and '{sg}'"
                    )
                others.setdefault(name, node)  # type: ignore[arg-type]
                other_owner.setdefault(name, sg)

    if problems:
        raise CompositionError("composition failed:\n  " + "\n  ".join(problems))
    definitions: list[TypeDefinitionNode] = []
    for draft in objects.values():
        fields = tuple(draft.fields.values())
        if not fields:
            continue
        cls = InterfaceTypeDefinitionNode if draft.interface else ObjectTypeDefinitionNode
        definitions.append(
            cls(
                name=_name(draft.name),
                fields=fields,
                interfaces=tuple(draft.interfaces.values()),
                directives=(),
            )
        )
    for name, node in others.items():
        definitions.append(_clean_other(node, tuple(enum_values.get(name, {}).values())))
    doc = DocumentNode(definitions=tuple(definitions))
    try:
        schema = build_ast_schema(doc)
    except Exception as exc:
        raise CompositionError(f"composed schema is invalid: {exc}") from exc
    return Supergraph(
        schema,
        print_ast(doc),
        dict(owners),
        keys,
        requires,
        dict(type_subgraphs),
        provides,
        unresolvable,
    )


def _merge_object(
    sg, node, objects, owners, keys, requires, problems, provides, unresolvable
) -> None:  # type: ignore[no-untyped-def]
    name = node.name.value
    draft = objects.setdefault(name, _ObjectDraft(name))
    draft.interface = isinstance(node, InterfaceTypeDefinitionNode | InterfaceTypeExtensionNode)
    for iface in node.interfaces or ():
        draft.interfaces.setdefault(iface.name.value, iface)
    key_args = _directive_args(node, "key")
    if key_args:
        first = key_args[0].get("fields", "")
        if "{" in first:
            problems.append(f"subgraph '{sg}': type {name}: only scalar @key fields are supported")
        keys[(name, sg)] = first.split()
        if not _bool_arg(node, "key", "resolvable", True):
            unresolvable.add((name, sg))
    type_shareable = _has(node, "shareable")
    for fdef in node.fields or ():
        fname = fdef.name.value
        if name in ROOT_TYPES and fname in FEDERATION_FIELDS:
            continue
        external = _has(fdef, "external")
        if not external:
            owners[(name, fname)].append(sg)
        for req in _directive_args(fdef, "requires"):
            requires[(name, fname)] = req.get("fields", "")
        for prov in _directive_args(fdef, "provides"):
            provides.setdefault((name, fname), {})[sg] = prov.get("fields", "")
        shareable = type_shareable or _has(fdef, "shareable") or external
        is_key = fname in keys.get((name, sg), ())
        prior = draft.fields.get(fname)
        if prior is None:
            draft.fields[fname] = _strip(fdef)
            draft.field_subgraph[fname] = sg
            draft.shareable[fname] = shareable or is_key
            continue
        other = draft.field_subgraph[fname]
        if print_ast(prior.type) != print_ast(fdef.type):
            problems.append(
                f"field {name}.{fname} has type {print_ast(prior.type)} in subgraph '{other}' "
                f"but {print_ast(fdef.type)} in subgraph '{sg}'"
            )
        elif not external and not (shareable or is_key) and name not in ROOT_TYPES:
            if not draft.shareable[fname]:
                problems.append(
                    f"field {name}.{fname} is resolved by subgraphs '{other}' and '{sg}' "
                    "but is not marked @shareable"
                )
        elif name in ROOT_TYPES and not external:
            problems.append(f"root field {name}.{fname} is defined by both '{other}' and '{sg}'")


def _name(value: str):  # type: ignore[no-untyped-def]
    from graphql.language import NameNode

    return NameNode(value=value)


def _no_desc(node: TypeDefinitionNode) -> TypeDefinitionNode:
    return type(node)(**{k: getattr(node, k) for k in node.keys if k not in ("loc", "description")})


def _clean_other(node: TypeDefinitionNode, values: tuple[object, ...]) -> TypeDefinitionNode:
    if isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
        return EnumTypeDefinitionNode(
            name=node.name,
            values=values,  # type: ignore[arg-type]
            directives=(),
            description=getattr(node, "description", None),
        )
    if isinstance(node, ScalarTypeDefinitionNode):
        return ScalarTypeDefinitionNode(name=node.name, directives=(), description=node.description)
    if isinstance(node, UnionTypeDefinitionNode):
        return UnionTypeDefinitionNode(name=node.name, types=node.types, directives=())
    if isinstance(node, InputObjectTypeDefinitionNode):
        return InputObjectTypeDefinitionNode(
            name=node.name, fields=node.fields, directives=(), description=node.description
        )
    return node
