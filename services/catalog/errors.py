"""Errors a caller can act on; the schema reports each with its `extensions.code`."""

from __future__ import annotations

from typing import Any

from learnpulse.errors import InvalidArgument as InvalidArgument  # re-exported for use cases
from learnpulse.errors import ServiceError


class CatalogError(ServiceError):
    """Base of the catalog service's own errors."""


class InvalidInput(CatalogError):
    """An input field the caller must fix; `field` is its path, `problems` lists every one."""

    code = "BAD_USER_INPUT"

    def __init__(
        self, field: str, message: str, *, unit_id: str | None = None, problems: Any = None
    ) -> None:
        details: dict[str, Any] = {"field": field}
        if unit_id is not None:
            details["unitId"] = unit_id
        if problems is not None:
            details["problems"] = problems
        super().__init__(message, **details)


class Forbidden(CatalogError):
    code = "FORBIDDEN"


class NotFound(CatalogError):
    """Nothing with that id in the caller's tenant; `field` names the argument."""

    code = "NOT_FOUND"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
