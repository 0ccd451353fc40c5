"""The `memory://` store: pymongo-async-mock (mongomock behind PyMongo's async API) plus the
one index every MongoDB collection has, `_id`, so look-ups by `_id` stop scanning everything.

mongomock answers every filter, `{"_id": x}` included, by testing each document of the
collection, so a write path that touches documents by `_id` still costs O(collection) per
operation. Here a filter whose top level pins `_id` to a string or ObjectId, or to an `$in`
list of them, starts from those documents instead; the whole filter is still applied to them,
so the matches are exactly those of the scan. Like MongoDB's `_id` index, `$in` matches come
in `_id` order (mongomock's scan gives insertion order; neither order is promised unsorted).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bson import ObjectId
from mongomock.collection import BulkOperationBuilder
from mongomock.filtering import filter_applies
from pymongo_async_mock import (
    AsyncMongoMockClient,
    AsyncMongoMockCollection,
    AsyncMongoMockDatabase,
)

_PATCHED = "_learnpulse_id_lookups"


def id_candidates(query: Any) -> list[Any] | None:
    """The `_id`s a filter can match, in `_id` order, or None when it does not pin `_id`."""
    if not isinstance(query, dict) or "_id" not in query:
        return None
    wanted = query["_id"]
    if isinstance(wanted, str | ObjectId):
        return [wanted]
    if isinstance(wanted, dict) and list(wanted) == ["$in"] and isinstance(wanted["$in"], list):
        values = wanted["$in"]
        kinds = {type(v) for v in values}
        if kinds <= {str} or kinds <= {ObjectId}:
            return sorted(set(values))
    return None


def _with_id_lookups(collection: Any) -> Any:
    """Install the `_id` fast path on one mongomock collection (idempotent)."""
    if getattr(collection, _PATCHED, False):
        return collection
    scan: Callable[[Any], Iterable[dict[str, Any]]] = collection._iter_documents

    def iter_documents(query: Any) -> Iterable[dict[str, Any]]:
        ids = id_candidates(query)
        if ids is None:
            return scan(query)
        store = collection._store
        found = [store[i] for i in ids if i in store]
        if not found:
            filter_applies(query, {})  # an invalid filter still fails, as the scan would
        return _matching(query, found)

    collection._iter_documents = iter_documents
    setattr(collection, _PATCHED, True)
    return collection


def _matching(query: Any, docs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    return (d for d in docs if filter_applies(query, d))


class _Database(AsyncMongoMockDatabase):  # type: ignore[misc]
    def get_collection(self, *args: Any, **kwargs: Any) -> Any:
        return AsyncMongoMockCollection(
            self, _with_id_lookups(self.delegate.get_collection(*args, **kwargs))
        )


class _Client(AsyncMongoMockClient):  # type: ignore[misc]
    def get_database(self, *args: Any, **kwargs: Any) -> Any:
        return _Database(self, super().get_database(*args, **kwargs).delegate)


def _bulk_sort_patched_once() -> None:
    """pymongo-async-mock drops PyMongo's `sort` from bulk updates by wrapping mongomock's
    `BulkOperationBuilder.add_update` for every collection it wraps; its "already wrapped" test
    compares a `__name__` that functools.wraps overwrote, so the wrappers nest until Python's
    recursion limit (a long test session fails with RecursionError). Wrap once, under the
    name it tests for, and every later attempt is a no-op."""
    add_update = BulkOperationBuilder.add_update
    if add_update.__name__ == "add_update_compat":
        return

    @functools.wraps(add_update)
    def add_update_compat(*args: Any, **kwargs: Any) -> Any:
        kwargs.pop("sort", None)
        return add_update(*args, **kwargs)

    add_update_compat.__name__ = "add_update_compat"
    BulkOperationBuilder.add_update = add_update_compat  # type: ignore[method-assign]


def memory_client(*, id_lookups: bool = True) -> Any:
    """A fresh in-process fake; `id_lookups=False` gives plain pymongo-async-mock (for tests
    that prove the fast path changes no answer)."""
    _bulk_sort_patched_once()
    return _Client() if id_lookups else AsyncMongoMockClient()
