"""`learnpulse bench features`: feature-building throughput (events/s) of `ml.features`
against a plain pandas group-by of a subset of the same metrics (the peer), and the time to
train both models (examples, LightGBM, calibration, baselines, report) on a large world."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ml.dataset import Dataset, read_dataset
from ml.features import FEATURE_NAMES, LOOKBACK_DAYS, build_features


def say(message: str) -> None:
    print(f"[bench features] {message}", file=sys.stderr, flush=True)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="learnpulse bench features", description=__doc__)
    p.add_argument("--learners", type=int, default=100_000, help="synthetic learners")
    p.add_argument("--days", type=int, default=120, help="synthetic days")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--data", type=Path, help="a dataset folder instead of a synthetic world")
    p.add_argument("--cutoffs", type=int, default=5, help="cut-offs timed for features")
    p.add_argument("--no-train", action="store_true", help="skip the training measurement")
    p.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    return p.parse_args(list(argv))


def peer_features(learners: pd.DataFrame, window: pd.DataFrame, as_of: pd.Timestamp) -> Any:
    """The obvious pandas version of 9 of the counting features (groupby per window)."""
    age = (as_of - window["ts"]) / pd.Timedelta(days=1)
    frame = window.assign(age=age, day=np.ceil(age))
    out = pd.DataFrame(index=pd.Index(learners["learner_id"], name="learner_id"))
    for days in (7, 14, 28):
        recent = frame[frame["age"] <= days]
        out[f"logins_{days}d"] = recent[recent["verb"] == "login"].groupby("learner_id").size()
        out[f"active_days_{days}d"] = recent.groupby("learner_id")["day"].nunique()
    done = frame[frame["verb"] == "completed"]
    out["completions_7d"] = done[done["age"] <= 7].groupby("learner_id").size()
    out["completions_28d"] = done.groupby("learner_id").size()
    out["days_since_last_activity"] = frame.groupby("learner_id")["age"].min()
    return out.fillna(0.0)


def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    started = time.perf_counter()
    if args.data is not None:
        dataset = read_dataset(args.data)
        source = str(args.data)
    else:
        from ml.synth import generate

        say(f"generating {args.learners} learners x {args.days} days")
        dataset = generate(n_learners=args.learners, days=args.days, seed=args.seed)
        source = f"synthetic {args.learners}x{args.days} seed {args.seed}"
    generate_s = time.perf_counter() - started
    result: dict[str, Any] = {
        "dataset": source,
        "learners": len(dataset.learners),
        "events": len(dataset.events),
        "load_or_generate_s": round(generate_s, 2),
        **measure_features(dataset, args.cutoffs),
    }
    if not args.no_train:
        result.update(measure_training(dataset, args.seed))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")
    return 0


def measure_features(dataset: Dataset, n_cutoffs: int) -> dict[str, Any]:
    events = dataset.events
    first = events["ts"].min().normalize() + pd.Timedelta(days=LOOKBACK_DAYS)
    last = events["ts"].max().normalize()
    cuts = pd.date_range(first, max(first, last), periods=max(1, n_cutoffs))
    ours = peer = 0.0
    in_window = 0
    for cut in cuts:
        lo = events["ts"].searchsorted(cut - pd.Timedelta(days=LOOKBACK_DAYS))
        hi = events["ts"].searchsorted(cut)
        window = events.iloc[lo:hi]
        in_window += len(window)
        t0 = time.perf_counter()
        build_features(dataset.learners, window, cut)
        t1 = time.perf_counter()
        peer_features(dataset.learners, window, cut)
        t2 = time.perf_counter()
        ours, peer = ours + t1 - t0, peer + t2 - t1
        say(f"at {cut.date()}: {len(window)} events, {t1 - t0:.2f} s (peer {t2 - t1:.2f} s)")
    return {
        "feature_cutoffs": len(cuts),
        "feature_events": in_window,
        "features_events_per_s": round(in_window / ours),
        "features_learners_per_s": round(len(dataset.learners) * len(cuts) / ours),
        "peer": f"pandas groupby, 9 of the {len(FEATURE_NAMES)} features",
        "peer_events_per_s": round(in_window / peer),
        "ratio_vs_peer": round(peer / ours, 2),
    }


def measure_training(dataset: Dataset, seed: int) -> dict[str, Any]:
    from ml.training import train_models

    say("training both models (examples, LightGBM, calibration, baselines, report)")
    t0 = time.perf_counter()
    models = train_models(dataset, seed=seed)
    seconds = time.perf_counter() - t0
    return {
        "train_s": round(seconds, 1),
        "train_rows": {m.target: int(m.metrics["train_rows"]) for m in models},
        "test_roc_auc": {m.target: m.report["roc_auc"] for m in models},
        "oracle_roc_auc": {m.target: m.report["oracle_roc_auc"] for m in models},
    }
