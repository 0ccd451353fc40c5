"""Hash indexes for the memory:// fake: which documents an equality filter can match, without
testing every document of the collection, and in the collection's own (insertion) order.

mongomock keeps a collection as one ordered dict of `_id` -> document and answers every
filter by testing each document. `Indexes` rides on that dict: a sequence number per document
(so candidates come back in the order the scan would give them) and, per field set that
prefixes an index the collection declares, a map from values to documents. It only narrows:
the caller still applies the whole filter to each candidate, so the answer is the scan's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bson import ObjectId
from mongomock.store import CollectionStore

# Filter values served by a look-up. Floats (NaN, -0.0) and datetimes (stored truncated to
# milliseconds) compare in ways a Python dict does not, so such filters are left to the scan.
_LOOKUP_TYPES = (str, int, ObjectId, type(None))
# Document values kept in buckets; anything else (arrays match by element, sub-documents,
# decimals) goes to LOOSE, which every look-up includes.
_BUCKET_TYPES = (*_LOOKUP_TYPES, float, datetime)
LOOSE = object()
MAX_COMBINATIONS = 1000


def _entry(fields: tuple[str, ...], doc: dict[str, Any]) -> Any:
    values = tuple(doc.get(f) for f in fields)
    return values if all(isinstance(v, _BUCKET_TYPES) for v in values) else LOOSE


class _HashIndex:
    def __init__(self, fields: tuple[str, ...], docs: Iterable[tuple[Any, dict[str, Any]]]):
        self.fields = fields
        self.buckets: dict[Any, dict[Any, None]] = {}
        self.at: dict[Any, Any] = {}
        for key, doc in docs:
            self.put(key, doc)

    def put(self, key: Any, doc: dict[str, Any] | None) -> None:
        """`key` now holds `doc` (None: nothing)."""
        if key in self.at:
            before = self.at.pop(key)
            bucket = self.buckets[before]
            del bucket[key]
            if not bucket:
                del self.buckets[before]
        if doc is not None:
            entry = _entry(self.fields, doc)
            self.buckets.setdefault(entry, {})[key] = None
            self.at[key] = entry

    def keys(self, combinations: Iterable[tuple[Any, ...]]) -> set[Any]:
        found = set(self.buckets.get(LOOSE, ()))
        for values in combinations:
            found.update(self.buckets.get(values, ()))
        return found


class Indexes:
    """Sequence numbers and hash indexes of one collection store."""

    def __init__(self, documents: dict[Any, dict[str, Any]]) -> None:
        self.seq = {key: n for n, key in enumerate(documents)}
        self.next = len(self.seq)
        self.by_fields: dict[tuple[str, ...], _HashIndex] = {}
        self.recording: list[set[Any]] = []  # keys of documents an update may change in place

    def stored(self, key: Any, doc: dict[str, Any] | None) -> None:
        """`key` now holds `doc` (None: deleted)."""
        if doc is None:
            self.seq.pop(key, None)
        elif key not in self.seq:
            self.seq[key] = self.next
            self.next += 1
        for index in self.by_fields.values():
            index.put(key, doc)

    def in_order(self, keys: Iterable[Any]) -> list[Any]:
        return sorted((k for k in keys if k in self.seq), key=self.seq.__getitem__)

    def candidates(self, store: CollectionStore, query: dict[str, Any]) -> list[Any] | None:
        """Keys of the documents that can match `query`, in store order; None: scan them all."""
        conditions = {f: vs for f, c in query.items() if (vs := _values(c)) is not None}
        fields = _best_prefix(store, conditions)
        if not fields:
            return None
        lists = [conditions[f] for f in fields]
        if _product_size(lists) > MAX_COMBINATIONS:
            return None
        index = self.by_fields.get(fields)
        if index is None:
            index = self.by_fields[fields] = _HashIndex(fields, store._documents.items())
        return self.in_order(index.keys(itertools.product(*lists)))


class IndexedStore(CollectionStore):
    """A mongomock collection store that keeps its `Indexes` current on every insert, replace
    and delete (in-place updates are re-indexed by the caller, see `memory_mongo`)."""

    lp: Indexes

    def __setitem__(self, key: Any, val: dict[str, Any]) -> None:
        super().__setitem__(key, val)
        self.lp.stored(key, val)

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self.lp.stored(key, None)

    def drop(self) -> None:
        super().drop()
        self.lp = Indexes(self._documents)


def indexed(store: CollectionStore) -> Indexes:
    """The indexes of `store`, turning it into an `IndexedStore` the first time."""
    if not isinstance(store, IndexedStore):
        store.__class__ = IndexedStore
        assert isinstance(store, IndexedStore)
        store.lp = Indexes(store._documents)
    return store.lp


def _values(condition: Any) -> list[Any] | None:
    """The values an equality (or `$in`) condition accepts, when a look-up can serve it."""
    if isinstance(condition, _LOOKUP_TYPES):
        return [condition]
    if isinstance(condition, dict) and list(condition) == ["$in"]:
        values = condition["$in"]
        if isinstance(values, list) and all(isinstance(v, _LOOKUP_TYPES) for v in values):
            return values
    return None


def _best_prefix(store: CollectionStore, conditions: dict[str, list[Any]]) -> tuple[str, ...]:
    """The longest prefix of a declared index whose fields the conditions all pin."""
    best: tuple[str, ...] = ()
    for spec in store.indexes.values():
        fields = [field for field, _ in spec.get("key", [])]
        prefix = tuple(itertools.takewhile(lambda f: f in conditions and "." not in f, fields))
        if len(prefix) > len(best):
            best = prefix
    return best


def _product_size(lists: list[list[Any]]) -> int:
    size = 1
    for values in lists:
        size *= len(values)
    return size
