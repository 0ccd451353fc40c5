"""`learnpulse promote`: re-evaluate challenger and champion on the same test set and move
`champion` only when the challenger ranks better by a margin and is not worse calibrated;
every decision (and every rollback with `--to`) is recorded as tags on the versions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ml import calibration, registry
from ml.baselines import fit_logreg, logreg_scores, rule_scores
from ml.dataset import Dataset
from ml.evaluation import Split
from ml.features import FEATURE_NAMES
from ml.metrics import target_report
from ml.training import labelled_parts

DEFAULT_MARGIN = 0.005  # ROC-AUC points the challenger must gain
DEFAULT_ECE_TOLERANCE = 0.005  # how much worse its ECE may be and still count as "not worse"


@dataclass(frozen=True)
class Decision:
    target: str
    name: str
    champion: str | None
    challenger: str | None
    promoted: bool
    reason: str
    reports: dict[str, dict[str, Any]]


def evaluate_version(
    target: str, split: Split, truth: Any, *, tracking_uri: str, name: str, version: str
) -> dict[str, Any]:
    """The evaluation report of a registered version on the split's test rows."""
    booster, tags = registry.load_version(tracking_uri=tracking_uri, name=name, version=version)
    features = json.loads(tags.get("features", json.dumps(FEATURE_NAMES)))
    parts = labelled_parts(split, target)
    test = parts["test"]
    raw = np.asarray(booster.predict(test[features]), np.float64)
    probs = calibration.apply(raw, calibration.loads(tags.get(calibration.TAG)))
    logreg = fit_logreg(parts["train"], parts["train"][target].to_numpy(np.float64), seed=7)
    return target_report(
        target,
        test,
        probs,
        high=float(tags["band_high_threshold"]),
        logreg=logreg_scores(logreg, test),
        rule=rule_scores(test),
        truth=truth,
    )


def promote(
    dataset: Dataset,
    split: Split,
    *,
    tracking_uri: str,
    margin: float = DEFAULT_MARGIN,
    ece_tolerance: float = DEFAULT_ECE_TOLERANCE,
) -> list[Decision]:
    """Decide, record and apply champion moves for every target."""
    decisions = []
    for target, name in registry.MODEL_NAMES.items():
        champion = registry.version_by_alias(
            tracking_uri=tracking_uri, name=name, alias=registry.CHAMPION
        )
        challenger = registry.version_by_alias(
            tracking_uri=tracking_uri, name=name, alias=registry.CHALLENGER
        )
        reports = {
            role: evaluate_version(
                target, split, dataset.truth, tracking_uri=tracking_uri, name=name, version=v
            )
            for role, v in (("champion", champion), ("challenger", challenger))
            if v is not None
        }
        promoted, reason = judge(reports, margin=margin, ece_tolerance=ece_tolerance)
        if challenger is not None and challenger == champion:
            promoted, reason = False, "challenger is already the champion"
        decision = Decision(target, name, champion, challenger, promoted, reason, reports)
        _record(decision, tracking_uri, dataset.fingerprint(), margin, ece_tolerance)
        if promoted and challenger is not None:
            registry.move_alias(
                tracking_uri=tracking_uri, name=name, alias=registry.CHAMPION, version=challenger
            )
        decisions.append(decision)
    return decisions


def judge(
    reports: dict[str, dict[str, Any]], *, margin: float, ece_tolerance: float
) -> tuple[bool, str]:
    """(promote?, why) from the champion's and challenger's reports on the same rows."""
    if "challenger" not in reports:
        return False, "no challenger"
    if "champion" not in reports:
        return True, "no champion yet"
    new, old = reports["challenger"], reports["champion"]
    if new["roc_auc"] is None or old["roc_auc"] is None:
        return False, "ROC-AUC undefined on this test set (one class only)"
    gain = new["roc_auc"] - old["roc_auc"]
    if gain < margin:
        return False, f"ROC-AUC gain {gain:+.4f} below the margin {margin}"
    if new["ece"] > old["ece"] + ece_tolerance:
        return False, f"worse calibrated: ECE {new['ece']:.4f} vs {old['ece']:.4f}"
    return True, f"ROC-AUC gain {gain:+.4f}, ECE {new['ece']:.4f} vs {old['ece']:.4f}"


def rollback(*, tracking_uri: str, version: str, targets: list[str]) -> list[Decision]:
    """Point `champion` at `version` for each target, recording who it replaced."""
    decisions = []
    for target in targets:
        name = registry.MODEL_NAMES[target]
        champion = registry.version_by_alias(
            tracking_uri=tracking_uri, name=name, alias=registry.CHAMPION
        )
        registry.move_alias(
            tracking_uri=tracking_uri, name=name, alias=registry.CHAMPION, version=version
        )
        decision = Decision(target, name, champion, version, True, "rollback (--to)", {})
        _record(decision, tracking_uri, "", 0.0, 0.0)
        decisions.append(decision)
    return decisions


def _record(
    decision: Decision, tracking_uri: str, fingerprint: str, margin: float, ece_tol: float
) -> None:
    at = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    summary = {
        "at": at,
        "action": "promoted" if decision.promoted else "kept",
        "reason": decision.reason,
        "champion_before": decision.champion,
        "challenger": decision.challenger,
        "margin": margin,
        "ece_tolerance": ece_tol,
        "dataset_fingerprint": fingerprint,
        **{
            f"{role}_{key}": report[key]
            for role, report in decision.reports.items()
            for key in ("roc_auc", "ece", "brier", "n_test")
        },
    }
    text = json.dumps(summary, separators=(",", ":"))
    for version in {decision.champion, decision.challenger} - {None}:
        registry.record(
            tracking_uri=tracking_uri,
            name=decision.name,
            version=str(version),
            tags={f"decision.{at}": text, "last_decision": text},
        )
