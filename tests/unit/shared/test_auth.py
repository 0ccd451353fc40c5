"""Identity: JWT verification at the edge and the signed principal forwarded to subgraphs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from learnpulse.auth import (
    AuthError,
    TokenVerifier,
    mint_token,
    principal_for,
    sign_principal,
    verify_principal,
)

SECRET = b"a-dev-secret-long-enough-for-hs256-signing"
MANAGER = principal_for("demo", "mgr-1", ["manager"], ["lrn-1", "lrn-2"])


def test_minted_token_round_trips_to_the_same_principal() -> None:
    token = mint_token(MANAGER, secret=SECRET)
    assert TokenVerifier(hs256_secret=SECRET).verify(f"Bearer {token}") == MANAGER


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        (None, "missing Authorization"),
        ("Basic abc", "Bearer"),
        ("Bearer not-a-jwt", "invalid token"),
    ],
)
def test_bad_authorization_headers_say_what_is_wrong(header: str | None, fragment: str) -> None:
    with pytest.raises(AuthError, match=fragment) as err:
        TokenVerifier(hs256_secret=SECRET).verify(header)
    assert err.value.code == "UNAUTHENTICATED"


def test_expired_token_is_refused() -> None:
    token = mint_token(MANAGER, secret=SECRET, ttl_s=-10)
    with pytest.raises(AuthError, match="expired"):
        TokenVerifier(hs256_secret=SECRET).verify(f"Bearer {token}")


def test_unknown_role_is_refused() -> None:
    now = int(time.time())
    claims = {
        "sub": "x",
        "tenant": "demo",
        "roles": ["root"],
        "iss": "learnpulse",
        "aud": "learnpulse",
        "exp": now + 60,
    }
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    with pytest.raises(AuthError, match="unknown roles"):
        TokenVerifier(hs256_secret=SECRET).verify(f"Bearer {token}")


def test_rs256_tokens_verify_against_a_jwks_file(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk | {"kid": "k1", "use": "sig", "alg": "RS256"}]}))
    now = int(time.time())
    claims = MANAGER.to_claims() | {"iss": "learnpulse", "aud": "learnpulse", "exp": now + 60}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
    assert TokenVerifier(jwks_file=jwks).verify(f"Bearer {token}") == MANAGER
    hs_token = mint_token(MANAGER, secret=SECRET)
    with pytest.raises(AuthError):  # an HS256 token must not pass an RS256 verifier
        TokenVerifier(jwks_file=jwks).verify(f"Bearer {hs_token}")


def test_principal_header_round_trips_and_detects_tampering() -> None:
    header = sign_principal(MANAGER, SECRET)
    assert verify_principal(header, SECRET) == MANAGER
    _, mac = header.split(".")
    forged = sign_principal(principal_for("demo", "mgr-1", ["hr_admin"]), b"x" * 40).split(".")[0]
    with pytest.raises(AuthError, match="signature"):
        verify_principal(f"{forged}.{mac}", SECRET)
    with pytest.raises(AuthError, match="missing"):
        verify_principal(None, SECRET)


def test_stale_principal_header_is_refused() -> None:
    header = sign_principal(MANAGER, SECRET, now=time.time() - 3600)
    with pytest.raises(AuthError, match="stale"):
        verify_principal(header, SECRET)
