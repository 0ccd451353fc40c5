"""The memory:// fake's `aggregate`: a pipeline that starts with a `$match` a look-up can
serve runs over the candidates only, and answers exactly as plain mongomock (which copies the
whole collection first), rows and order alike, through a random run of writes and pipelines."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.errors import PyMongoError

import learnpulse.memory_mongo
from learnpulse.memory_mongo import memory_client

TENANTS = ["t", "u", None]
LEARNERS = [f"l{i}" for i in range(8)]
VERBS = ["answered", "completed", "passed", "failed", "launched"]
START = datetime(2026, 9, 1, tzinfo=UTC)


def a_doc(rng: random.Random, n: int) -> dict[str, Any]:
    learner = rng.choice([*LEARNERS, None, ["l1", "l2"]]) if rng.random() < 0.1 else None
    return {
        "_id": f"e{n}",
        "tenant_id": rng.choice(TENANTS),
        "learner_id": learner or rng.choice(LEARNERS),
        "verb": rng.choice(VERBS),
        "unit_id": rng.choice(["a", "b", "c", None]),
        "course_id": rng.choice(["c1", "c2", None]),
        "success": rng.choice([True, False, None]),
        "ts": START + timedelta(minutes=rng.randrange(10_000)),
    }


def a_match(rng: random.Random) -> dict[str, Any]:
    match: dict[str, Any] = {"tenant_id": rng.choice(TENANTS)}
    shape = rng.randrange(7)
    if shape == 0:
        match["learner_id"] = {"$in": rng.sample([*LEARNERS, None], rng.randrange(1, 5))}
    elif shape == 1:
        match["learner_id"] = rng.choice(LEARNERS)
        match["verb"] = "answered"
    elif shape == 2:
        match["verb"] = {"$in": ["completed", "passed", "failed"]}
        match["course_id"] = {"$ne": None}
    elif shape == 3:
        match["$or"] = [{"verb": "answered"}, {"learner_id": rng.choice(LEARNERS)}]
    elif shape == 4:
        del match["tenant_id"]  # pins no index: the whole collection goes through
        match["unit_id"] = rng.choice(["a", "b"])
    elif shape == 5:
        match["learner_id"] = {"$bogus": 1}  # an invalid filter fails as mongomock's does
    if rng.random() < 0.5:
        low = START + timedelta(minutes=rng.randrange(8_000))
        match["ts"] = {"$gte": low, "$lt": low + timedelta(days=rng.randrange(1, 4))}
    return match


def a_pipeline(rng: random.Random) -> list[dict[str, Any]]:
    group: dict[str, Any] = {
        "$group": {
            "_id": {"learner": "$learner_id", "unit": "$unit_id"},
            "n": {"$sum": 1},
            "wrong": {"$sum": {"$cond": [{"$eq": ["$success", False]}, 1, 0]}},
            "last": {"$max": "$ts"},
        }
    }
    tails: list[list[dict[str, Any]]] = [
        [group, {"$sort": {"_id.learner": 1, "_id.unit": 1}}],
        [{"$project": {"_id": 0, "learner_id": 1, "ts": 1}}],
        [{"$sort": {"ts": -1}}, {"$limit": 5}],
        [],
    ]
    tail = rng.choice(tails)
    if rng.random() < 0.1:
        return [{"$project": {"verb": 1}}, *tail]  # no leading $match: mongomock's own path
    return [{"$match": a_match(rng)}, *tail]


async def outcome(coll: Any, pipeline: list[dict[str, Any]]) -> Any:
    try:
        return [row async for row in await coll.aggregate(pipeline)]
    except PyMongoError as exc:
        return type(exc).__name__


async def step(coll: Any, rng: random.Random, n: int) -> Any:
    kind = rng.randrange(4)
    if kind == 0:
        return (await coll.insert_one(a_doc(rng, n))).inserted_id
    if kind == 1:
        done = await coll.update_many(
            {"tenant_id": rng.choice(TENANTS), "learner_id": rng.choice(LEARNERS)},
            {"$set": {"learner_id": rng.choice(LEARNERS), "verb": rng.choice(VERBS)}},
        )
        return done.modified_count
    if kind == 2:
        return (await coll.delete_one({"_id": f"e{rng.randrange(n + 1)}"})).deleted_count
    return None


@pytest.mark.parametrize("seed", [1, 2])
async def test_a_random_run_of_pipelines_answers_as_plain_mongomock(seed: int) -> None:
    colls = [memory_client(id_lookups=flag)["db"]["events"] for flag in (True, False)]
    setup = random.Random(seed)
    docs = [a_doc(setup, n) for n in range(200)]
    for coll in colls:
        await coll.create_index([("tenant_id", 1), ("learner_id", 1), ("ts", -1)])
        await coll.create_index([("tenant_id", 1), ("verb", 1), ("ts", 1)])
        await coll.insert_many([dict(d) for d in docs])
    rngs = [random.Random(seed * 1000 + 1), random.Random(seed * 1000 + 1)]
    for n in range(200, 320):
        seen = []
        for coll, rng in zip(colls, rngs, strict=True):
            seen.append([await step(coll, rng, n), await outcome(coll, a_pipeline(rng))])
        fast, plain = seen
        assert fast == plain, f"step {n}"


async def test_a_pinned_match_copies_only_its_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    coll = memory_client()["db"]["events"]
    await coll.create_index([("tenant_id", 1), ("learner_id", 1), ("ts", -1)])
    await coll.insert_many(
        [
            a_doc(random.Random(n), n) | {"tenant_id": "t", "learner_id": f"l{n % 8}"}
            for n in range(200)
        ]
    )
    copied: list[Any] = []
    real = learnpulse.memory_mongo._copy_field

    def counted(doc: Any, kind: Any) -> Any:
        copied.append(doc)
        return real(doc, kind)

    monkeypatch.setattr(learnpulse.memory_mongo, "_copy_field", counted)

    pipeline = [{"$match": {"tenant_id": "t", "learner_id": {"$in": ["l1", "l2"]}}}]
    rows = [row async for row in await coll.aggregate(pipeline)]

    assert rows and {r["learner_id"] for r in rows} <= {"l1", "l2"}
    assert len(copied) == len(rows)  # the other learners' events were never copied


@pytest.mark.parametrize("tenant", ["t", "nobody"])
async def test_an_invalid_match_fails_exactly_when_mongomock_fails(tenant: str) -> None:
    colls = [memory_client(id_lookups=flag)["db"]["events"] for flag in (True, False)]
    for coll in colls:
        await coll.create_index([("tenant_id", 1), ("learner_id", 1), ("ts", -1)])
        await coll.insert_many([a_doc(random.Random(n), n) | {"tenant_id": "t"} for n in range(5)])
    pipeline = [{"$match": {"tenant_id": tenant, "learner_id": {"$bogus": 1}}}]
    fast, plain = [await outcome(coll, pipeline) for coll in colls]
    assert fast == plain
