"""Probability calibration shared by training and serving: a JSON-able spec (stored on each
model version as the `calibration` tag) and `apply`, which maps raw Booster scores through it.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

TAG = "calibration"
MAX_KNOTS = 200  # enough to follow any isotonic curve closely; keeps the tag small


def apply(raw: np.ndarray, spec: dict[str, Any] | None) -> np.ndarray:
    """Calibrated probabilities for raw scores; the identity when `spec` is None.

    Methods: `isotonic` (piecewise-linear through knots `x` -> `y`, flat outside them) and
    `identity`. Raises ValueError naming the field when the spec is malformed.
    """
    scores = np.asarray(raw, dtype=np.float64)
    if spec is None:
        return scores
    method = spec.get("method")
    if method == "identity":
        return scores
    if method != "isotonic":
        raise ValueError(f"calibration.method: unknown method {method!r}")
    x, y = _knots(spec)
    return np.clip(np.interp(scores, x, y), 0.0, 1.0)


def fit(raw: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """An isotonic calibration spec fitted on held-out (raw score, outcome) pairs."""
    from sklearn.isotonic import IsotonicRegression

    raw, y = np.asarray(raw, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(raw) < 2 or not 0 < y.sum() < len(y):
        return {"method": "identity"}
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, y)
    # One knot per isotonic block, at the block's middle: linear between blocks, so distinct
    # raw scores keep distinct calibrated scores (ranking, hence ROC-AUC, is preserved).
    levels, block = np.unique(np.asarray(iso.y_thresholds_, np.float64), return_inverse=True)
    x_all = np.asarray(iso.X_thresholds_, dtype=np.float64)
    x_knots = np.bincount(block, x_all) / np.bincount(block)
    y_knots = levels
    if len(x_knots) > MAX_KNOTS:
        pick = np.unique(np.linspace(0, len(x_knots) - 1, MAX_KNOTS).round().astype(int))
        x_knots, y_knots = x_knots[pick], y_knots[pick]
    return {
        "method": "isotonic",
        "x": [float(v) for v in x_knots],
        "y": [float(v) for v in y_knots],
    }


def dumps(spec: dict[str, Any] | None) -> str:
    """The tag value for a spec (compact JSON)."""
    return json.dumps(spec or {"method": "identity"}, separators=(",", ":"))


def loads(tag: str | None) -> dict[str, Any] | None:
    """A spec from a tag value; None (identity) for a missing or empty tag."""
    if not tag:
        return None
    spec = json.loads(tag)
    if not isinstance(spec, dict):
        raise ValueError("calibration: tag is not a JSON object")
    return spec


def _knots(spec: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    try:
        x = np.asarray(spec["x"], dtype=np.float64)
        y = np.asarray(spec["y"], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"calibration.x/y: need two lists of numbers ({exc})") from exc
    if x.ndim != 1 or x.shape != y.shape or len(x) == 0:
        raise ValueError("calibration.x/y: need two non-empty lists of the same length")
    if np.any(np.diff(x) < 0):
        raise ValueError("calibration.x: knots must be sorted ascending")
    return x, y
