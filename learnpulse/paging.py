"""Relay-style paging rules shared by the subgraphs: page sizes and opaque cursors over ids."""

from __future__ import annotations

import base64
import binascii

from learnpulse.errors import InvalidArgument

MAX_PAGE = 100


def check_range(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidArgument(name, f"`{name}` must be between {low} and {high}, got {value}")
    return value


def check_first(first: int) -> int:
    return check_range("first", first, 1, MAX_PAGE)


def encode_cursor(item_id: str) -> str:
    return base64.urlsafe_b64encode(f"id:{item_id}".encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    """The id a cursor points after; cursors are opaque to callers."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith("id:"):
        raise InvalidArgument("after", "`after` is not a cursor returned by this API")
    return raw[3:]
