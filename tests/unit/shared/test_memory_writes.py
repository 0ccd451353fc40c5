"""The memory:// fake's keyed write shortcuts (`learnpulse.memory_writes`): random runs of
inserts, updates and bulk upserts by `_id` (duplicates, unique-index violations, type mixes,
dotted paths, changed `_id`s, invalid documents) answer and store exactly what plain mongomock
does, error messages included, and stored documents share nothing with the caller's."""

from __future__ import annotations

import random
import re
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson.errors import BSONError
from pymongo import InsertOne, UpdateOne
from pymongo.errors import BulkWriteError, PyMongoError

from learnpulse import memory_writes
from learnpulse.memory_mongo import memory_client
from learnpulse.memory_writes import plain_copy

KEYS = [f"k{i}" for i in range(8)]
START = datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=UTC)


def a_value(rng: random.Random) -> Any:
    return rng.choice(
        [
            rng.randrange(4),
            rng.randrange(4) + 0.5,
            1.0,
            True,
            False,
            None,
            rng.choice(["a", "b"]),
            START + timedelta(milliseconds=rng.randrange(3)),  # aware, microseconds dropped
            datetime(2026, 11, 1, 12, 0, 0, rng.randrange(3000)),  # naive
        ]
    )


def a_doc(rng: random.Random) -> dict[str, Any]:
    doc: dict[str, Any] = {"_id": rng.choice(KEYS), "tenant_id": rng.choice(["t", "u"])}
    doc["learner_id"] = rng.choice(["l1", "l2", "l3", None])
    for field in rng.sample(["n", "best", "at", "done"], rng.randrange(4)):
        doc[field] = a_value(rng)
    if rng.random() < 0.3:
        doc["errors"] = {"s1": rng.randrange(3), "s2": {"deep": [1, {"x": 2}]}}
    if rng.random() < 0.05:
        doc["$bad"] = 1  # InvalidDocument, from the short path too
    if rng.random() < 0.05:
        doc[rng.choice(["bad\0key", "$or"])] = {"ok": 1}
    if rng.random() < 0.05:
        doc["nested"] = rng.choice([{"in\0side": 1}, [{"in\0list": 1}], {"$deep": 1}, {1: 2}])
    if rng.random() < 0.05:
        del doc["_id"]  # mongomock assigns an ObjectId: the long path
    return doc


def a_key_filter(rng: random.Random) -> dict[str, Any]:
    query: dict[str, Any] = {"_id": rng.choice(KEYS)}
    if rng.random() < 0.5:
        query["tenant_id"] = rng.choice(["t", "u"])
    if rng.random() < 0.3:
        query["learner_id"] = rng.choice(["l1", "l2", "l3"])
    if rng.random() < 0.05:
        query["n"] = {"$bogus": 1}  # an invalid filter
    return query


def an_update(rng: random.Random) -> dict[str, Any]:
    ops: dict[str, Any] = {}
    fields = ["n", "best", "at", "done", "errors.s1", "errors.s3", "learner_id"]
    for op in rng.sample(["$inc", "$min", "$max", "$set", "$setOnInsert", "$unset"], 2):
        chosen = rng.sample(fields, rng.randrange(1, 3))
        fields = [f for f in fields if f not in chosen]
        if op == "$inc":
            ops[op] = {f: rng.choice([1, 2, 0.5]) for f in chosen}
        elif op == "$unset":
            ops[op] = {f: "" for f in chosen}
        else:
            ops[op] = {f: a_value(rng) for f in chosen}
    if rng.random() < 0.05:
        ops["$set"] = {"_id": "changed"}  # mongomock refuses to change an _id
    if rng.random() < 0.03:
        ops["$inc"] = {}  # an empty operator
    return ops


def outcome(exc: Exception) -> Any:
    details = exc.details if isinstance(exc, BulkWriteError) else None
    # A document without `_id` gets a fresh ObjectId on each side.
    return type(exc).__name__, re.sub(r"ObjectId\('\w+'\)", "oid", str(exc)), _without_ops(details)


def _without_ops(details: Any) -> Any:
    if not details:
        return details
    return details | {"writeErrors": [e | {"op": None} for e in details["writeErrors"]]}


