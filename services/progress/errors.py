"""Errors a caller can act on; the schema reports each with its `extensions.code`."""

from __future__ import annotations

from learnpulse.errors import InvalidArgument as InvalidArgument  # re-exported for use cases
from learnpulse.errors import ServiceError


class ProgressError(ServiceError):
    """Base of the progress service's own errors."""


class Forbidden(ProgressError):
    code = "FORBIDDEN"


class NotFound(ProgressError):
    code = "NOT_FOUND"


class Conflict(ProgressError):
    """A write that contradicts what is stored; `field` names where."""

    code = "CONFLICT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
