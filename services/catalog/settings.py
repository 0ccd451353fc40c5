"""Catalog settings (env prefix `LEARNPULSE_`); built in the entry point, never at import."""

from __future__ import annotations

from learnpulse.settings import StackSettings


class CatalogSettings(StackSettings):
    """Where the catalog listens and whether an in-memory catalog starts with the demo org."""

    seed_demo: bool = True  # LEARNPULSE_SEED_DEMO; only applies to memory:// Mongo

    @property
    def port(self) -> int:
        return self.catalog_port

    @property
    def in_memory(self) -> bool:
        return self.mongo_url.startswith("memory://")
