"""Errors a caller can act on; the schema reports each with its `extensions.code`."""

from __future__ import annotations

from typing import Any


class ProgressError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


class InvalidArgument(ProgressError):
    """An argument out of range; `argument` names it."""

    code = "BAD_USER_INPUT"

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message, argument=argument)


class Forbidden(ProgressError):
    code = "FORBIDDEN"


class NotFound(ProgressError):
    code = "NOT_FOUND"


class Conflict(ProgressError):
    """A write that contradicts what is stored; `field` names where."""

    code = "CONFLICT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
