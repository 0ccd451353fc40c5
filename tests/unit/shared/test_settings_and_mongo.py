"""Settings come from LEARNPULSE_* variables; memory:// selects the fake, loudly."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from learnpulse import mongo
from learnpulse.settings import StackSettings, ensure_secret


def test_ports_and_urls_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNPULSE_CATALOG_PORT", "5401")
    monkeypatch.setenv("LEARNPULSE_MONGO_URL", "mongodb://db:27017")
    settings = StackSettings()
    assert settings.catalog_url == "http://127.0.0.1:5401/graphql"
    assert settings.mongo_url == "mongodb://db:27017"
    assert settings.gateway_port == 4000 and settings.risk_port == 50051


def test_secret_is_created_once_and_kept_private(tmp_path: Path) -> None:
    first = ensure_secret(tmp_path / "s" / "jwt.key")
    assert ensure_secret(tmp_path / "s" / "jwt.key") == first
    assert len(first) >= 32
    assert (tmp_path / "s" / "jwt.key").stat().st_mode & 0o777 == 0o600


async def test_memory_url_gives_a_working_fake_and_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="learnpulse.mongo"):
        client = mongo.connect("memory://")
    assert "NOTHING IS PERSISTED" in caplog.text
    coll = client.get_database("t").get_collection("c")
    await coll.insert_one({"_id": "a", "tenant_id": "demo"})
    assert await coll.find_one({"tenant_id": "demo"}) == {"_id": "a", "tenant_id": "demo"}
    await mongo.close(client)


async def test_mongodb_url_uses_the_real_async_driver() -> None:
    from pymongo import AsyncMongoClient

    client = mongo.connect("mongodb://127.0.0.1:27017/")
    assert isinstance(client, AsyncMongoClient)  # lazy: nothing connects before a command
    await mongo.close(client)


async def test_ping_failure_means_not_ready_rather_than_a_crash() -> None:
    class Unreachable:
        class admin:  # mirrors the driver's attribute name
            @staticmethod
            async def command(name: str) -> dict[str, float]:
                raise ConnectionError(f"{name}: no server")

    assert await mongo.ping(Unreachable()) is False


def test_other_urls_are_refused_with_the_variable_name() -> None:
    with pytest.raises(ValueError, match="LEARNPULSE_MONGO_URL"):
        mongo.connect("postgres://x")


def test_token_command_signs_with_the_key_the_gateway_verifies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from learnpulse.cli import main

    monkeypatch.setenv("LEARNPULSE_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("LEARNPULSE_JWT_SECRET", "a-configured-secret-long-enough-for-hs256")
    assert main(["token", "--role", "hr_admin", "--tenant", "demo", "--sub", "hr-1"]) == 0
    token = capsys.readouterr().out.strip()
    principal = StackSettings().token_verifier().verify(f"Bearer {token}")
    assert principal.subject == "hr-1" and principal.roles == frozenset({"hr_admin"})
    assert not (tmp_path / "jwt.key").exists()  # the configured secret, not a generated one
