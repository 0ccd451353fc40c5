"""`learnpulse synth`, `train` and `import-xapi`: the workbench's commands in the one CLI
(`evaluate` and `promote` live in `ml.cli_eval`).

Handlers import pandas, LightGBM and MLflow on use, so other subcommands stay instant.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ml.dataset import Dataset

# The default synthetic world (`--synthetic`, seed 7) that evaluation figures refer to: big
# enough that the test set holds ~1,000 leavers within 14 days, so ROC-AUC is not noise.
# `make up` trains its first champions on a smaller world (ml.training.ensure_champions).
DEFAULT_LEARNERS = 10_000
DEFAULT_DAYS = 120


def add_commands(subparsers: Any) -> None:
    """Add `synth`, `train`, `import-xapi`, `evaluate` and `promote` to the subparsers."""
    from ml import cli_eval

    p = subparsers.add_parser("synth", help="generate a synthetic trajectory dataset (Parquet)")
    p.add_argument("--learners", type=int, default=2000, help="number of learners")
    p.add_argument("--days", type=int, default=90, help="number of simulated days")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--reminders", type=float, default=0.5, help="share of teams whose manager reminds"
    )
    p.add_argument("--out", type=Path, required=True, help="folder for the Parquet files")
    p.set_defaults(func=synth)

    p = subparsers.add_parser("train", help="train the risk models and register them in MLflow")
    add_source(p)
    p.add_argument("--tracking-uri", help="MLflow tracking URI (default: LEARNPULSE_MLFLOW_URI)")
    p.add_argument(
        "--alias",
        default="challenger",
        help="alias for the new versions (champion too when there is no champion yet)",
    )
    p.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="dask: build examples and fit Boosters on a Dask cluster (lightgbm.dask)",
    )
    p.add_argument("--scheduler", help="with --engine dask: scheduler address, else a LocalCluster")
    p.add_argument("--workers", type=int, default=2, help="with --engine dask: LocalCluster size")
    p.add_argument(
        "--if-missing",
        action="store_true",
        help="with --synthetic: do nothing when both models already have a champion",
    )
    p.set_defaults(func=train)

    p = subparsers.add_parser("import-xapi", help="xAPI statement NDJSON -> a dataset folder")
    p.add_argument("files", type=Path, nargs="+", help="statement files, one JSON per line")
    p.add_argument("--learners", type=Path, help="HR table (CSV or Parquet, canonical columns)")
    p.add_argument("--out", type=Path, required=True, help="folder for the Parquet files")
    p.set_defaults(func=import_xapi)
    cli_eval.add_commands(subparsers)


def add_source(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    """The ways to name a dataset: a folder, a synthetic world or an NDJSON export URL."""
    source = p.add_mutually_exclusive_group(required=required)
    source.add_argument("--data", type=Path, help="a dataset folder (see ml/README.md)")
    source.add_argument("--synthetic", action="store_true", help="a fresh synthetic world")
    source.add_argument(
        "--from", dest="url", help="an NDJSON export URL, e.g. http://host/export/trajectories"
    )
    p.add_argument("--token", help="with --from: bearer token")
    p.add_argument("--learners", type=int, default=DEFAULT_LEARNERS, help="with --synthetic")
    p.add_argument("--days", type=int, default=DEFAULT_DAYS, help="with --synthetic")
    p.add_argument("--seed", type=int, default=7)


def load_source(args: argparse.Namespace) -> Dataset | None:
    """The dataset named on the command line, or None after printing why it cannot be read."""
    from ml.dataset import read_dataset
    from ml.importers import fetch_ndjson
    from ml.synth import generate

    try:
        if args.data is not None:
            return read_dataset(args.data)
        if args.url is not None:
            return fetch_ndjson(args.url, token=args.token)
    except (FileNotFoundError, ValueError, OSError) as exc:
        print(f"cannot read {args.data or args.url}: {exc}", file=sys.stderr)
        return None
    return generate(n_learners=args.learners, days=args.days, seed=args.seed)


def synth(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ml.dataset import write_dataset
    from ml.synth import generate

    with tqdm(total=args.days, desc="simulating days", unit="day", file=sys.stderr) as bar:
        dataset = generate(
            n_learners=args.learners,
            days=args.days,
            seed=args.seed,
            reminders=args.reminders,
            progress=bar.update,
        )
    folder = write_dataset(dataset, args.out)
    left = int(dataset.learners["left_at"].notna().sum())
    print(
        f"wrote {len(dataset.learners)} learners ({left} left), "
        f"{len(dataset.events)} events to {folder}"
    )
    return 0


def train(args: argparse.Namespace) -> int:
    from ml.registry import CHAMPION, MODEL_NAMES, register_models, versions_by_alias
    from ml.training import train_models

    tracking_uri = args.tracking_uri or default_tracking_uri()
    if args.if_missing and args.synthetic:
        from ml.training import ensure_champions

        found = ensure_champions(
            tracking_uri=tracking_uri, n_learners=args.learners, days=args.days, seed=args.seed
        )
        print(f"champions: {found}")
        return 0
    dataset = load_source(args)
    if dataset is None:
        return 2
    try:
        if args.engine == "dask":
            from ml.dask_engine import dask_client, train_models_dask

            with dask_client(args.scheduler, args.workers) as client:
                models = train_models_dask(dataset, client=client, seed=args.seed)
        else:
            models = train_models(dataset, seed=args.seed, progress=True)
    except ValueError as exc:
        print(f"cannot train: {exc}", file=sys.stderr)
        return 2
    first = args.alias != CHAMPION and versions_by_alias(tracking_uri=tracking_uri) is None
    also = [CHAMPION] if first else []
    versions = register_models(models, tracking_uri=tracking_uri, alias=args.alias, also=also)
    rows = [
        (
            MODEL_NAMES[m.target],
            versions[MODEL_NAMES[m.target]],
            *(fmt(m.report[k]) for k in ("roc_auc", "oracle_roc_auc", "logreg_roc_auc", "ece")),
            fmt(m.bands.medium),
            fmt(m.bands.high),
        )
        for m in models
    ]
    print(f"registered at {tracking_uri} as @{' @'.join([args.alias, *also])}")
    header = ("model", "version", "roc_auc", "oracle", "logreg", "ece", "medium", "high")
    print(table(header, rows))
    print("(test metrics; bands are thresholds on calibrated probabilities)")
    return 0


def import_xapi(args: argparse.Namespace) -> int:
    import pandas as pd

    from ml.dataset import write_dataset
    from ml.importers import read_xapi

    try:
        learners = None
        if args.learners is not None:
            reader = pd.read_parquet if args.learners.suffix == ".parquet" else pd.read_csv
            learners = reader(args.learners)
        dataset = read_xapi(args.files, learners)
    except (FileNotFoundError, ValueError) as exc:
        print(f"cannot import: {exc}", file=sys.stderr)
        return 2
    folder = write_dataset(dataset, args.out)
    print(f"wrote {len(dataset.learners)} learners, {len(dataset.events)} events to {folder}")
    return 0


def default_tracking_uri() -> str:
    from learnpulse.settings import StackSettings

    return StackSettings().tracking_uri


def fmt(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.3f}"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    head = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    return "\n".join([head, "  ".join("-" * w for w in widths), *lines])
