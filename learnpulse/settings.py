"""Settings shared by every service: addresses of the stack, state folder, Mongo URL.

Each service subclasses `StackSettings`; instances are created in entry points only,
never at import time, so tests can build settings explicitly.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from learnpulse.auth import TokenVerifier


class StackSettings(BaseSettings):
    """Where each part of the stack listens, and where local state lives."""

    model_config = SettingsConfigDict(env_prefix="LEARNPULSE_", extra="ignore")

    env: Literal["dev", "prod"] = "dev"
    state_dir: Path = Path(".learnpulse")
    log_level: str = "INFO"
    # address this process binds to
    host: str = "127.0.0.1"
    # where the other parts are reached (their own containers in deploy/compose.yaml)
    catalog_host: str = "127.0.0.1"
    progress_host: str = "127.0.0.1"
    risk_host: str = "127.0.0.1"

    gateway_port: int = 4000
    catalog_port: int = 4001
    progress_port: int = 4002
    risk_port: int = 50051
    mlflow_port: int = 5000

    mongo_url: str = "memory://"
    mlflow_uri: str | None = None
    internal_secret: SecretStr | None = None
    # callers' JWTs: HS256 with this secret (default: generated into the state dir), or
    # RS256 against a JWKS file when one is configured
    jwt_secret: SecretStr | None = None
    jwks_file: Path | None = None

    @property
    def catalog_url(self) -> str:
        return f"http://{self.catalog_host}:{self.catalog_port}/graphql"

    @property
    def progress_url(self) -> str:
        return f"http://{self.progress_host}:{self.progress_port}/graphql"

    @property
    def risk_target(self) -> str:
        return f"{self.risk_host}:{self.risk_port}"

    @property
    def tracking_uri(self) -> str:
        return self.mlflow_uri or f"http://{self.host}:{self.mlflow_port}"

    def jwt_key(self) -> bytes:
        """The HS256 key of callers' tokens (what `learnpulse token` signs with)."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value().encode()
        return ensure_secret(self.state_dir / "jwt.key")

    def token_verifier(self) -> TokenVerifier:
        """Verifies callers' JWTs: RS256 against `jwks_file` when set, else HS256."""
        if self.jwks_file is not None:
            return TokenVerifier(jwks_file=self.jwks_file)
        return TokenVerifier(hs256_secret=self.jwt_key())

    def internal_key(self) -> bytes:
        """The key that signs principals forwarded between services."""
        if self.internal_secret is not None:
            return self.internal_secret.get_secret_value().encode()
        return ensure_secret(self.state_dir / "internal.key")


def ensure_secret(path: Path) -> bytes:
    """Read a secret from `path`, creating a random one (mode 0600) on first use.

    Creation is atomic (write a private temp file, then hard-link it into place), so
    processes starting together all end up with the same secret.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(secrets.token_urlsafe(48))
        tmp.chmod(0o600)
        with contextlib.suppress(FileExistsError):  # another process won the race
            os.link(tmp, path)
        tmp.unlink()
    return path.read_text().strip().encode()
