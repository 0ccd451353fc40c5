"""Write shortcuts for the `memory://` fake: mongomock's own insert and single-document update,
minus the per-document costs that buy nothing when a write is keyed by a plain `_id`.

mongomock's `_insert` re-checks a document's `_id` under a lock, parses its version string and
passes through one error-enriching wrapper per time pymongo-async-mock wrapped the collection;
its `_update` finds even `{"_id": x}` through the generic filter path, deep-copies the document
for a snapshot and inserts an upsert through that whole `_insert`. Ingest does four such writes
per statement, so those costs were most of a batch.

Here a write takes the short path only when it is plainly keyed: an insert with a `str` or
ObjectId `_id` that is not stored yet; an update of one document (`multi=False`) whose filter
pins a `str` or ObjectId `_id`, with update operators only. Every step that decides an answer is
mongomock's own: datetime normalisation, key and BSON validation, `filter_applies`, the upsert
document built from the filter, `_apply_update_document`, `_ensure_uniques`. Anything else, and
any write that would fail (a duplicate `_id`, a unique-index violation, an `_id` changed by
the update), goes to mongomock's path untouched, so the error and the rollback are its own.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bson import BSON, ObjectId
from mongomock import DuplicateKeyError, helpers
from mongomock.filtering import filter_applies

_INSTALLED = "_learnpulse_fast_writes"
_KEYS = (str, ObjectId)
# Immutable: a copy may share them (datetime.datetime exactly; a subclass goes to deepcopy).
_PLAIN = frozenset({str, int, float, bool, type(None), bytes, ObjectId, datetime})
# Update operators the short path hands to mongomock's `_apply_update_document`.
_OPERATORS = frozenset({"$set", "$inc", "$min", "$max", "$setOnInsert", "$unset"})
# `_update` options: with any of these set, mongomock decides (most raise NotImplemented).
_OPTIONS = ("multi", "hint", "session", "collation", "let", "array_filters")
_UPDATE_KWARGS = frozenset({*_OPTIONS, "manipulate", "check_keys"})


def plain_copy(value: Any) -> Any:
    """`copy.deepcopy` with a fast path for the dicts, lists and immutable scalars documents
    are made of (same result: a copy that shares nothing mutable)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {k: plain_copy(v) for k, v in value.items()}
    if kind is OrderedDict:  # how mongomock stores an upserted document
        return OrderedDict((k, plain_copy(v)) for k, v in value.items())
    if kind is list:
        return [plain_copy(v) for v in value]
    return copy.deepcopy(value)


def plain_keys(doc: dict[str, Any], *, top: bool = True) -> bool:
    """True when mongomock's `_validate_data_fields` passes `doc` for sure: string keys, none
    with a NUL, none at the top starting with `$` (it checks sub-documents of sub-documents,
    not those inside arrays). False sends the document to mongomock's own checks."""
    for key, value in doc.items():
        if type(key) is not str or "\0" in key or (top and key[:1] == "$"):
            return False
        kind = type(value)
        if kind is dict or kind is OrderedDict:
            if not plain_keys(value, top=False):
                return False
        elif kind not in _PLAIN and kind is not list and isinstance(value, Mapping):
            return False
    return True


