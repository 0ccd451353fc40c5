"""Progress settings (env prefix `LEARNPULSE_`); built in the entry point, never at import."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from learnpulse.settings import StackSettings, ensure_secret


class ProgressSettings(StackSettings):
    """Where progress listens, whether an in-memory store starts with the demo org, and how
    its plain-HTTP endpoints (/hr, /export) verify bearer tokens: as the gateway does.
    """

    seed_demo: bool = True  # LEARNPULSE_SEED_DEMO; only applies to memory:// Mongo
    mongo_write_concern: str = "majority"  # LEARNPULSE_MONGO_WRITE_CONCERN: majority, 1, ...
    jwt_secret: SecretStr | None = None  # LEARNPULSE_JWT_SECRET, shared with the gateway
    jwks_file: Path | None = None  # LEARNPULSE_JWKS_FILE: RS256 instead of HS256

    @property
    def port(self) -> int:
        return self.progress_port

    @property
    def in_memory(self) -> bool:
        return self.mongo_url.startswith("memory://")

    def jwt_key(self) -> bytes:
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value().encode()
        return ensure_secret(self.state_dir / "jwt.key")
