"""Identity: who is calling, verified once at the edge and forwarded between services.

The gateway verifies a caller's JWT (HS256 with a dev secret, or RS256 against a JWKS
file) and forwards the resulting `Principal` to subgraphs in a signed internal header
(`x-learnpulse-principal`: base64url JSON + HMAC-SHA256, valid for a minute). Subgraphs
refuse requests without a valid one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

ROLES = frozenset({"learner", "manager", "hr_admin", "author", "data_scientist", "partner"})
PRINCIPAL_HEADER = "x-learnpulse-principal"
ISSUER = "learnpulse"
AUDIENCE = "learnpulse"


class AuthError(Exception):
    """A request that cannot be attributed to a principal; `code` is the GraphQL code."""

    def __init__(self, message: str, code: str = "UNAUTHENTICATED") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Principal:
    tenant: str
    subject: str
    roles: frozenset[str]
    reports: frozenset[str] = field(default_factory=frozenset)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def to_claims(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "sub": self.subject,
            "roles": sorted(self.roles),
            "reports": sorted(self.reports),
        }

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        tenant, subject = claims.get("tenant"), claims.get("sub")
        if not isinstance(tenant, str) or not tenant:
            raise AuthError("token has no 'tenant' claim")
        if not isinstance(subject, str) or not subject:
            raise AuthError("token has no 'sub' claim")
        roles = _str_set(claims.get("roles"), "roles")
        unknown = roles - ROLES
        if unknown:
            raise AuthError(f"token names unknown roles: {sorted(unknown)}")
        return cls(tenant, subject, roles, _str_set(claims.get("reports", []), "reports"))


def _str_set(value: object, name: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AuthError(f"token claim '{name}' must be a list of strings")
    return frozenset(value)


def mint_token(principal: Principal, *, secret: bytes, ttl_s: int = 8 * 3600) -> str:
    """A dev HS256 token for `principal` (what `learnpulse token` prints)."""
    now = int(time.time())
    claims = principal.to_claims() | {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


class TokenVerifier:
    """Verifies bearer tokens: RS256 against a JWKS file when given, else HS256."""

    def __init__(self, *, hs256_secret: bytes | None = None, jwks_file: Path | None = None) -> None:
        if hs256_secret is None and jwks_file is None:
            raise ValueError("TokenVerifier needs an HS256 secret or a JWKS file")
        self._secret = hs256_secret
        self._jwks = jwt.PyJWKSet.from_json(jwks_file.read_text()) if jwks_file else None

    def verify(self, authorization: str | None) -> Principal:
        if not authorization:
            raise AuthError("missing Authorization header (expected 'Bearer <token>')")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("Authorization header must be 'Bearer <token>'")
        try:
            claims = jwt.decode(
                token.strip(),
                self._key_for(token.strip()),
                algorithms=[self._algorithm],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token expired") from exc
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {exc}") from exc
        return Principal.from_claims(claims)

    @property
    def _algorithm(self) -> str:
        return "RS256" if self._jwks is not None else "HS256"

    def _key_for(self, token: str) -> Any:
        if self._jwks is None:
            return self._secret
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {exc}") from exc
        for key in self._jwks.keys:
            if kid is None or key.key_id == kid:
                return key.key
        raise AuthError(f"no key with kid {kid!r} in the configured JWKS")


def sign_principal(principal: Principal, key: bytes, *, now: float | None = None) -> str:
    """The internal header value that forwards `principal` to a subgraph."""
    body = principal.to_claims() | {"iat": int(now if now is not None else time.time())}
    payload = base64.urlsafe_b64encode(json.dumps(body, sort_keys=True).encode()).rstrip(b"=")
    mac = hmac.new(key, payload, hashlib.sha256).digest()
    return f"{payload.decode()}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def verify_principal(value: str | None, key: bytes, *, max_age_s: int = 60) -> Principal:
    """Check the internal header's signature and age; raise `AuthError` otherwise."""
    if not value:
        raise AuthError(
            f"missing {PRINCIPAL_HEADER} header: requests must come through the gateway"
        )
    payload, _, mac = value.partition(".")
    expected = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    try:
        given = base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, json.JSONDecodeError) as exc:
        raise AuthError("malformed principal header") from exc
    if not hmac.compare_digest(expected, given):
        raise AuthError("principal header signature does not verify")
    if abs(time.time() - int(body.get("iat", 0))) > max_age_s:
        raise AuthError("principal header is stale")
    return Principal.from_claims(body)


def principal_for(
    tenant: str, subject: str, roles: Iterable[str], reports: Iterable[str] = ()
) -> Principal:
    return Principal(tenant, subject, frozenset(roles), frozenset(reports))
