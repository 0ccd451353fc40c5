"""`learnpulse bench risk`: the same champions and synthetic trajectories through (a) features +
predict in process (and (a') the service's scoring function in process), (b) ScoreTrajectories
batches (columnar events; also one message per event, and (b') precomputed features),
(c) single-learner calls with explanations at each concurrency, (d) `mlflow models serve`
fed precomputed features; learners/s, latency and ratios."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import grpc
import httpx
import numpy as np
import pandas as pd

from learnpulse.risk.v1 import risk_pb2, risk_pb2_grpc
from ml import calibration
from ml.features import build_features
from services.risk import bench_procs as procs
from services.risk import columns, scoring
from services.risk.cache import ModelCache
from services.risk.models import ModelSet
from services.risk.registry import MlflowBackend, ModelRegistry


def say(message: str) -> None:
    print(f"[bench risk] {message}", file=sys.stderr, flush=True)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="learnpulse bench risk", description=__doc__)
    p.add_argument("--learners", type=int, default=10_000, help="synthetic trajectories")
    p.add_argument("--batch", type=int, default=500, help="learners per batch for (a), (b), (d)")
    p.add_argument("--batch-concurrency", type=int, default=2, help="batches in flight, (b), (d)")
    p.add_argument("--singles", type=int, default=2000, help="single-learner calls for (c)")
    p.add_argument(
        "--concurrency",
        default="1,4",
        help="single calls in flight for (c), comma-separated: (c) runs once per value",
    )
    p.add_argument("--rounds", type=int, default=3, help="turns of (a), (a'), (b), (b'), (d)")
    p.add_argument("--days", type=int, default=35, help="days of synthetic history")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--tracking-uri", help="an MLflow server to use instead of starting one")
    p.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    return p.parse_args(list(argv))


def load_models(tracking_uri: str, root: Path) -> ModelSet:
    registry = ModelRegistry(MlflowBackend(tracking_uri), ModelCache(root / "bench-cache"))
    asyncio.run(registry.refresh())
    assert registry.current is not None
    return registry.current


def inprocess(
    models: ModelSet,
    learners: pd.DataFrame,
    events: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    batch: int,
    milestones: pd.DataFrame | None = None,
) -> tuple[float, pd.DataFrame]:
    """(a): learners/s building features (with the canonical `milestones` table, as the
    trajectories carry each learner's current milestone) and calibrated probabilities of both
    models in batches, with the server's single-threaded predict; also the features, for (d)."""
    by_learner = dict(tuple(events.groupby("learner_id", sort=False)))
    empty = events.iloc[:0]
    chunks = [learners.iloc[i : i + batch] for i in range(0, len(learners), batch)]
    parts = [pd.concat([by_learner.get(x, empty) for x in c["learner_id"]]) for c in chunks]
    out = []
    started = time.perf_counter()
    for chunk, part in zip(chunks, parts, strict=True):
        features = build_features(chunk, part, as_of, milestones)
        for model in models.models:
            values = features[list(model.meta.features)].to_numpy(np.float64, na_value=np.nan)
            raw = model.booster.predict(values, num_threads=1)
            calibration.apply(np.asarray(raw), model.meta.calibration)
        out.append(features)
    rate = len(learners) / (time.perf_counter() - started)
    return rate, pd.concat(out).loc[learners["learner_id"]]  # learner order, as the requests


def service_inprocess(
    models: ModelSet, batches: Sequence[risk_pb2.ScoreTrajectoriesRequest], as_of: pd.Timestamp
) -> float:
    """(a'): learners/s of the service's own scoring function on (b)'s columnar batches, in
    process: (b) without gRPC, request checks or serialisation."""
    moment = as_of.to_pydatetime()
    started = time.perf_counter()
    for request in batches:
        scoring.score_trajectories(
            models=models,
            trajectories=request.trajectories,
            as_of=moment,
            event_columns=request.event_columns,
        )
    return sum(len(b.trajectories) for b in batches) / (time.perf_counter() - started)


async def in_flight(jobs: Sequence[Callable[[], Awaitable[None]]], concurrency: int) -> float:
    """Seconds to run `jobs` with at most `concurrency` at a time."""
    queue = list(reversed(jobs))

    async def worker() -> None:
        while queue:
            await queue.pop()()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def columnar_batches(
    trajectories: list[risk_pb2.Trajectory], as_of: pd.Timestamp, batch: int
) -> list[risk_pb2.ScoreTrajectoriesRequest]:
    """(b): the learners' events as `event_columns`, the form a partner sends at volume."""
    out = []
    for i in range(0, len(trajectories), batch):
        part = trajectories[i : i + batch]
        request = risk_pb2.ScoreTrajectoriesRequest(
            trajectories=[risk_pb2.Trajectory(profile=t.profile) for t in part],
            event_columns=columns.encode([list(t.events) for t in part]),
        )
        request.as_of.FromDatetime(as_of.to_pydatetime())
        out.append(request)
    return out


def feature_batches(
    trajectories: list[risk_pb2.Trajectory], features: pd.DataFrame, batch: int
) -> list[risk_pb2.ScoreTrajectoriesRequest]:
    """(b'): the same learners as precomputed features, what (d) is fed, in batches."""
    names = list(features.columns)
    rows = features.to_numpy(np.float64).tolist()
    out = []
    for i in range(0, len(trajectories), batch):
        request = risk_pb2.ScoreTrajectoriesRequest(feature_names=names)
        for t, row in zip(trajectories[i : i + batch], rows[i : i + batch], strict=True):
            request.trajectories.add(feature_values=row).profile.CopyFrom(t.profile)
        out.append(request)
    return out


OPTIONS = [
    ("grpc.max_send_message_length", 64 << 20),
    ("grpc.max_receive_message_length", 64 << 20),
]


async def grpc_batches(
    server: procs.Served,
    named: dict[str, list[risk_pb2.ScoreTrajectoriesRequest]],
    args: argparse.Namespace,
) -> dict[str, float]:
    """Learners/s of each named list of batch requests, `args.batch_concurrency` in flight."""
    key = ((("x-api-key", procs.BENCH_KEY)),)
    out = {}
    async with grpc.aio.insecure_channel(server.target, options=OPTIONS) as channel:
        stub = risk_pb2_grpc.RiskServiceStub(channel)

        def job(request: risk_pb2.ScoreTrajectoriesRequest) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                reply = await stub.ScoreTrajectories(request, metadata=key, timeout=120)
                assert len(reply.scores) == len(request.trajectories)

            return run

        for name, batches in named.items():
            await in_flight([job(batches[0])], 1)  # warm-up
            say(f"{name}: {len(batches)} batches of {args.batch} over loopback gRPC ...")
            seconds = await in_flight([job(b) for b in batches], args.batch_concurrency)
            out[name] = sum(len(b.trajectories) for b in batches) / seconds
    return out


async def grpc_singles(
    server: procs.Served,
    trajectories: list[risk_pb2.Trajectory],
    as_of: pd.Timestamp,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """(c): single learners (one message per event) with explanations, at each concurrency:
    learners/s, p50/p99 and the CPU each call costs the server and this client."""
    key = ((("x-api-key", procs.BENCH_KEY)),)
    stamp = risk_pb2.ScoreTrajectoriesRequest().as_of
    stamp.FromDatetime(as_of.to_pydatetime())
    singles = [
        risk_pb2.ScoreTrajectoriesRequest(
            trajectories=[trajectories[i % len(trajectories)]], as_of=stamp, explain=True
        )
        for i in range(args.singles)
    ]
    latencies: list[float] = []
    by_concurrency = {}
    async with grpc.aio.insecure_channel(server.target, options=OPTIONS) as channel:
        stub = risk_pb2_grpc.RiskServiceStub(channel)

        def job(request: risk_pb2.ScoreTrajectoriesRequest) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                started = time.perf_counter()
                reply = await stub.ScoreTrajectories(request, metadata=key, timeout=10)
                latencies.append(time.perf_counter() - started)
                assert reply.scores[0].attrition.factors

            return run

        for concurrency in concurrencies(args):
            await in_flight([job(s) for s in singles[:50]], concurrency)  # warm-up
            latencies.clear()
            say(f"(c) {len(singles)} single-learner calls, {concurrency} in flight ...")
            server_cpu, client_cpu = server.cpu_seconds(), time.process_time()
            seconds = await in_flight([job(s) for s in singles], concurrency)
            server_cpu = server.cpu_seconds() - server_cpu
            client_cpu = time.process_time() - client_cpu
            p50, p99 = np.percentile(np.array(latencies) * 1000, [50, 99])
            by_concurrency[str(concurrency)] = {
                "learners_per_s": len(singles) / seconds,
                "p50_ms": float(p50),
                "p99_ms": float(p99),
                # what each call costs the two cores, whatever else runs on them
                "server_cpu_ms_per_call": server_cpu / len(singles) * 1000,
                "client_cpu_ms_per_call": client_cpu / len(singles) * 1000,
            }
    # the top-level (c) figures are those at the highest concurrency measured
    top = by_concurrency[str(max(concurrencies(args)))]
    return {
        "grpc_single_learners_per_s": top["learners_per_s"],
        "grpc_single_p50_ms": top["p50_ms"],
        "grpc_single_p99_ms": top["p99_ms"],
        "grpc_single_by_concurrency": by_concurrency,
    }


def concurrencies(args: argparse.Namespace) -> list[int]:
    values = sorted({int(v) for v in str(args.concurrency).split(",") if v.strip()})
    if not values or values[0] < 1:
        raise SystemExit("--concurrency: give positive integers, e.g. 1,4")
    return values


async def mlflow_serve_run(
    url: str, features: pd.DataFrame, columns: list[str], args: argparse.Namespace
) -> tuple[float, np.ndarray]:
    """(d): learners/s posting precomputed feature batches to /invocations; the predictions."""
    frame = features[columns]
    bodies = []
    for i in range(0, len(frame), args.batch):
        part = frame.iloc[i : i + args.batch]
        rows = [[None if v != v else v for v in row] for row in part.to_numpy().tolist()]
        split = {"columns": columns, "data": rows}
        bodies.append((i, json.dumps({"dataframe_split": split}).encode()))
    predictions: dict[int, list[float]] = {}
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=120) as client:

        def job(i: int, body: bytes) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                reply = await client.post(url, content=body, headers=headers)
                reply.raise_for_status()
                predictions[i] = reply.json()["predictions"]

            return run

        await in_flight([job(*bodies[0])], 1)  # warm-up
        say(f"(d) {len(bodies)} batches to mlflow models serve ...")
        seconds = await in_flight([job(i, b) for i, b in bodies], args.batch_concurrency)
    ordered = np.concatenate([np.asarray(predictions[i], dtype=np.float64) for i, _ in bodies])
    return len(frame) / seconds, ordered


def main(argv: list[str]) -> int:
    args = parse(argv)
    concurrencies(args)  # a bad --concurrency fails before any server starts
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # MLflow prints run links on stdout; with --json, stdout carries the one JSON object only.
    with contextlib.redirect_stdout(sys.stderr):
        report = measure(args)
    if args.json:
        print(json.dumps(report))
    else:
        for name, value in report.items():
            shown = f"{value:,.2f}" if isinstance(value, float) else value
            print(f"{name:40} {shown}")
    return 0


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from ml.synth import generate
    from ml.training import ensure_champions

    with tempfile.TemporaryDirectory(prefix="learnpulse-bench-risk-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        uri = args.tracking_uri or stack.enter_context(procs.mlflow_server(root))
        say(f"MLflow at {uri}; ensuring champion models ...")
        versions = ensure_champions(tracking_uri=uri)
        models = load_models(uri, root)
        attrition = models.attrition.meta
        say("starting mlflow models serve and learnpulse risk serve ...")
        model_uri = f"models:/{attrition.name}/{attrition.version}"
        serve_url = stack.enter_context(procs.models_serve(uri, model_uri, root))
        server = stack.enter_context(procs.risk_server(uri, root))
        say(f"synthesising {args.learners} learners over {args.days} days ...")
        world = generate(n_learners=args.learners, days=args.days, seed=args.seed)
        as_of = world.events["ts"].max().floor("D")
        events = procs.window(world.events, as_of)
        learners = world.learners.reset_index(drop=True)
        # Both sides get each learner's current milestone, as the progress sweeps send it.
        trajectories = procs.trajectories(learners, events, world.milestones, as_of)
        say("(a) in-process features + predict ...")
        _, features = inprocess(
            models, learners, events, as_of=as_of, batch=args.batch, milestones=world.milestones
        )
        columnar = columnar_batches(trajectories, as_of, args.batch)
        featured = feature_batches(trajectories, features, args.batch)
        rows = [
            risk_pb2.ScoreTrajectoriesRequest(
                trajectories=trajectories[i : i + args.batch], as_of=columnar[0].as_of
            )
            for i in range(0, len(trajectories), args.batch)
        ]
        # Rounds take turns, so a change in the machine's load hits every side alike.
        rounds = []
        for turn in range(args.rounds):
            say(f"round {turn + 1} of {args.rounds}: (a), (a'), (b), (b'), (d) ...")
            a, _ = inprocess(
                models, learners, events, as_of=as_of, batch=args.batch, milestones=world.milestones
            )
            named = {
                "grpc_batch_learners_per_s": columnar,
                "grpc_features_learners_per_s": featured,
            }
            figures = asyncio.run(grpc_batches(server, named, args))
            d, served = asyncio.run(
                mlflow_serve_run(serve_url, features, list(attrition.features), args)
            )
            rounds.append(
                {
                    "inprocess_learners_per_s": a,
                    "inprocess_service_learners_per_s": service_inprocess(models, columnar, as_of),
                    **figures,
                    "mlflow_serve_learners_per_s": d,
                    "load_1m": round(os.getloadavg()[0], 2),
                }
            )
        # one message per event is ten times slower: once is enough to show it
        slow = {"grpc_batch_rows_learners_per_s": rows}
        rows_rate = asyncio.run(grpc_batches(server, slow, args))
        singles = asyncio.run(grpc_singles(server, trajectories, as_of, args))
    medians = {
        name: float(np.median([r[name] for r in rounds])) for name in rounds[0] if name != "load_1m"
    }
    grpc_figures = {**medians, **rows_rate, **singles}
    a, a_service = medians["inprocess_learners_per_s"], medians["inprocess_service_learners_per_s"]
    d = medians["mlflow_serve_learners_per_s"]
    raw = models.attrition.booster.predict(features[list(attrition.features)].to_numpy(np.float64))
    b = grpc_figures["grpc_batch_learners_per_s"]
    report: dict[str, Any] = {
        "learners": args.learners,
        "events": len(events),
        "learners_with_milestone": sum(t.profile.HasField("milestone") for t in trajectories),
        "batch": args.batch,
        "batch_concurrency": args.batch_concurrency,
        "singles": args.singles,
        "single_concurrency": concurrencies(args),
        "rounds": args.rounds,
        "models": versions,
        # figures below are medians over the rounds (each round in `by_round`)
        **grpc_figures,
        "mlflow_serve_max_abs_diff": float(np.max(np.abs(served - raw))),
        "ratio_grpc_batch_over_mlflow_serve": b / d,
        "ratio_grpc_batch_over_inprocess": b / a,
        "ratio_grpc_batch_over_inprocess_service": b / a_service,
        "ratio_grpc_batch_rows_over_inprocess": grpc_figures["grpc_batch_rows_learners_per_s"] / a,
        "ratio_grpc_features_over_mlflow_serve": grpc_figures["grpc_features_learners_per_s"] / d,
        "targets_met": {
            "grpc_batch_ge_5x_mlflow_serve": b >= 5 * d,
            "grpc_features_ge_5x_mlflow_serve": grpc_figures["grpc_features_learners_per_s"]
            >= 5 * d,
            "grpc_batch_ge_half_inprocess": b >= 0.5 * a,
            "grpc_batch_ge_half_inprocess_service": b >= 0.5 * a_service,
            "single_p99_le_10ms": grpc_figures["grpc_single_p99_ms"] <= 10.0,
            "single_p99_le_10ms_by_concurrency": {
                c: figures["p99_ms"] <= 10.0
                for c, figures in grpc_figures["grpc_single_by_concurrency"].items()
            },
        },
        "by_round": rounds,
        "cpus": os.cpu_count(),
        "load_1m": round(os.getloadavg()[0], 2),
    }
    return report
