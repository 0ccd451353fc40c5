"""Artifacts logged with every training run: SVG plots (feature importance, calibration,
precision-recall) and a markdown model card, built without a plotting library."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import numpy as np
from sklearn.metrics import precision_recall_curve

if TYPE_CHECKING:
    from ml.training import TrainedModel

W, H, PAD = 520, 360, 50
INTENDED_USE = {
    "attrition": "Rank learners by their chance of leaving within 14 days so that a manager "
    "can talk with them early; not for decisions about pay, promotion or dismissal.",
    "stall": "Flag learners whose open unit is likely to see no progress for 7 days, so that "
    "a nudge or help arrives in time.",
}


def artifacts(model: TrainedModel) -> dict[str, str]:
    """{artifact path: text} for one trained model."""
    y, p = model.test_labels, model.test_scores
    return {
        "plots/feature_importance.svg": importance_svg(model),
        "plots/calibration.svg": calibration_svg(y, p),
        "plots/precision_recall.svg": pr_svg(y, p),
        "model_card.md": card(model),
        "evaluation.json": json.dumps(model.report, indent=2, default=_json_default),
    }


def importance_svg(model: TrainedModel) -> str:
    gain = model.booster.feature_importance(importance_type="gain")
    order = np.argsort(-gain)[:15]
    top = max(float(gain[order[0]]), 1e-12)
    row = (H - 2 * PAD) / len(order)
    bars = []
    for i, k in enumerate(order):
        y = PAD + i * row
        width = (W - 220 - PAD) * gain[k] / top
        bars.append(
            f'<text x="205" y="{y + row * 0.7:.1f}" text-anchor="end" font-size="11">'
            f"{escape(model.features[k])}</text>"
            f'<rect x="210" y="{y + 2:.1f}" width="{width:.1f}" height="{row - 4:.1f}" '
            'fill="#4c78a8"/>'
        )
    return _svg(f"{model.target}: feature importance (gain)", "".join(bars))


def calibration_svg(y: np.ndarray, p: np.ndarray, bins: int = 10) -> str:
    which = np.minimum((p * bins).astype(int), bins - 1)
    count = np.bincount(which, minlength=bins)
    mean_p = np.bincount(which, p, bins) / np.maximum(count, 1)
    rate = np.bincount(which, y, bins) / np.maximum(count, 1)
    points = [(mean_p[b], rate[b]) for b in range(bins) if count[b] > 0]
    return _svg(
        "calibration on the test set (observed rate vs mean score)",
        _axes("mean calibrated score", "observed rate")
        + _line([(0, 0), (1, 1)], "#bbb")
        + _line(points, "#e45756", dots=True),
    )


def pr_svg(y: np.ndarray, p: np.ndarray) -> str:
    if not 0 < y.sum() < len(y):
        return _svg("precision-recall: one class only on the test set", "")
    precision, recall, _ = precision_recall_curve(y, p)
    step = max(1, len(recall) // 400)
    points = list(zip(recall[::step], precision[::step], strict=True))
    return _svg("precision-recall on the test set", _axes("recall", "precision") + _line(points))


def card(model: TrainedModel) -> str:
    r = model.report
    rows = [
        f"| {key} | {_fmt(r.get(key))} |"
        for key in (
            "roc_auc",
            "oracle_roc_auc",
            "logreg_roc_auc",
            "rule_roc_auc",
            "pr_auc",
            "brier",
            "ece",
            "recall_at_precision_0_75",
            "median_lead_days",
            "n_test",
            "base_rate",
        )
    ]
    fair = [
        f"| {column} | {group} | {v['n']} | {_fmt(v['roc_auc'])} | {_fmt(v['share_high'])} |"
        for column, groups in r["fairness"].items()
        for group, v in groups.items()
    ]
    p = model.params
    return "\n".join(
        [
            f"# Model card: learnpulse-{model.target}",
            "",
            "## Intended use",
            INTENDED_USE[model.target],
            "",
            "## Data",
            f"Dataset fingerprint `{model.fingerprint}`: {p.get('data.learners')} learners, "
            f"{p.get('data.events')} events, {p.get('data.cutoffs')} cut-offs. Learners split "
            "60/20/20 by a hash of their id; validation and test use later cut-offs than "
            "training.",
            "",
            "## Test metrics (calibrated probabilities)",
            "| metric | value |",
            "|---|---|",
            *rows,
            "",
            f"Bands: medium ≥ {model.bands.medium:.4f}, high ≥ {model.bands.high:.4f} "
            f"(chosen on validation, rule `{model.bands.rule}`). Calibration: "
            f"{model.calibration.get('method')} (tag `calibration`).",
            "",
            "## Fairness view (test set)",
            "| by | group | rows | ROC-AUC | share high |",
            "|---|---|---|---|---|",
            *fair,
            "",
            "## Limits",
            "- Trained on the data above; a different organisation or catalog needs retraining.",
            "- Probabilities are calibrated on validation rows of the same data; they drift "
            "when base rates change.",
            "- Scores describe patterns of activity, not reasons; use them to start a "
            "conversation, never as evidence about a person.",
            "",
        ]
    )


def _svg(title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>'
        f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>'
        f"{body}</svg>"
    )


def _xy(x: float, y: float) -> tuple[float, float]:
    return PAD + x * (W - 2 * PAD), H - PAD - y * (H - 2 * PAD)


def _axes(x_label: str, y_label: str) -> str:
    x0, y0 = _xy(0, 0)
    x1, y1 = _xy(1, 1)
    ticks = "".join(
        f'<text x="{_xy(t, 0)[0]:.0f}" y="{y0 + 14:.0f}" font-size="10" '
        f'text-anchor="middle">{t:.1f}</text>'
        f'<text x="{x0 - 6:.0f}" y="{_xy(0, t)[1] + 3:.0f}" font-size="10" '
        f'text-anchor="end">{t:.1f}</text>'
        for t in (0.0, 0.25, 0.5, 0.75, 1.0)
    )
    return (
        f'<path d="M{x0},{y1} L{x0},{y0} L{x1},{y0}" stroke="black" fill="none"/>{ticks}'
        f'<text x="{W / 2}" y="{H - 12}" text-anchor="middle" font-size="12">{x_label}</text>'
        f'<text x="14" y="{H / 2}" font-size="12" transform="rotate(-90 14 {H / 2})" '
        f'text-anchor="middle">{y_label}</text>'
    )


def _line(points: list[tuple[float, float]], color: str = "#4c78a8", dots: bool = False) -> str:
    if not points:
        return ""
    coords = [_xy(float(x), float(y)) for x, y in points]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    marks = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in coords)
    return f'<polyline points="{path}" stroke="{color}" fill="none"/>' + (marks if dots else "")


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _json_default(value: Any) -> Any:
    return float(value) if isinstance(value, np.floating) else str(value)
