"""Progress settings (env prefix `LEARNPULSE_`); built in the entry point, never at import."""

from __future__ import annotations

from learnpulse.settings import StackSettings


class ProgressSettings(StackSettings):
    """Where progress listens and whether an in-memory store starts with the demo org."""

    seed_demo: bool = True  # LEARNPULSE_SEED_DEMO; only applies to memory:// Mongo

    @property
    def port(self) -> int:
        return self.progress_port

    @property
    def in_memory(self) -> bool:
        return self.mongo_url.startswith("memory://")