async def step(coll: Any, rng: random.Random) -> Any:
    """One random keyed write; what a caller sees (result, or the error's kind and message)."""
    kind = rng.randrange(6)
    try:
        if kind == 0:
            doc = a_doc(rng)
            keyed = "_id" in doc  # mongomock fills in an ObjectId otherwise
            done = await coll.insert_one(doc)
            doc["tenant_id"] = "mutated"  # the stored copy must not change
            if isinstance(doc.get("errors"), dict):
                doc["errors"]["s1"] = "mutated"
            return done.inserted_id if keyed else "assigned"
        if kind == 1:
            docs = [a_doc(rng) for _ in range(rng.randrange(1, 5))]
            done = await coll.insert_many(docs, ordered=rng.random() < 0.5)
            return len(done.inserted_ids)
        if kind in (2, 3):
            done = await coll.update_one(
                a_key_filter(rng), an_update(rng), upsert=rng.random() < 0.7
            )
            return done.matched_count, done.modified_count, done.upserted_id
        if kind == 4:
            ops: list[Any] = [
                UpdateOne(a_key_filter(rng), an_update(rng), upsert=rng.random() < 0.8)
                for _ in range(rng.randrange(1, 6))
            ]
            if rng.random() < 0.2:
                ops.append(InsertOne(a_doc(rng)))
            bulk = await coll.bulk_write(ops, ordered=rng.random() < 0.5)
            return bulk.bulk_api_result
        return (await coll.delete_one({"_id": rng.choice(KEYS)})).deleted_count
    except (PyMongoError, BSONError, TypeError, ValueError) as exc:
        return outcome(exc)


def _mongomock(coll: Any) -> Any:
    """The mongomock collection behind pymongo-async-mock's wrapper."""
    return vars(coll)["_AsyncMongoMockCollection__collection"]


async def contents(coll: Any) -> list[dict[str, Any]]:
    docs = await coll.find({}).to_list()
    return [d if isinstance(d["_id"], str) else d | {"_id": "oid"} for d in docs]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_random_run_of_keyed_writes_answers_as_mongomock(seed: int) -> None:
    colls = [memory_client(id_lookups=flag)["db"]["c"] for flag in (True, False)]
    installed = [vars(_mongomock(coll)).get(memory_writes._INSTALLED) for coll in colls]
    assert installed == [True, None]
    for coll in colls:
        await coll.create_index([("tenant_id", 1), ("learner_id", 1)], unique=seed != 3)
        await coll.create_index([("tenant_id", 1), ("n", 1)])
    rngs = random.Random(seed), random.Random(seed)

    for n in range(400):
        seen = [await step(coll, rng) for coll, rng in zip(colls, rngs, strict=True)]
        assert seen[0] == seen[1], n
        if n % 50 == 0:
            assert await contents(colls[0]) == await contents(colls[1]), n

    final = [await contents(coll) for coll in colls]
    assert final[0] == final[1] and len(final[0]) >= 4
    # Key order too: a replayed JSON export must not differ.
    assert [list(d) for d in final[0]] == [list(d) for d in final[1]]


async def test_keyed_writes_take_the_short_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shortcut is really taken (else the run above would prove nothing): a keyed upsert
    and a keyed insert never reach mongomock's generic filter scan."""
    coll = memory_client()["db"]["units"]
    delegate = _mongomock(coll)
    scans: list[Any] = []
    real = delegate._iter_documents
    monkeypatch.setattr(delegate, "_iter_documents", lambda q: scans.append(q) or real(q))

    await coll.insert_many([{"_id": "a", "n": 1}, {"_id": "b", "n": 2}], ordered=False)
    await coll.bulk_write(
        [
            UpdateOne({"_id": k}, {"$inc": {"n": 1}, "$setOnInsert": {"t": "x"}}, upsert=True)
            for k in ("a", "c")
        ]
    )

    assert scans == []
    assert await coll.find({}).to_list() == [
        {"_id": "a", "n": 2},
        {"_id": "b", "n": 2},
        {"_id": "c", "n": 1, "t": "x"},
    ]


def test_plain_copy_is_a_deep_copy() -> None:
    when = datetime(2026, 1, 1)
    doc: dict[str, Any] = {"a": [1, {"b": [2.0, None]}], "c": {"d": when}, "e": (1, [2])}
    doc["f"] = OrderedDict([("g", [3])])
    copied = plain_copy(doc)
    assert copied == doc
    assert copied["a"][1] is not doc["a"][1] and copied["c"] is not doc["c"]
    assert copied["e"][1] is not doc["e"][1]  # a tuple goes to copy.deepcopy
    assert type(copied["f"]) is OrderedDict and copied["f"]["g"] is not doc["f"]["g"]
