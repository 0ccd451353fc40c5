"""Result objects as the executor walks them: subgraph data plus where each field came from.

Remote subgraph data is keyed by the client's response keys (aliases); data from local
sources is keyed by field name. Errors a subgraph reported are kept next to the field they
belong to, so they surface at the right path with their `extensions`.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from gateway.projection import key_alias


class Node:
    __slots__ = ("by_name", "data", "errors", "origin", "subgraph")

    def __init__(self, data: dict[str, Any], subgraph: str | None, by_name: bool = False) -> None:
        self.data = data
        self.subgraph = subgraph
        self.by_name = by_name
        self.origin: dict[str, tuple[str, bool]] = {}
        self.errors: dict[str, dict[str, Any]] = {}

    @property
    def typename(self) -> str | None:
        return self.data.get("__typename")

    def source_of(self, key: str) -> tuple[str | None, bool]:
        return self.origin.get(key, (self.subgraph, self.by_name))

    def put(self, key: str, value: Any, source: str, by_name: bool) -> None:
        self.data[key] = value
        if source != self.subgraph or by_name != self.by_name:
            self.origin[key] = (source, by_name)

    def merge(self, entity: dict[str, Any], source: str) -> None:
        for key, value in entity.items():
            if key == "__typename" or key.startswith("lp__key_"):
                continue
            self.put(key, value, source, False)

    def representation(self, type_name: str, keys: list[str]) -> dict[str, Any] | None:
        rep: dict[str, Any] = {"__typename": type_name}
        for k in keys:
            value = self.data.get(key_alias(k), self.data.get(k))
            if value is None:
                return None
            rep[k] = value
        return rep

    def add_error(self, key: str, error: dict[str, Any]) -> None:
        self.errors.setdefault(key, error)

    def fail_keys(self, keys: list[str], error: dict[str, Any] | str) -> None:
        err = {"message": error} if isinstance(error, str) else error
        for key in keys:
            self.data.setdefault(key, None)
            self.add_error(key, err)

    def place_error(self, path: list[Any], error: dict[str, Any]) -> None:
        """Attach `error` to the deepest object on `path` present in the data.

        The rest of the path is kept, so the client sees the subgraph's full error path
        even when the subgraph nulled an ancestor.
        """
        holder: Any = self
        key_index = 0
        current: Any = self.data
        for i, step in enumerate(path):
            if isinstance(current, dict) and isinstance(step, str):
                holder, key_index = (self if current is self.data else current), i
                current = current.get(step)
                if current is None:
                    break
            elif isinstance(current, list) and isinstance(step, int) and step < len(current):
                current = current[step]
            else:
                break
        key = str(path[key_index]) if path else ""
        located = {**error, "lp__rest": list(path[key_index + 1 :])}
        if isinstance(holder, Node):
            holder.add_error(key, located)
        else:
            holder.setdefault("lp__errors", {}).setdefault(key, located)


def error_dict(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, GraphQLError):
        return {"message": exc.message, "extensions": dict(exc.extensions or {})}
    code = getattr(exc, "code", None) or "INTERNAL_SERVER_ERROR"
    return {"message": str(exc), "extensions": {"code": code}}


def to_graphql_error(error: dict[str, Any], path: list[str | int]) -> GraphQLError:
    """A located error at `path` plus whatever part of the subgraph's path lies below it."""
    return GraphQLError(
        error.get("message", "error"),
        path=[*path, *error.get("lp__rest", [])],
        extensions=error.get("extensions") or {},
    )
