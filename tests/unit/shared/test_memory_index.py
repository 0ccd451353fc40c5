"""The memory:// fake's hash indexes: a random run of reads and writes on collections with
declared indexes answers exactly as mongomock's full scan, in the same order."""

from __future__ import annotations

import random
from typing import Any

import mongomock.collection
import pytest
from pymongo import UpdateOne
from pymongo.errors import PyMongoError

from learnpulse.memory_mongo import memory_client

TENANTS = ["t", "u", None]
LEARNERS = [f"l{i}" for i in range(6)]


def a_value(rng: random.Random) -> Any:
    return rng.choice([*LEARNERS, 1, 1.0, True, None, ["l1", "l2"], {"k": "l1"}])


def a_filter(rng: random.Random) -> dict[str, Any]:
    query: dict[str, Any] = {"tenant_id": rng.choice(TENANTS)}
    shape = rng.randrange(6)
    if shape == 0:
        query["learner_id"] = a_value(rng)
    elif shape == 1:
        query["learner_id"] = {"$in": rng.sample([*LEARNERS, None, 1], 3)}
    elif shape == 2:
        query |= {"learner_id": rng.choice(LEARNERS), "n": {"$gte": rng.randrange(5)}}
    elif shape == 3:
        query["$or"] = [{"learner_id": rng.choice(LEARNERS)}, {"n": rng.randrange(5)}]
    elif shape == 4:
        query["unit"] = rng.choice(["a", "b"])  # pins no index: the scan answers
    return query


def a_doc(rng: random.Random) -> dict[str, Any]:
    doc = {"tenant_id": rng.choice(TENANTS), "learner_id": a_value(rng), "n": rng.randrange(5)}
    return doc | ({"unit": rng.choice(["a", "b"])} if rng.random() < 0.5 else {})


async def step(coll: Any, rng: random.Random, n: int) -> Any:
    """One random operation; returns what a caller would see (result or error kind)."""
    kind = rng.randrange(9)
    query = a_filter(rng)
    try:
        if kind == 0:
            return (await coll.insert_one(a_doc(rng) | {"_id": f"d{n}"})).inserted_id
        if kind == 1:
            change = {"$set": {"learner_id": a_value(rng)}, "$inc": {"n": 1}}
            done = await coll.update_one(query, change, upsert=rng.random() < 0.5)
            return done.matched_count, done.modified_count, done.upserted_id is None
        if kind == 2:
            return (await coll.update_many(query, {"$inc": {"n": 1}})).modified_count
        if kind == 3:
            return (await coll.delete_one(query)).deleted_count
        if kind == 4:
            return (await coll.replace_one(query, a_doc(rng), upsert=True)).matched_count
        if kind == 5:
            ops = [UpdateOne(a_filter(rng), {"$inc": {"n": 1}}, upsert=True) for _ in range(3)]
            bulk = await coll.bulk_write(ops, ordered=False)
            return bulk.matched_count, bulk.modified_count, bulk.upserted_count
        if kind == 6:
            return await coll.count_documents(query)
        if kind == 7 and rng.random() < 0.05:
            return (await coll.delete_many({})).deleted_count
        return await coll.find(query, {"_id": 0}).to_list()
    except PyMongoError as exc:
        return type(exc).__name__


@pytest.mark.parametrize("unique", [True, False])
async def test_a_random_run_answers_as_the_full_scan(unique: bool) -> None:
    colls = [memory_client(id_lookups=flag)["db"]["c"] for flag in (True, False)]
    for coll in colls:
        await coll.create_index([("tenant_id", 1), ("learner_id", 1)], unique=unique)
        await coll.create_index([("tenant_id", 1), ("unit", 1), ("n", -1)])
    fast_rng, plain_rng = random.Random(11), random.Random(11)

    for n in range(500):
        seen = await step(colls[0], fast_rng, n), await step(colls[1], plain_rng, n)
        assert seen[0] == seen[1], n

    contents = [await coll.find({}, {"_id": 0}).to_list() for coll in colls]
    assert contents[0] == contents[1] and len(contents[0]) > 10


async def test_an_upsert_by_a_unique_key_tests_no_other_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    coll = memory_client()["db"]["pending"]
    await coll.create_index([("tenant_id", 1), ("learner_id", 1)], unique=True)
    await coll.insert_many([{"tenant_id": "t", "learner_id": f"l{i}"} for i in range(300)])
    tested: list[Any] = []
    real = mongomock.collection.filter_applies
    monkeypatch.setattr(
        mongomock.collection,
        "filter_applies",
        lambda query, doc: tested.append(doc) or real(query, doc),
    )

    await coll.bulk_write(
        [UpdateOne({"tenant_id": "t", "learner_id": i}, {"$inc": {"marks": 1}}, upsert=True)
         for i in ("l7", "new")]
    )  # fmt: skip

    assert tested == []  # neither the match nor the unique check scanned the collection
    assert await coll.count_documents({"marks": 1}) == 2
