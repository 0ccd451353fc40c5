"""Gateway settings (env prefix LEARNPULSE_): subgraph addresses, auth, timeouts, limits."""

from __future__ import annotations

from typing import Literal

from learnpulse.settings import StackSettings


class GatewaySettings(StackSettings):
    # Where the subgraph SDL comes from: the committed schema.graphql files, or `_service { sdl }`.
    sdl_source: Literal["files", "live"] = "files"
    subgraph_timeout_s: float = 5.0
    risk_timeout_s: float = 2.0
    max_depth: int = 15
    max_aliases: int = 30
    max_cost: int = 50_000  # estimated cost; see gateway/limits.py
    plan_cache_size: int = 1000
    apq_cache_size: int = 10_000
    share_inflight: bool = True  # identical concurrent subgraph queries of one caller sent once
    graphiql: bool | None = None
    introspection: bool | None = None
    live_sdl_timeout_s: float = 30.0  # sdl_source=live: how long to wait for subgraphs to answer

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else self.env == "dev"

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else self.env == "dev"
