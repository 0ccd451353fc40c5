"""Calibration specs: identity without a spec, isotonic maps raw scores onto observed rates,
and the tag round-trips through JSON exactly as the risk service reads it."""

from __future__ import annotations

import numpy as np
import pytest

from ml import calibration


def test_no_spec_is_the_identity() -> None:
    raw = np.array([0.1, 0.5, 0.9])
    assert np.array_equal(calibration.apply(raw, None), raw)


def test_isotonic_fit_corrects_overconfident_scores() -> None:
    rng = np.random.default_rng(0)
    truth = rng.uniform(0.0, 0.3, 20_000)
    y = (rng.random(truth.size) < truth).astype(float)
    raw = np.sqrt(truth)  # over-confident, same ranking
    spec = calibration.loads(calibration.dumps(calibration.fit(raw, y)))
    calibrated = calibration.apply(raw, spec)
    assert spec is not None and spec["method"] == "isotonic"
    assert abs(calibrated.mean() - y.mean()) < 0.01
    assert abs(raw.mean() - y.mean()) > 0.1
    assert np.all(np.diff(calibration.apply(np.linspace(0, 1, 50), spec)) >= 0)


def test_malformed_spec_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"calibration\.method"):
        calibration.apply(np.array([0.5]), {"method": "platt?"})
    with pytest.raises(ValueError, match=r"calibration\.x"):
        calibration.apply(np.array([0.5]), {"method": "isotonic", "x": [0.2, 0.1], "y": [0, 1]})
