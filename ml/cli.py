"""`learnpulse synth` and `learnpulse train`: the workbench's commands in the one CLI.

Handlers import pandas, LightGBM and MLflow on use, so other subcommands stay instant.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any


def add_commands(subparsers: Any) -> None:
    """Add `synth` and `train` to the `learnpulse` subparsers."""
    p = subparsers.add_parser("synth", help="generate a synthetic trajectory dataset (Parquet)")
    p.add_argument("--learners", type=int, default=2000, help="number of learners")
    p.add_argument("--days", type=int, default=90, help="number of simulated days")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", type=Path, required=True, help="folder for the Parquet files")
    p.set_defaults(func=synth)

    p = subparsers.add_parser("train", help="train the risk models and register them in MLflow")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="a dataset folder (see ml/README.md)")
    source.add_argument("--synthetic", action="store_true", help="train on a fresh synthetic world")
    p.add_argument("--learners", type=int, default=1500, help="with --synthetic")
    p.add_argument("--days", type=int, default=90, help="with --synthetic")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--tracking-uri", help="MLflow tracking URI (default: LEARNPULSE_MLFLOW_URI)")
    p.add_argument("--alias", default="champion", help="alias to point at the new versions")
    p.add_argument(
        "--if-missing",
        action="store_true",
        help="with --synthetic: do nothing when both models already have a champion",
    )
    p.set_defaults(func=train)


def synth(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ml.dataset import write_dataset
    from ml.synth import generate

    with tqdm(total=args.days, desc="simulating days", unit="day", file=sys.stderr) as bar:
        dataset = generate(
            n_learners=args.learners, days=args.days, seed=args.seed, progress=bar.update
        )
    folder = write_dataset(dataset, args.out)
    left = int(dataset.learners["left_at"].notna().sum())
    print(
        f"wrote {len(dataset.learners)} learners ({left} left), "
        f"{len(dataset.events)} events to {folder}"
    )
    return 0


def train(args: argparse.Namespace) -> int:
    from ml.dataset import read_dataset
    from ml.registry import MODEL_NAMES, register_models
    from ml.synth import generate
    from ml.training import train_models

    tracking_uri = args.tracking_uri or _default_tracking_uri()
    if args.if_missing and args.synthetic:
        from ml.training import ensure_champions

        found = ensure_champions(
            tracking_uri=tracking_uri, n_learners=args.learners, days=args.days, seed=args.seed
        )
        print(f"champions: {found}")
        return 0
    if args.data is not None:
        try:
            dataset = read_dataset(args.data)
        except (FileNotFoundError, ValueError) as exc:
            print(f"cannot read {args.data}: {exc}", file=sys.stderr)
            return 2
    else:
        dataset = generate(n_learners=args.learners, days=args.days, seed=args.seed)
    try:
        models = train_models(dataset, seed=args.seed)
    except ValueError as exc:
        print(f"cannot train: {exc}", file=sys.stderr)
        return 2
    versions = register_models(models, tracking_uri=tracking_uri, alias=args.alias)
    rows = [
        (
            MODEL_NAMES[m.target],
            versions[MODEL_NAMES[m.target]],
            *(_fmt(m.metrics[f"test_{k}"]) for k in ("roc_auc", "pr_auc", "brier")),
            _fmt(m.bands.medium),
            _fmt(m.bands.high),
        )
        for m in models
    ]
    print(f"registered at {tracking_uri} as @{args.alias}")
    header = ("model", "version", "test_roc_auc", "test_pr_auc", "test_brier", "medium", "high")
    print(_table(header, rows))
    return 0


def _default_tracking_uri() -> str:
    from learnpulse.settings import StackSettings

    return StackSettings().tracking_uri


def _fmt(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    head = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    return "\n".join([head, "  ".join("-" * w for w in widths), *lines])
