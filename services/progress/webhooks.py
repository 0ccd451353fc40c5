"""Signed webhooks: how a notification is posted to a tenant's endpoint, and how the receiver
checks it came from us.

Each POST carries the JSON notification and these headers:

- `Idempotency-Key`: the notification id. A retry after a lost answer repeats it, so a
  receiver that remembers the keys it has handled shows each notification once.
- `X-LearnPulse-Timestamp`: seconds since the epoch when the request was signed.
- `X-LearnPulse-Signature`: `v1=` + hex HMAC-SHA256, keyed by the tenant's webhook secret,
  of `<timestamp>.<raw body bytes>`.

To verify (what `verify` does): recompute the HMAC over the timestamp header, a dot and the
raw body, compare in constant time, and refuse timestamps more than 5 minutes from now.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from services.progress.notices import Notification

SIGNATURE_HEADER = "X-LearnPulse-Signature"
TIMESTAMP_HEADER = "X-LearnPulse-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TOLERANCE_S = 300
# Answers worth retrying; any other 4xx means the receiver refuses this notification for good.
RETRYABLE = frozenset({408, 409, 425, 429})


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(
    *, secret: str, timestamp: str, signature_header: str, body: bytes, now: datetime
) -> bool:
    """True when the request was signed with `secret` within TOLERANCE_S of `now`."""
    try:
        age = abs(now.timestamp() - int(timestamp))
    except ValueError:
        return False
    expected = signature(secret, timestamp, body)
    return age <= TOLERANCE_S and hmac.compare_digest(expected, signature_header)


def payload(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "tenant": n.tenant_id,
        "kind": n.kind,
        "recipient": {"id": n.recipient_id, "role": n.recipient_role},
        "learnerId": n.learner_id,
        "subject": n.subject,
        "body": n.body,
        "data": n.data,
        "createdAt": n.created_at.isoformat(),
        "deliverAfter": n.deliver_after.isoformat(),
    }


@dataclass(frozen=True)
class Attempt:
    ok: bool
    retryable: bool
    error: str | None = None


async def post(
    client: httpx.AsyncClient, *, url: str, secret: str, notice: Notification, now: datetime
) -> Attempt:
    """POST one notification; never raises for the target's failures."""
    body = json.dumps(payload(notice), separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        IDEMPOTENCY_HEADER: notice.id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return Attempt(False, True, f"{type(exc).__name__}: {exc}")
    if response.is_success:
        return Attempt(True, False)
    code = response.status_code
    retryable = code >= 500 or code in RETRYABLE
    return Attempt(False, retryable, f"HTTP {code}: {response.text[:200]}")
