"""Risk sweep benchmark: a daily sweep of a synthetic tenant through a real risk service (grpc.aio
on loopback; small LightGBM boosters on the real feature columns), against the peer of the same
trajectories sent straight to `ScoreTrajectories`; then how long new activity waits for a score
with the background pass. `python -m services.progress.risk_bench --json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from pydantic import SecretStr

from ml.features import FEATURE_NAMES
from services.progress.clock import SystemClock
from services.progress.domain import Learner, LearningEvent, Trajectory
from services.progress.ingest import record_events
from services.progress.risk_client import GrpcRiskScorer
from services.progress.risk_options import RiskSweepOptions
from services.progress.risk_refresher import RiskRefresher
from services.progress.risk_sweep import sweep_risk
from services.progress.store import ProgressStore
from services.risk.cache import ModelCache
from services.risk.models import ModelMeta
from services.risk.registry import ModelRegistry
from services.risk.server import create_server
from services.risk.settings import RiskSettings

TENANT, SECRET = "bench", "risk-bench-internal-secret"
VERBS = ("login", "launched", "progressed", "answered", "completed", "passed", "replayed")


class Boosters:
    """An in-memory registry backend: one small Booster per model, version 1."""

    def __init__(self) -> None:
        self.models: dict[str, tuple[ModelMeta, lgb.Booster]] = {}
        rng = np.random.default_rng(7)
        for seed, name in enumerate(("learnpulse-attrition", "learnpulse-stall")):
            x = pd.DataFrame(rng.normal(size=(2000, len(FEATURE_NAMES))), columns=FEATURE_NAMES)
            y = (x.iloc[:, seed] + rng.normal(size=2000) > 0).astype(int)
            params = {"objective": "binary", "num_leaves": 15, "verbose": -1, "num_threads": 1}
            booster = lgb.train(params, lgb.Dataset(x, y), num_boost_round=50)
            meta = ModelMeta(name, "1", "champion", tuple(FEATURE_NAMES), 0.3, 0.6)
            self.models[name] = (meta, booster)

    def resolve(self, name: str, alias: str) -> ModelMeta:
        return self.models[name][0]

    def download(self, meta: ModelMeta, dest: Path) -> None:
        self.models[meta.name][1].save_model(str(dest / "model.txt"))

    def load(self, path: Path) -> lgb.Booster:
        return lgb.Booster(model_file=str(path / "model.txt"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def seed(store: ProgressStore, learners: int, events: int, now: datetime) -> int:
    rng = np.random.default_rng(11)
    total = 0
    for i in range(learners):
        who = Learner(f"l-{i:06d}", f"Learner {i}", "Picker", "Ops", "day", "Leeds", "m-1")
        who = Learner(**(vars(who) | {"hire_date": date(2025, 1, 1) + timedelta(days=i % 300)}))
        await store.put_learner(tenant=TENANT, learner=who)
        rows = [
            LearningEvent(
                event_id=f"e-{i}-{n}",
                learner_id=who.id,
                ts=now - timedelta(days=float(rng.uniform(0, 60))),
                verb=VERBS[n % len(VERBS)],
                course_id="c-1",
                unit_id=f"u-{n % 12}",
                duration_s=int(rng.integers(30, 400)),
                score=0.8 if VERBS[n % len(VERBS)] in ("answered", "passed") else None,
                attempt=1,
            )
            for n in range(events)
        ]
        total += await record_events(store=store, tenant=TENANT, events=rows)
    return total


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        settings = RiskSettings(
            state_dir=Path(tmp),
            risk_port=free_port(),
            internal_secret=SecretStr(SECRET),
            max_batch=1000,
        )
        registry = ModelRegistry(Boosters(), ModelCache(Path(tmp) / "models"), reload_interval_s=0)
        server = create_server(settings, registry=registry)
        await server.start()
        await registry.start()
        store = ProgressStore.connect("memory://")
        scorer = GrpcRiskScorer(settings.risk_target, key=SECRET.encode(), timeout_s=60)
        try:
            await store.ensure_indexes()
            started = time.perf_counter()
            stored = await seed(store, args.learners, args.events, now)
            seed_s = time.perf_counter() - started
            options = RiskSweepOptions(batch_size=args.batch)

            started = time.perf_counter()
            report = await sweep_risk(store=store, scorer=scorer, now=now, options=options)
            sweep_s = time.perf_counter() - started

            # The peer: the same trajectories, already assembled, straight to the service.
            roster = [w async for w in store.tenant_learners(tenant=TENANT)]
            events = await store.assessments.events_of(
                tenant=TENANT,
                learner_ids=[w.id for w in roster],
                since=now - timedelta(days=90),
                until=now,
            )
            trajectories = [Trajectory(TENANT, w, tuple(events.get(w.id, ()))) for w in roster]
            started = time.perf_counter()
            for i in range(0, len(trajectories), args.batch):
                chunk = trajectories[i : i + args.batch]
                await scorer.score(tenant=TENANT, trajectories=chunk, as_of=now)
            grpc_s = time.perf_counter() - started

            freshness = await fresh_after_activity(store, scorer, args) if args.freshness else None
        finally:
            await scorer.close()
            await store.close()
            await registry.stop()
            await server.stop(None)
    return {
        "learners": args.learners,
        "events": stored,
        "batch": args.batch,
        "seed_s": round(seed_s, 2),
        "assessments_stored": report.scored,
        # the seeded tenant has no enrollments, so no learner is sent a milestone (0)
        "milestones_sent": sum(t.milestones for t in report.tenants),
        "sweep_s": round(sweep_s, 3),
        "sweep_learners_per_s": round(args.learners / sweep_s, 1),
        "grpc_only_s": round(grpc_s, 3),
        "grpc_only_learners_per_s": round(args.learners / grpc_s, 1),
        "sweep_over_grpc_only": round(sweep_s / grpc_s, 2),
        "freshness": freshness,
    }


async def fresh_after_activity(
    store: ProgressStore, scorer: GrpcRiskScorer, args: argparse.Namespace
) -> dict[str, float]:
    """Wall seconds from recording one event to its learner's new assessment, with the
    background pass at the given interval and debounce (the app's defaults: 15 s and 30 s)."""
    clock = SystemClock()
    options = RiskSweepOptions(batch_size=args.batch, debounce=timedelta(seconds=args.debounce))
    refresher = RiskRefresher(
        store=store, scorer=scorer, clock=clock, interval_s=args.interval, options=options
    )
    refresher.start()
    try:
        await asyncio.sleep(args.interval / 3)  # activity lands between passes
        at = clock.now()
        event = LearningEvent("e-fresh", "l-000000", at, "progressed", "c-1", "u-1", 60)
        started = time.perf_counter()
        await record_events(store=store, tenant=TENANT, events=[event])
        while True:
            latest = await store.assessments.latest(tenant=TENANT, learner_ids=["l-000000"])
            if latest["l-000000"].as_of >= at:
                break
            await asyncio.sleep(0.2)
        waited = time.perf_counter() - started
    finally:
        await refresher.stop()
    return {"interval_s": args.interval, "debounce_s": args.debounce, "seconds": round(waited, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.progress.risk_bench")
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--events", type=int, default=30, help="per learner, over 60 days")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--interval", type=float, default=15.0)
    parser.add_argument("--debounce", type=float, default=30.0)
    parser.add_argument("--no-freshness", dest="freshness", action="store_false")
    parser.add_argument("--json", action="store_true", help="one JSON object (the default)")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(measure(args)), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
