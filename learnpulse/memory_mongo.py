"""The `memory://` store: pymongo-async-mock (mongomock behind PyMongo's async API) with
look-ups instead of full scans, so a write path that touches documents by key stays O(batch).

mongomock answers every filter, `{"_id": x}` included, by testing each document of the
collection, and checks unique indexes the same way on every insert and update. Here a filter
that pins `_id` (a string or ObjectId, or an `$in` list of them) starts from those documents,
and one that pins the leading fields of an index the collection declares starts from a hash
index over them (`learnpulse.memory_index`). Either way the whole filter is still applied, and
candidates come in the collection's insertion order, so every answer and its order are the
scan's; only the cost changes.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bson import ObjectId
from mongomock import aggregate as mongomock_aggregate
from mongomock import helpers
from mongomock.collection import BulkOperationBuilder, _copy_field
from mongomock.filtering import filter_applies
from pymongo_async_mock import (
    AsyncMongoMockClient,
    AsyncMongoMockCollection,
    AsyncMongoMockDatabase,
)

from learnpulse.memory_index import Indexes, indexed
from learnpulse.memory_writes import install_fast_writes

_PATCHED = "_learnpulse_id_lookups"


def id_candidates(query: Any) -> list[Any] | None:
    """The `_id`s a filter can match, or None when it does not pin `_id`."""
    if not isinstance(query, dict) or "_id" not in query:
        return None
    wanted = query["_id"]
    if isinstance(wanted, str | ObjectId):
        return [wanted]
    if isinstance(wanted, dict) and list(wanted) == ["$in"] and isinstance(wanted["$in"], list):
        values = wanted["$in"]
        kinds = {type(v) for v in values}
        if kinds <= {str} or kinds <= {ObjectId}:
            return list(set(values))
    return None


def _candidates(lp: Indexes, store: Any, query: Any) -> list[Any] | None:
    if not isinstance(query, dict):
        return None
    ids = id_candidates(query)
    if ids is not None:
        return lp.in_order(ids)
    return lp.candidates(store, query)


def _with_lookups(collection: Any) -> Any:
    """Install look-ups on one mongomock collection (idempotent)."""
    if getattr(collection, _PATCHED, False):
        return collection
    scan: Callable[[Any], Iterable[dict[str, Any]]] = collection._iter_documents
    update: Callable[..., Any] = collection._update

    def iter_documents(query: Any) -> Iterable[dict[str, Any]]:
        store = collection._store
        store._remove_expired_documents()  # TTL indexes expire on read, as the scan does
        lp = indexed(store)
        if lp.recording:  # inside an update: what it changed so far must be found as it is now
            _reindex(lp, store, set().union(*lp.recording))
        keys = _candidates(lp, store, query)
        if keys is None:
            found: Iterable[dict[str, Any]] = scan(query)
            return _recording(lp, found) if lp.recording else found
        if lp.recording:
            lp.recording[-1].update(keys)
        docs = [store._documents[k] for k in keys]
        if not docs:
            filter_applies(query, {})  # an invalid filter still fails, as the scan would
        return _matching(query, docs)

    def update_then_reindex(*args: Any, **kwargs: Any) -> Any:
        # mongomock updates matched documents in place, out of the store's sight: re-index
        # every document the update's own look-ups handed it.
        store = collection._store
        lp = indexed(store)
        touched: set[Any] = set()
        lp.recording.append(touched)
        try:
            return update(*args, **kwargs)
        finally:
            lp.recording.pop()
            _reindex(lp, store, touched)

    collection._iter_documents = iter_documents
    collection._update = update_then_reindex
    install_fast_writes(collection)  # keyed inserts and updates skip per-write overheads
    collection.aggregate = _aggregate_from_match(collection)
    setattr(collection, _PATCHED, True)
    return collection


def _aggregate_from_match(collection: Any) -> Callable[..., Any]:
    """mongomock's `aggregate` copies every document of the collection, then runs the pipeline
    on the copies. When the pipeline starts with a `$match` a look-up can serve, this one
    applies that `$match` to the look-up's candidates (as `find` does), copies only the
    documents it matches, in the collection's order, and runs the rest of the pipeline on
    them: the same rows in the same order, for the cost of the candidates."""
    whole: Callable[..., Any] = collection.aggregate

    def aggregate(pipeline: Any, session: Any = None, **kwargs: Any) -> Any:
        first = pipeline[0] if isinstance(pipeline, list) and pipeline else None
        if session or not isinstance(first, dict) or list(first) != ["$match"]:
            return whole(pipeline, session, **kwargs)
        store = collection._store
        store._remove_expired_documents()
        match = helpers.patch_datetime_awareness_in_document(first["$match"])
        keys = _candidates(indexed(store), store, match)
        if keys is None:
            return whole(pipeline, session, **kwargs)
        if not keys and not store.is_empty:
            filter_applies(match, {})  # an invalid filter still fails, as on the copies
        found = (store._documents[k] for k in keys)
        docs = [_copy_field(d, dict) for d in found if filter_applies(match, d)]
        if collection.codec_options.tz_aware:
            docs = [helpers.make_datetime_timezone_aware_in_document(d) for d in docs]
        rest = pipeline[1:]
        return mongomock_aggregate.process_pipeline(docs, collection.database, rest, session)

    return aggregate


def _reindex(lp: Indexes, store: Any, keys: Iterable[Any]) -> None:
    for key in keys:
        lp.stored(key, store._documents.get(key))


def _matching(query: Any, docs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    return (d for d in docs if filter_applies(query, d))


def _recording(lp: Indexes, docs: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    touched = lp.recording[-1]
    for doc in docs:
        key = doc["_id"]
        touched.add(helpers.hashdict(key) if isinstance(key, dict) else key)
        yield doc


class _Database(AsyncMongoMockDatabase):  # type: ignore[misc]
    def get_collection(self, *args: Any, **kwargs: Any) -> Any:
        return AsyncMongoMockCollection(
            self, _with_lookups(self.delegate.get_collection(*args, **kwargs))
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


_PLAIN = frozenset({str, int, float, bool, type(None), bytes, ObjectId})
_patch_datetimes = helpers.patch_datetime_awareness_in_document


def _patch_datetimes_quickly(value: Any) -> Any:
    """mongomock's datetime normalisation (BSON keeps naive UTC milliseconds), which it runs
    on every document and filter, without its chain of isinstance tests for the plain values
    that make up most of a document; everything else goes to mongomock's own function."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {k: _patch_datetimes_quickly(v) for k, v in value.items()}
    if kind is OrderedDict:  # upserted documents, as mongomock builds them
        return OrderedDict((k, _patch_datetimes_quickly(v)) for k, v in value.items())
    if kind is list:
        return [_patch_datetimes_quickly(v) for v in value]
    return _patch_datetimes(value)


def memory_client(*, id_lookups: bool = True) -> Any:
    """A fresh in-process fake; `id_lookups=False` gives plain pymongo-async-mock, scans and
    all (for tests that prove the look-ups change no answer)."""
    _bulk_sort_patched_once()
    helpers.patch_datetime_awareness_in_document = _patch_datetimes_quickly
    return _Client() if id_lookups else AsyncMongoMockClient()
