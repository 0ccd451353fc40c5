"""`python -m services.progress.analytics_bench --json`: a synthetic tenant (learners with HR
ratings, one path, events recorded through the normal ingest) and the time of the heatmap and
ROI use cases over it, as HR (the whole tenant) and as one manager (their reports).

Prints one JSON object: `learners`, `units`, `events`, `store`, `seed_s`, and per case
(`heatmap_hr`, `heatmap_manager`, `roi_hr`) the median milliseconds of `--repeat` runs, plus
the heatmap's `cells` and the retake pattern it shows (`pass_rate_more_than_3_retakes`,
`pass_rate_fewer`). The memory store's figures are not a real MongoDB's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from learnpulse.auth import principal_for
from services.progress import analytics, ingest
from services.progress.analytics_store import AnalyticsStore
from services.progress.domain import (
    CourseOutline,
    Enrollment,
    EnrollmentStatus,
    Learner,
    LearningEvent,
    PathOutline,
)
from services.progress.heatmap import AnalyticsPolicy, GroupBy
from services.progress.roi import IndependenceBasis, RoiInputs
from services.progress.store import ProgressStore

TENANT = "bench"
START = datetime(2026, 9, 1, tzinfo=UTC)
NOW = START + timedelta(days=60)


async def seed(store: ProgressStore, *, learners: int, units: int, rng: random.Random) -> int:
    """Learners in 8 departments under managers of 10, one path, events; returns events."""
    unit_ids = tuple(f"u-{i}" for i in range(units))
    outline = PathOutline(
        "p-bench", (CourseOutline("c-bench", unit_ids),), (("All", ("c-bench",)),)
    )
    await store.put_outline(tenant=TENANT, outline=outline)
    events: list[LearningEvent] = []
    for n in range(learners):
        who = Learner(
            f"l-{n}",
            f"L {n}",
            "Picker",
            f"dept-{n % 8}",
            "day",
            "DC",
            f"mgr-{n // 10}",
            date(2026, 8, 1) + timedelta(days=n % 30),
        )
        struggles = rng.random() < 0.3
        passes = rng.random() < (0.4 if struggles else 0.8)
        ratings = [{"period": "2026-10", "rating": 4.0 if passes else 2.0}]
        await store.put_learner(tenant=TENANT, learner=who, extra={"ratings": ratings})
        enrolled = START + timedelta(hours=n % 48)
        await store.put_enrollment(
            tenant=TENANT,
            enrollment=Enrollment(
                f"e-{n}",
                who.id,
                "p-bench",
                EnrollmentStatus.ACTIVE,
                enrolled,
                enrolled + timedelta(days=21),
            ),
        )
        at = enrolled
        for u in unit_ids[: rng.randint(1, units)]:
            at += timedelta(hours=rng.randint(1, 30))
            mk = _maker(who.id, u, at)
            events += [mk(0, "progressed", duration_s=rng.randint(120, 600))]
            events += [mk(1, "answered", success=rng.random() < 0.7)]
            fails = rng.randint(4, 6) if struggles and u == unit_ids[-1] else rng.randint(0, 1)
            events += [mk(2 + i, "failed") for i in range(fails)] + [mk(9, "passed")]
    for i in range(0, len(events), 500):
        await ingest.record_events(store=store, tenant=TENANT, events=events[i : i + 500])
    return len(events)


def _maker(learner_id: str, unit_id: str, at: datetime) -> Callable[..., LearningEvent]:
    def make(k: int, verb: str, **extra: Any) -> LearningEvent:
        return LearningEvent(
            f"{learner_id}/{unit_id}/{k}",
            learner_id,
            at + timedelta(minutes=k),
            verb,
            "c-bench",
            unit_id,
            **extra,
        )

    return make


async def timed(run: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = await run()
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 1), result


async def bench(learners: int, units: int, repeat: int) -> dict[str, Any]:
    store = ProgressStore.connect("memory://")
    await store.ensure_indexes()
    began = time.perf_counter()
    events = await seed(store, learners=learners, units=units, rng=random.Random(7))
    seed_s = round(time.perf_counter() - began, 1)
    reads = AnalyticsStore.beside(store)
    policy = AnalyticsPolicy()
    hr = principal_for(TENANT, "hr-1", ["hr_admin"])
    manager = principal_for(TENANT, "mgr-0", ["manager"], [f"l-{n}" for n in range(10)])

    def heatmap(who: Any) -> Callable[[], Awaitable[Any]]:
        return lambda: analytics.heatmap(
            store=reads,
            lengths=None,
            principal=who,
            group_by=GroupBy.DEPARTMENT,
            since=START,
            until=NOW,
            path_id="p-bench",
            policy=policy,
            now=NOW,
        )

    def roi() -> Awaitable[Any]:
        return analytics.roi(
            store=reads,
            dues=None,
            principal=hr,
            since=START,
            until=NOW,
            path_id=None,
            inputs=RoiInputs(),
            basis=IndependenceBasis.FIRST_PASSING_CHECK,
            policy=policy,
            now=NOW,
        )

    hr_ms, (found, _) = await timed(heatmap(hr), repeat)
    manager_ms, _ = await timed(heatmap(manager), repeat)
    roi_ms, _ = await timed(roi, repeat)
    await store.close()
    buckets = {b.label: b.stats for b in found.retake_buckets}
    most = buckets["more than 3 retakes"]
    fewer = [s for label, s in buckets.items() if label != "more than 3 retakes" and s]
    rated = sum(s.rated for s in fewer)
    return {
        "learners": learners,
        "units": units,
        "events": events,
        "store": "memory://",
        "seed_s": seed_s,
        "heatmap_hr_ms": hr_ms,
        "heatmap_manager_ms": manager_ms,
        "roi_hr_ms": roi_ms,
        "cells": sum(len(r.cells) for r in found.rows),
        "pass_rate_more_than_3_retakes": most.pass_rate if most else None,
        "pass_rate_fewer": sum(s.passed for s in fewer) / rated if rated else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = asyncio.run(bench(args.learners, args.units, args.repeat))
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
