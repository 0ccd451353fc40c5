"""Settings of heatmaps and ROI (env prefix `LEARNPULSE_`): the k-anonymity minimum, what a
passing on-the-job check is, the retake threshold, and the ROI assumptions' defaults.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AnalyticsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEARNPULSE_", extra="ignore")

    analytics_min_learners: int = Field(default=5, ge=1)  # fewer learners in a cell: withheld
    analytics_pass_rating: float = 3.0  # an HR rating at least this is a passed check
    analytics_struggle_retakes: int = Field(default=3, ge=0)  # more retakes than this: struggling
    roi_minutes_per_sign_in: float = 2.0
    roi_minutes_per_quiz_result: float = 3.0
    roi_minutes_per_milestone_check: float = 5.0
    # per tenant overrides, JSON: {"acme": {"minutes_per_sign_in": 4}}
    roi_tenant_inputs: dict[str, dict[str, float]] = Field(default_factory=dict)
