"""`learnpulse evaluate` (one JSON object with --json) and `learnpulse promote` (champion
moves by re-evaluation, `--to VERSION` to roll back)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any


def add_commands(subparsers: Any) -> None:
    from ml.cli import add_source
    from ml.promote import DEFAULT_ECE_TOLERANCE, DEFAULT_MARGIN

    p = subparsers.add_parser("evaluate", help="test metrics, oracle, baselines, fairness view")
    add_source(p)
    p.add_argument(
        "--alias", help="evaluate the registered versions with this alias instead of training"
    )
    p.add_argument("--tracking-uri", help="with --alias (default: LEARNPULSE_MLFLOW_URI)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=evaluate)

    p = subparsers.add_parser("promote", help="move champion to a better challenger, or roll back")
    add_source(p, required=False)
    p.add_argument("--margin", type=float, default=DEFAULT_MARGIN, help="ROC-AUC gain required")
    p.add_argument(
        "--ece-tolerance",
        type=float,
        default=DEFAULT_ECE_TOLERANCE,
        help="how much higher the challenger's ECE may be",
    )
    p.add_argument("--to", metavar="VERSION", help="point champion at VERSION (rollback)")
    p.add_argument("--target", choices=("attrition", "stall"), help="with --to: only this model")
    p.add_argument("--tracking-uri", help="MLflow tracking URI (default: LEARNPULSE_MLFLOW_URI)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=promote)


def evaluate(args: argparse.Namespace) -> int:
    from ml.cli import load_source
    from ml.labels import TARGETS

    dataset = load_source(args)
    if dataset is None:
        return 2
    try:
        if args.alias:
            from ml.promote import evaluate_version
            from ml.registry import MODEL_NAMES, version_by_alias
            from ml.training import make_split

            uri = args.tracking_uri or _uri()
            split = make_split(dataset, seed=args.seed, progress=True)
            reports = {}
            for target in TARGETS:
                name = MODEL_NAMES[target]
                version = version_by_alias(tracking_uri=uri, name=name, alias=args.alias)
                if version is None:
                    print(f"{name} has no @{args.alias} version", file=sys.stderr)
                    return 2
                reports[target] = evaluate_version(
                    target, split, dataset.truth, tracking_uri=uri, name=name, version=version
                )
        else:
            from ml.training import train_models

            models = train_models(dataset, seed=args.seed, progress=True, ceiling=True)
            reports = {m.target: m.report for m in models}
    except ValueError as exc:
        print(f"cannot evaluate: {exc}", file=sys.stderr)
        return 2
    out = {
        "dataset": {
            "fingerprint": dataset.fingerprint(),
            "learners": len(dataset.learners),
            "events": len(dataset.events),
            "has_truth": dataset.truth is not None,
        },
        "models": f"@{args.alias}" if args.alias else "trained in this run",
        **reports,
    }
    if args.json:
        print(json.dumps(_clean(out)))
    else:
        print(_summary(reports))
    return 0


def promote(args: argparse.Namespace) -> int:
    from mlflow.exceptions import MlflowException

    from ml import promote as promotion
    from ml.cli import load_source
    from ml.training import make_split

    uri = args.tracking_uri or _uri()
    try:
        if args.to:
            targets = [args.target] if args.target else ["attrition", "stall"]
            decisions = promotion.rollback(tracking_uri=uri, version=args.to, targets=targets)
        else:
            if not (args.data or args.synthetic or args.url):
                print("name a test dataset (--data, --synthetic or --from)", file=sys.stderr)
                return 2
            dataset = load_source(args)
            if dataset is None:
                return 2
            decisions = promotion.promote(
                dataset,
                make_split(dataset, seed=args.seed, progress=True),
                tracking_uri=uri,
                margin=args.margin,
                ece_tolerance=args.ece_tolerance,
            )
    except (MlflowException, ValueError) as exc:
        print(f"cannot promote: {exc}", file=sys.stderr)
        return 2
    rows = [
        {
            "model": d.name,
            "champion_before": d.champion,
            "challenger": d.challenger,
            "promoted": d.promoted,
            "reason": d.reason,
            **{f"{role}_roc_auc": r["roc_auc"] for role, r in d.reports.items()},
            **{f"{role}_ece": r["ece"] for role, r in d.reports.items()},
        }
        for d in decisions
    ]
    if args.json:
        print(json.dumps(_clean({"decisions": rows})))
    else:
        for row in rows:
            verdict = "promoted" if row["promoted"] else "kept champion"
            print(f"{row['model']}: {verdict} ({row['reason']})")
    return 0


def _summary(reports: dict[str, dict[str, Any]]) -> str:
    from ml.cli import fmt, table

    keys = ("roc_auc", "oracle_roc_auc", "logreg_roc_auc", "rule_roc_auc", "pr_auc", "ece")
    rows = [
        (target, *(fmt(r[k]) for k in keys), str(r["median_lead_days"]), str(r["n_test"]))
        for target, r in reports.items()
    ]
    header = ("target", "roc_auc", "oracle", "logreg", "rule", "pr_auc", "ece", "lead_d", "n")
    out = table(header, rows)
    names = ("model", "logreg", "ceiling", "oracle")
    expected = [
        (target, *(fmt(r["expected_roc_auc"].get(k)) for k in names))
        for target, r in reports.items()
        if r.get("expected_roc_auc")
    ]
    if expected:
        # Without the outcome noise of one test set, and with the ceiling of the features.
        out += "\n\nexpected ROC-AUC if outcomes were drawn from the truth\n"
        out += table(("target", *names), expected)
    return out


def _clean(value: Any) -> Any:
    """NaN and infinities become null: the output is strict JSON."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _uri() -> str:
    from ml.cli import default_tracking_uri

    return default_tracking_uri()
