"""Progress settings (env prefix `LEARNPULSE_`); built in the entry point, never at import."""

from __future__ import annotations

from learnpulse.settings import StackSettings
from services.progress.analytics_settings import AnalyticsSettings
from services.progress.notify_settings import NotifySettings
from services.progress.risk_settings import RiskSweepSettings


class ProgressSettings(StackSettings, NotifySettings, AnalyticsSettings, RiskSweepSettings):
    """Where progress listens, whether an in-memory store starts with the demo org, and how
    its plain-HTTP endpoints (/hr, /export) verify bearer tokens: as the gateway does.
    Stall, reminder and delivery settings come from `NotifySettings`.
    """

    seed_demo: bool = True  # LEARNPULSE_SEED_DEMO; only applies to memory:// Mongo
    mongo_write_concern: str = "majority"  # LEARNPULSE_MONGO_WRITE_CONCERN: majority, 1, ...

    @property
    def port(self) -> int:
        return self.progress_port

    @property
    def in_memory(self) -> bool:
        return self.mongo_url.startswith("memory://")
