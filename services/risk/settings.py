"""Settings of the risk service: port, batch limit, partner API keys, model cache and reload."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator, model_validator

from learnpulse.settings import StackSettings


class RiskSettings(StackSettings):
    """Read from `LEARNPULSE_*` environment variables when instantiated in an entry point."""

    max_batch: int = 1000
    # Partners' keys and the tenant each key speaks for: "key1:tenantA,key2:tenantB".
    api_keys: str = ""
    model_cache_dir: Path | None = None
    # How often the champion aliases are read: a promotion or rollback is served within this
    # plus a download (a second or two), well inside the minute operators are promised.
    reload_interval_s: float = 15.0
    # Probing MLflow first keeps a dead tracking server from stalling start-up for minutes
    # (the MLflow client retries with exponential back-off).
    mlflow_timeout_s: float = 5.0
    attrition_model: str = "learnpulse-attrition"
    stall_model: str = "learnpulse-stall"
    model_alias: str = "champion"
    grace_s: float = 5.0
    # Prometheus `/metrics` on this HTTP port (same host as the gRPC port); 0 turns it off.
    risk_metrics_port: int = 9464

    @field_validator("api_keys")
    @classmethod
    def _keys_parse(cls, value: str) -> str:
        parse_api_keys(value)
        return value

    @model_validator(mode="after")
    def _default_cache_dir(self) -> RiskSettings:
        if self.model_cache_dir is None:
            self.model_cache_dir = self.state_dir / "models"
        return self

    @property
    def cache_dir(self) -> Path:
        """Where downloaded models and their metadata are kept for MLflow outages."""
        return self.model_cache_dir or self.state_dir / "models"

    def api_key_tenants(self) -> dict[str, str]:
        return parse_api_keys(self.api_keys)


def parse_api_keys(value: str) -> dict[str, str]:
    """`"k1:tenantA,k2:tenantB"` → `{"k1": "tenantA", "k2": "tenantB"}`; raise on bad entries."""
    keys: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        key, sep, tenant = entry.partition(":")
        if not sep or not key.strip() or not tenant.strip():
            raise ValueError("api_keys entries must look like 'key:tenant'")
        if key.strip() in keys:
            raise ValueError("api_keys lists the same key twice")
        keys[key.strip()] = tenant.strip()
    return keys
