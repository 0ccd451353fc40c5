"""The memory:// fake's look-ups (by `_id` and by declared indexes) give exactly the answers,
in the same order, of mongomock's full scan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import mongomock.collection
import pytest
from bson import ObjectId
from pymongo import DeleteOne, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from learnpulse.memory_mongo import id_candidates, memory_client

OIDS = [ObjectId() for _ in range(3)]
DOCS: list[dict[str, Any]] = [
    {"_id": f"t|{i}", "tenant_id": "t" if i % 3 else "u", "n": i, "tags": ["a", str(i % 2)]}
    for i in range(30)
] + [{"_id": oid, "tenant_id": "t", "n": 100 + k} for k, oid in enumerate(OIDS)]

FILTERS: list[dict[str, Any]] = [
    {"_id": "t|4"},
    {"_id": "t|4", "tenant_id": "t"},
    {"_id": "t|3", "tenant_id": "t"},  # the _id exists, the rest of the filter does not match
    {"_id": "missing"},
    {"_id": {"$in": ["t|9", "t|1", "missing", "t|5", "t|1"]}},
    {"_id": {"$in": ["t|9", "t|1", "t|5"]}, "n": {"$gt": 3}, "tags": "1"},
    {"_id": {"$in": []}},
    {"_id": OIDS[1]},
    {"_id": {"$in": OIDS[::-1]}},
    {"_id": {"$in": ["t|2", OIDS[0]]}},  # mixed kinds: the scan answers
    {"_id": {"$gte": "t|2"}, "tenant_id": "t"},  # a range: the scan answers
    {"$or": [{"_id": "t|1"}, {"n": 7}]},
    {"tenant_id": "u"},
]


async def both() -> tuple[Any, Any]:
    fast, plain = memory_client()["db"]["c"], memory_client(id_lookups=False)["db"]["c"]
    for coll in (fast, plain):
        await coll.insert_many([dict(d) for d in DOCS])
    return fast, plain


@pytest.mark.parametrize("query", FILTERS, ids=[str(f) for f in FILTERS])
async def test_every_read_matches_the_full_scan(query: dict[str, Any]) -> None:
    fast, plain = await both()

    assert await fast.find(query).to_list() == await plain.find(query).to_list()
    assert await fast.count_documents(query) == await plain.count_documents(query)
    first, matches = await fast.find_one(query), await plain.find(query).to_list()
    assert first in matches if matches else first is None


async def test_writes_by_id_leave_both_collections_identical() -> None:
    fast, plain = await both()
    at = datetime(2026, 12, 4, 9, 30, 1, 123456, tzinfo=UTC)
    for coll in (fast, plain):
        await coll.update_one({"_id": "t|4"}, {"$inc": {"n": 5}, "$max": {"at": at}})
        await coll.update_one({"_id": "t|3", "tenant_id": "t"}, {"$set": {"n": -1}})  # no match
        await coll.update_many({"_id": {"$in": ["t|1", "t|2", "x"]}}, {"$set": {"seen": True}})
        await coll.bulk_write(
            [
                UpdateOne({"_id": "new|1", "tenant_id": "t"}, {"$inc": {"n": 1}}, upsert=True),
                UpdateOne({"_id": "t|5"}, {"$min": {"n": 0}}, upsert=True),
                DeleteOne({"_id": "t|6"}),
            ],
            ordered=False,
        )
        await coll.replace_one({"_id": "t|7"}, {"tenant_id": "t", "n": 70}, upsert=True)
        await coll.find_one_and_delete({"_id": "t|8", "tenant_id": "t"})
        await coll.delete_many({"_id": {"$in": ["t|10", "t|11"]}})

    assert await fast.find({}).to_list() == await plain.find({}).to_list()


async def test_duplicate_ids_are_refused_as_by_the_scan() -> None:
    fast, plain = await both()
    for coll in (fast, plain):
        with pytest.raises(DuplicateKeyError):
            await coll.insert_one({"_id": "t|1"})
        with pytest.raises(BulkWriteError) as refused:
            await coll.insert_many([{"_id": "t|2"}, {"_id": "fresh"}], ordered=False)
        assert [e["index"] for e in refused.value.details["writeErrors"]] == [0]
    assert await fast.count_documents({}) == await plain.count_documents({}) == len(DOCS) + 1


@pytest.mark.parametrize(
    "query",
    [{"_id": "missing", "n": {"$bogus": 1}}, {"_id": "t|1", "n": {"$bogus": 1}}, {"_id": "t|1"}],
)
async def test_an_invalid_filter_fails_exactly_when_the_scan_fails(query: dict[str, Any]) -> None:
    fast, plain = await both()

    async def outcome(coll: Any) -> Any:
        try:
            return await coll.find_one(query)
        except OperationFailure as exc:
            return str(exc)

    assert await outcome(fast) == await outcome(plain)


async def test_a_look_up_by_id_reads_no_other_document(monkeypatch: pytest.MonkeyPatch) -> None:
    fast, _ = await both()
    scanned: list[Any] = []
    real = mongomock.collection.filter_applies
    monkeypatch.setattr(
        mongomock.collection,
        "filter_applies",
        lambda query, doc: scanned.append(doc) or real(query, doc),
    )

    assert await fast.find_one({"_id": "t|4", "tenant_id": "t"}) is not None
    await fast.update_one({"_id": "t|5"}, {"$inc": {"n": 1}})

    assert scanned == []  # mongomock's scan never ran


def test_only_filters_that_pin_the_id_take_the_fast_path() -> None:
    assert id_candidates({"_id": "b", "x": 1}) == ["b"]
    assert sorted(id_candidates({"_id": {"$in": ["b", "a", "b"]}}) or []) == ["a", "b"]
    assert id_candidates({"_id": {"$in": ["a"], "$ne": "b"}}) is None
    assert id_candidates({"_id": 1}) is None  # numbers compare across types in MongoDB
    assert id_candidates({"_id": {"k": "v"}}) is None
    assert id_candidates({"tenant_id": "t"}) is None


async def test_bulk_updates_keep_working_however_many_collections_are_opened() -> None:
    for i in range(1200):  # pymongo-async-mock alone nested one wrapper per collection
        memory_client(id_lookups=i % 2 == 0)["db"][f"c{i}"]
    coll = memory_client()["db"]["last"]

    await coll.bulk_write([UpdateOne({"_id": "a"}, {"$inc": {"n": 1}}, upsert=True)])

    assert await coll.find_one({"_id": "a"}) == {"_id": "a", "n": 1}


def test_datetimes_are_normalised_exactly_as_mongomock_does() -> None:
    from collections import OrderedDict
    from datetime import timedelta, timezone

    from bson import Timestamp
    from mongomock import helpers

    from learnpulse.memory_mongo import _patch_datetimes, _patch_datetimes_quickly

    class Name(str):
        pass

    at = datetime(2026, 12, 4, 9, 30, 1, 123456, tzinfo=timezone(timedelta(hours=2)))
    values: list[Any] = [
        {"a": at, "b": [at.replace(tzinfo=None), {"c": (at, 1)}], "d": None, "e": b"x"},
        OrderedDict(x=at, y=[True, 1.5, OIDS[0]]),
        [Name("n"), {"t": Timestamp(5, 1)}, {"nested": {"deeper": [at]}}],
        at,
        "plain",
    ]
    for value in values:
        assert _patch_datetimes_quickly(value) == _patch_datetimes(value)
        assert type(_patch_datetimes_quickly(value)) is type(_patch_datetimes(value))
    memory_client()
    assert helpers.patch_datetime_awareness_in_document is _patch_datetimes_quickly


async def test_expired_documents_are_gone_from_look_ups_too() -> None:
    colls = [memory_client(id_lookups=flag)["db"]["ttl"] for flag in (True, False)]
    old = datetime(2020, 1, 1, tzinfo=UTC)
    for coll in colls:
        await coll.create_index("at", expireAfterSeconds=60)
        now = datetime.now(UTC)
        await coll.insert_many([{"_id": "old", "at": now}, {"_id": "new", "at": now}])
        await coll.update_one({"_id": "old"}, {"$set": {"at": old}})  # expires on the next read

    found = [await coll.find({"_id": {"$in": ["old", "new"]}}).to_list() for coll in colls]

    assert [d["_id"] for d in found[0]] == [d["_id"] for d in found[1]] == ["new"]
