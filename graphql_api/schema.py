"""The schema, with the guards every request runs through.

Two schema objects share one set of types: ``schema`` (introspection on: GraphiQL, the SDL export)
and the production one, which refuses introspection with ``INTROSPECTION_DISABLED``. Extensions
are passed as classes or factories so each request gets fresh instances (instances are deprecated
in strawberry and would share state between concurrent requests).
"""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from graphql_api.config_mutations import ConfigMutations
from graphql_api.errors import ErrorCode, MaskUnexpectedErrors, should_mask_error
from graphql_api.limits import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_NODES,
    MAX_TOKENS,
    guard_extensions,
)
from graphql_api.mutation import AlertMutations, JobMutations
from graphql_api.payloads import Forbidden, NotFound, ValidationFailed
from graphql_api.query import Query
from graphql_api.subscription import Subscription

__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_NODES", "MAX_TOKENS", "ApiSchema", "build_schema", "production_schema", "schema"]

Mutation = merge_types("Mutation", (JobMutations, AlertMutations, ConfigMutations))


class ApiSchema(strawberry.Schema):
    """Logs only unexpected errors (with their traceback), not every bad argument a client sends.

    Strawberry calls this before ``MaskErrors`` rewrites the errors, so the log keeps the detail
    the client does not get.
    """

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            if should_mask_error(error):
                StrawberryLogger.error(error, execution_context)


def build_schema(*, introspection: bool) -> ApiSchema:
    return ApiSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[ErrorCode, ValidationFailed, NotFound, Forbidden],  # type: ignore[list-item]
        extensions=[*guard_extensions(introspection=introspection), MaskUnexpectedErrors],
    )


schema = build_schema(introspection=True)
production_schema = build_schema(introspection=False)