def install_fast_writes(collection: Any) -> Any:
    """Put the short paths in front of one mongomock collection's `_insert` and `_update`
    (idempotent)."""
    if getattr(collection, _INSTALLED, False):
        return collection
    insert: Callable[..., Any] = collection._insert
    update: Callable[..., Any] = collection._update

    def has_unique_index(store: Any) -> bool:
        return any(spec.get("unique") for spec in store.indexes.values())

    def fast_insert(data: Any, session: Any = None, ordered: bool = True) -> Any:
        if session or not isinstance(data, dict) or type(data.get("_id")) not in _KEYS:
            return insert(data, session, ordered)  # lists come back here one by one
        if not plain_keys(data):
            return insert(data, session, ordered)  # mongomock's own checks decide
        store = collection._store
        store._remove_expired_documents()
        key = data["_id"]
        if key in store._documents:
            return insert(data, session, ordered)  # mongomock raises the duplicate key
        BSON.encode(data, check_keys=False)
        doc = helpers.patch_datetime_awareness_in_document(data)
        return put_new(store, key, doc, lambda: insert(data, session, ordered))

    def put_new(store: Any, key: Any, doc: Any, again: Callable[[], Any]) -> Any:
        """Store a checked, normalised new document; on a unique-index violation undo it and
        let `again` (mongomock's path) raise the error as it does."""
        store[key] = doc
        if has_unique_index(store):
            try:
                collection._ensure_uniques(doc)
            except DuplicateKeyError:
                del store[key]
                return again()
        return key

    def fast_update(
        spec: Any, document: Any, upsert: bool = False, *args: Any, **kwargs: Any
    ) -> Any:
        slow = args or set(kwargs) - _UPDATE_KWARGS or any(kwargs.get(k) for k in _OPTIONS)
        if slow or not _keyed_update(spec, document):
            return update(spec, document, upsert, *args, **kwargs)
        spec = helpers.patch_datetime_awareness_in_document(spec)
        document = helpers.patch_datetime_awareness_in_document(document)
        store = collection._store
        store._remove_expired_documents()
        key = spec["_id"]
        found = store._documents.get(key)
        client_id = collection.database.client._id
        if found is None:
            filter_applies(spec, {})  # an invalid filter fails as mongomock's empty scan does
            if not upsert:
                return _result(client_id, matched=0, modified=0, upserted=None, existing=False)
            # mongomock's upsert: the filter's fields, the update with $setOnInsert, inserted.
            new = collection._expand_dots(dict(spec, _id=key))
            new, _ = collection._discard_operators(new)
            collection._apply_update_document(new, spec, document, True)
            new_key = new.get("_id")  # the update may have set another one
            if type(new_key) not in _KEYS or new_key in store._documents or not plain_keys(new):
                inserted = collection._insert(new)
            else:  # built from the normalised filter and update: normalising again changes nothing
                BSON.encode(new, check_keys=False)
                inserted = put_new(store, new_key, new, lambda: collection._insert(new))
            return _result(client_id, matched=1, modified=1, upserted=inserted, existing=False)
        if not filter_applies(spec, found):
            return update(spec, document, upsert, *args, **kwargs)  # an upsert's duplicate _id
        changed = plain_copy(found)
        try:
            collection._apply_update_document(changed, spec, document, False)
        except Exception:
            store[key] = changed  # mongomock changes in place: a failed update stays half-done
            raise
        if changed.get("_id") != found.get("_id"):
            return update(spec, document, upsert, *args, **kwargs)  # mongomock's error
        store[key] = changed  # mongomock changes the document in place, even 1 into 1.0
        if changed == found:
            return _result(client_id, matched=1, modified=0, upserted=None, existing=True)
        if has_unique_index(store):
            try:
                collection._ensure_uniques(changed)
            except DuplicateKeyError:
                store[key] = found
                raise
        return _result(client_id, matched=1, modified=1, upserted=None, existing=True)

    collection._insert = fast_insert
    collection._update = fast_update
    setattr(collection, _INSTALLED, True)
    return collection


def _keyed_update(spec: Any, document: Any) -> bool:
    """A filter pinning one plain `_id` and an update document of known, non-empty operators."""
    if type(spec) is not dict or type(spec.get("_id")) not in _KEYS:
        return False
    if type(document) is not dict or not document:
        return False
    return all(op in _OPERATORS and type(f) is dict and f for op, f in document.items())


def _result(
    client_id: Any, *, matched: int, modified: int, upserted: Any, existing: bool
) -> dict[str, Any]:
    """mongomock's `_update` result."""
    return {
        "connectionId": client_id,
        "err": None,
        "n": matched,
        "nModified": modified if existing else 0,
        "ok": 1,
        "upserted": upserted,
        "updatedExisting": existing,
    }
