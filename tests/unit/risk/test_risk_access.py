"""Caller identification from metadata: partner API keys and forwarded principals."""

from __future__ import annotations

import time

import pytest

from learnpulse.auth import AuthError, principal_for, sign_principal
from services.risk.access import Caller, Gatekeeper
from services.risk.settings import RiskSettings, parse_api_keys

KEY = b"internal-key"


@pytest.fixture
def gatekeeper() -> Gatekeeper:
    return Gatekeeper(api_keys={"k-acme": "acme", "k-globex": "globex"}, internal_key=KEY)


def test_an_api_key_speaks_for_its_tenant(gatekeeper: Gatekeeper) -> None:
    caller = gatekeeper.identify([("x-api-key", "k-globex")])
    assert caller == Caller(tenant="globex", subject="partner:globex", via="api-key")


def test_a_signed_principal_speaks_for_its_tenant(gatekeeper: Gatekeeper) -> None:
    header = sign_principal(principal_for("acme", "svc-progress", ["hr_admin"]), KEY)
    caller = gatekeeper.identify([("x-learnpulse-principal", header)])
    assert (caller.tenant, caller.subject, caller.via) == ("acme", "svc-progress", "principal")


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ([], "missing credentials"),
        ([("x-api-key", "k-nope")], "unknown x-api-key"),
        ([("x-learnpulse-principal", "garbage.sig")], "principal header"),
        (
            [("x-api-key", "k-acme"), ("x-learnpulse-principal", "anything")],
            "either x-api-key or x-learnpulse-principal",
        ),
    ],
)
def test_calls_that_cannot_be_attributed_are_refused(
    gatekeeper: Gatekeeper, metadata: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(AuthError, match=message):
        gatekeeper.identify(metadata)


def test_a_principal_signed_with_another_key_or_too_old_is_refused(gatekeeper: Gatekeeper) -> None:
    who = principal_for("acme", "mgr-1", ["manager"])
    with pytest.raises(AuthError, match="does not verify"):
        gatekeeper.identify([("x-learnpulse-principal", sign_principal(who, b"other"))])
    stale = sign_principal(who, KEY, now=time.time() - 600)
    with pytest.raises(AuthError, match="stale"):
        gatekeeper.identify([("x-learnpulse-principal", stale)])


def test_api_keys_setting_parses_and_rejects_malformed_entries() -> None:
    assert parse_api_keys(" a:acme , b:globex,") == {"a": "acme", "b": "globex"}
    assert RiskSettings(api_keys="a:acme").api_key_tenants() == {"a": "acme"}
    for bad in ("a", "a:", ":acme", "a:x,a:y"):
        with pytest.raises(ValueError):
            parse_api_keys(bad)
