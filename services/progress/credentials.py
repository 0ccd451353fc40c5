"""HTTP Basic credentials for xAPI clients: an HR admin creates them per tenant; the store
keeps only a SHA-256 of the secret (a 256-bit random token, so a slow hash adds nothing).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from learnpulse.auth import AuthError, Principal
from services.progress.errors import Forbidden, InvalidArgument
from services.progress.statement_store import Credential
from services.progress.store import ProgressStore

SCOPES = frozenset({"statements/write", "statements/read", "all"})


def _hash(secret: str) -> str:
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


async def create_credential(
    *, store: ProgressStore, principal: Principal, name: str, scopes: list[str]
) -> tuple[Credential, str]:
    """A new credential of the caller's tenant and its secret (shown once, never stored)."""
    if not principal.has("hr_admin"):
        raise Forbidden("only HR admins create xAPI credentials")
    unknown = sorted(set(scopes) - SCOPES)
    if unknown or not scopes:
        raise InvalidArgument("scopes", f"scopes must be among {sorted(SCOPES)}, got {scopes}")
    if not name.strip():
        raise InvalidArgument("name", "name must not be empty")
    credential = Credential(principal.tenant, secrets.token_urlsafe(12), name, tuple(scopes))
    secret = secrets.token_urlsafe(32)
    await store.statements.add_credential(
        credential=credential, secret_hash=_hash(secret), at=datetime.now(UTC)
    )
    return credential, secret


async def authenticate(*, store: ProgressStore, authorization: str | None) -> Credential:
    """The credential an `Authorization: Basic` header proves; `AuthError` otherwise."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        raise AuthError("xAPI needs 'Authorization: Basic <key:secret>'")
    try:
        key, _, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthError("malformed Basic credentials") from None
    found = await store.statements.credential(key=key)
    if found is None or not hmac.compare_digest(found[1], _hash(secret)):
        raise AuthError("unknown xAPI key or wrong secret")
    return found[0]


def allows(credential: Credential, scope: str) -> bool:
    return "all" in credential.scopes or scope in credential.scopes
