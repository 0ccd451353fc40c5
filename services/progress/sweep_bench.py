"""How long a sweep takes: a synthetic tenant where every learner left a unit 60-83 hours ago,
swept three times (episodes opened and reminded; steady state; manager alerts a day later).

    python -m services.progress.sweep_bench --learners 1000 [--mongo-url URL] [--json]

Prints one JSON object: `learners`, `store`, `seed_s`, then per sweep `<name>_s` and what it
did (`<name>`: stalls and reminders counts). Nothing is delivered (no webhook).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from services.progress.domain import (
    CourseOutline,
    Enrollment,
    EnrollmentStatus,
    Learner,
    LearningEvent,
    PathOutline,
)
from services.progress.ingest import record_events
from services.progress.policy import Policy
from services.progress.store import ProgressStore
from services.progress.sweep import run_sweep

TENANT = "bench-sweep"
AS_OF = datetime(2026, 12, 10, 9, tzinfo=UTC)
UNITS = ("u-1", "u-2", "u-3", "u-4")


async def seed(store: ProgressStore, learners: int) -> None:
    outline = PathOutline(
        "p",
        (CourseOutline("c1", UNITS[:2]), CourseOutline("c2", UNITS[2:])),
        (("First", ("c1",)), ("Second", ("c2",))),
    )
    await store.put_outline(tenant=TENANT, outline=outline)
    events: list[LearningEvent] = []
    for i in range(learners):
        who = f"l{i:06d}"
        learner = Learner(who, who, "Picker", "Ops", "day", "Leeds", "mgr")
        await store.put_learner(tenant=TENANT, learner=learner)
        enrolled = AS_OF - timedelta(days=20)
        enrollment = Enrollment(
            f"e{i}", who, "p", EnrollmentStatus.ACTIVE, enrolled, AS_OF + timedelta(days=2)
        )
        await store.put_enrollment(tenant=TENANT, enrollment=enrollment)
        start = AS_OF - timedelta(hours=60 + i % 24)
        events += [
            LearningEvent(f"{who}-1", who, start, "launched", "c1", "u-1"),
            LearningEvent(f"{who}-2", who, start + timedelta(minutes=5), "completed", "c1", "u-1"),
            LearningEvent(f"{who}-3", who, start + timedelta(minutes=6), "launched", "c1", "u-2"),
        ]
    for k in range(0, len(events), 600):
        await record_events(store=store, tenant=TENANT, events=events[k : k + 600])


async def measure(learners: int, mongo_url: str) -> dict[str, Any]:
    store = ProgressStore.connect(mongo_url)
    try:
        await store.ensure_indexes()
        started = time.perf_counter()
        await seed(store, learners)
        out: dict[str, Any] = {
            "learners": learners,
            "store": mongo_url.split("://")[0],
            "seed_s": round(time.perf_counter() - started, 2),
        }
        policy = Policy(quiet_start=None, quiet_end=None)
        for name, later in (("open", 0), ("steady", 1), ("alert", 25)):
            started = time.perf_counter()
            report = await run_sweep(
                store=store, now=AS_OF + timedelta(hours=later), defaults=policy, tenants=[TENANT]
            )
            out[f"{name}_s"] = round(time.perf_counter() - started, 2)
            out[name] = {"stalls": asdict(report.stalls), "reminders": asdict(report.reminders)}
        return out
    finally:
        await store.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.progress.sweep_bench")
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--mongo-url", default="memory://", help="a scratch database")
    parser.add_argument("--json", action="store_true", help="one JSON object (the default)")
    args = parser.parse_args(argv)
    if args.learners < 1:
        parser.error("--learners must be at least 1")
    print(json.dumps(asyncio.run(measure(args.learners, args.mongo_url))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
