"""Analytics settings: the k-anonymity minimum and ROI assumptions from LEARNPULSE_* variables,
per-tenant overrides as JSON, and a clear error for a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.progress.analytics import AnalyticsConfig
from services.progress.settings import ProgressSettings


def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> ProgressSettings:
    for name, value in env.items():
        monkeypatch.setenv(f"LEARNPULSE_{name}", value)
    return ProgressSettings(state_dir=tmp_path, mongo_url="memory://")


def test_defaults_and_per_tenant_roi_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = AnalyticsConfig.from_settings(
        settings(
            tmp_path,
            monkeypatch,
            ANALYTICS_MIN_LEARNERS="8",
            ROI_MINUTES_PER_QUIZ_RESULT="1.5",
            ROI_TENANT_INPUTS='{"acme": {"minutes_per_sign_in": 4}}',
        )
    )

    assert (config.policy.min_learners, config.policy.pass_rating) == (8, 3.0)
    demo, acme = config.inputs_for("demo"), config.inputs_for("acme")
    assert (demo.minutes_per_sign_in, demo.minutes_per_quiz_result) == (2.0, 1.5)
    assert (acme.minutes_per_sign_in, acme.minutes_per_quiz_result) == (4.0, 1.5)


def test_a_bad_tenant_override_names_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unknown = settings(tmp_path, monkeypatch, ROI_TENANT_INPUTS='{"a": {"minutes_per_coffee": 4}}')
    with pytest.raises(ValueError, match=r"LEARNPULSE_ROI_TENANT_INPUTS.*minutes_per_coffee"):
        AnalyticsConfig.from_settings(unknown)

    negative = settings(
        tmp_path, monkeypatch, ROI_TENANT_INPUTS='{"a": {"minutes_per_sign_in": -2}}'
    )
    with pytest.raises(ValueError, match=r"LEARNPULSE_ROI_TENANT_INPUTS.*minutesPerSignIn"):
        AnalyticsConfig.from_settings(negative)
