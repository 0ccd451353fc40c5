"""Errors a caller can act on, shared by the subgraphs; each carries its `extensions.code`.

Each service derives its own errors from `ServiceError`; `learnpulse.subgraph.SubgraphSchema`
reports any of them with its code and details.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


class InvalidArgument(ServiceError):
    """An argument out of range; `argument` names it."""

    code = "BAD_USER_INPUT"

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message, argument=argument)
