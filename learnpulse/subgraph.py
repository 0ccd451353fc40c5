"""The strawberry schema class every subgraph uses: domain errors get their `extensions.code`."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from learnpulse.errors import ServiceError


class SubgraphSchema(strawberry.federation.Schema):
    """Gives `ServiceError`s their `extensions.code`; only unexpected errors are logged."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = []
        for error in errors:
            original = error.original_error
            if isinstance(original, ServiceError):
                error.extensions = {"code": original.code, **original.details}
            else:
                unexpected.append(error)
        super().process_errors(unexpected, execution_context)
