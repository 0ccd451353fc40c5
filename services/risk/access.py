"""Who is calling the risk service, from gRPC metadata: a partner's `x-api-key`, or the
signed internal principal a LearnPulse service forwards; either way, one tenant."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from learnpulse.auth import PRINCIPAL_HEADER, AuthError, verify_principal

API_KEY_HEADER = "x-api-key"


@dataclass(frozen=True)
class Caller:
    tenant: str
    subject: str  # "partner:<tenant>" for API keys, the principal's subject otherwise
    via: str  # "api-key" or "principal", for logs


class Gatekeeper:
    """Turns call metadata into a `Caller`, or raises `AuthError` (→ UNAUTHENTICATED)."""

    def __init__(self, *, api_keys: dict[str, str], internal_key: bytes) -> None:
        self._api_keys = [(key.encode(), tenant) for key, tenant in api_keys.items()]
        self._internal_key = internal_key

    def identify(self, metadata: Iterable[tuple[str, str | bytes]] | None) -> Caller:
        headers = {k.lower(): v for k, v in metadata or () if isinstance(v, str)}
        api_key, principal = headers.get(API_KEY_HEADER), headers.get(PRINCIPAL_HEADER)
        if api_key and principal:
            # Two identities in one call is ambiguous; refusing it keeps the tenant rule simple.
            raise AuthError(f"send either {API_KEY_HEADER} or {PRINCIPAL_HEADER}, not both")
        if api_key:
            return Caller(tenant := self._tenant_for(api_key), f"partner:{tenant}", "api-key")
        if principal:
            who = verify_principal(principal, self._internal_key)
            return Caller(who.tenant, who.subject, "principal")
        raise AuthError(
            f"missing credentials: partners send {API_KEY_HEADER}, "
            f"LearnPulse services forward {PRINCIPAL_HEADER}"
        )

    def _tenant_for(self, api_key: str) -> str:
        given = api_key.encode()
        found = None
        for key, tenant in self._api_keys:  # compare every key, in constant time each
            if hmac.compare_digest(key, given):
                found = tenant
        if found is None:
            raise AuthError(f"unknown {API_KEY_HEADER}")
        return found
