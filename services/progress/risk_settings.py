"""Settings of risk sweeps (env prefix `LEARNPULSE_RISK_SWEEP_`): how often the background pass
runs, batch size, the call's timeout and the back-off after the risk service fails.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.progress.risk_options import RiskSweepOptions


class RiskSweepSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEARNPULSE_", extra="ignore")

    # a pass every interval scores learners with new activity (and, once a UTC day, every
    # active learner); 0 turns the background pass off
    risk_sweep_interval_s: float = Field(default=15.0, ge=0)
    # new activity waits this long after a pass first sees it (bursts coalesce): with the
    # interval, a score is at most interval + debounce (45 s) plus the call behind activity
    risk_sweep_debounce_s: float = Field(default=30.0, ge=0)
    risk_sweep_batch: int = Field(default=500, ge=1, le=1000)  # the service takes 1000
    risk_sweep_timeout_s: float = Field(default=10.0, gt=0)
    risk_sweep_backoff_s: float = Field(default=30.0, gt=0)  # 30 s, 60 s, ... up to the cap
    risk_sweep_backoff_cap_s: float = Field(default=1800.0, gt=0)

    def risk_sweep_options(self) -> RiskSweepOptions:
        return RiskSweepOptions(
            batch_size=self.risk_sweep_batch,
            debounce=timedelta(seconds=self.risk_sweep_debounce_s),
            backoff=timedelta(seconds=self.risk_sweep_backoff_s),
            backoff_cap=timedelta(seconds=self.risk_sweep_backoff_cap_s),
        )
