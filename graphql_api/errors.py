"""Errors a client can act on, one enum of codes for all of them, and the rule that hides the rest.

A GraphQL client branches on ``extensions.code``, never on the message text, so every error that
leaves the server carries a code from :class:`ErrorCode` — the enum is part of the schema, so the
codes are documented and typed for code generators. Errors from parsing and validating the client's
document get theirs here too (``GRAPHQL_PARSE_FAILED``, ``QUERY_TOO_DEEP``, ...). Anything else that
escapes a resolver (a database failure, a bug) may hold SQL, paths or customer data, so it reaches
the client only as "Unexpected error." with ``INTERNAL_SERVER_ERROR``; the details stay in the log.
"""

from __future__ import annotations

from enum import Enum

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors

__all__ = [
    "BAD_USER_INPUT",
    "INTERNAL_SERVER_ERROR",
    "ApiError",
    "ErrorCode",
    "MaskUnexpectedErrors",
    "bad_user_input",
    "code_of",
    "forbidden",
    "should_mask_error",
    "unauthenticated",
]


@strawberry.enum(description="Machine-readable error codes, in `errors[].extensions.code` and on mutation errors.")
class ErrorCode(Enum):
    UNAUTHENTICATED = strawberry.enum_value(
        "UNAUTHENTICATED", description="No API key, or one that is malformed, unknown or revoked (HTTP 401)."
    )
    FORBIDDEN = strawberry.enum_value(
        "FORBIDDEN", description="The key's role or source does not allow this (e.g. a viewer running a mutation)."
    )
    BAD_USER_INPUT = strawberry.enum_value(
        "BAD_USER_INPUT", description="An argument is wrong; the message names it (`customers(first:): ...`)."
    )
    NOT_FOUND = strawberry.enum_value("NOT_FOUND", description="The object a mutation names does not exist.")
    VALIDATION_FAILED = strawberry.enum_value(
        "VALIDATION_FAILED", description="A mutation's input is invalid; `issues` lists each problem."
    )
    CONFLICT = strawberry.enum_value(
        "CONFLICT", description="The object's state does not allow the change (e.g. acknowledging a resolved alert)."
    )
    QUERY_TOO_DEEP = strawberry.enum_value("QUERY_TOO_DEEP", description="The document nests too deeply.")
    TOO_MANY_ALIASES = strawberry.enum_value("TOO_MANY_ALIASES", description="The document uses too many aliases.")
    TOO_MANY_TOKENS = strawberry.enum_value("TOO_MANY_TOKENS", description="The document is too long.")
    TOO_MANY_NODES = strawberry.enum_value(
        "TOO_MANY_NODES", description="The product of nested `first`/`last` values could return too many objects."
    )
    INTROSPECTION_DISABLED = strawberry.enum_value(
        "INTROSPECTION_DISABLED", description="Introspection is off in production; use the published schema.graphql."
    )
    GRAPHQL_PARSE_FAILED = strawberry.enum_value("GRAPHQL_PARSE_FAILED", description="The document is not valid GraphQL syntax.")
    GRAPHQL_VALIDATION_FAILED = strawberry.enum_value(
        "GRAPHQL_VALIDATION_FAILED", description="The document does not match the schema (unknown field, wrong type...)."
    )
    INTERNAL_SERVER_ERROR = strawberry.enum_value(
        "INTERNAL_SERVER_ERROR", description="Something unexpected; the message is always `Unexpected error.`."
    )


BAD_USER_INPUT = ErrorCode.BAD_USER_INPUT.value
INTERNAL_SERVER_ERROR = ErrorCode.INTERNAL_SERVER_ERROR.value


class ApiError(GraphQLError):
    """A deliberate, client-facing error: its message and ``code`` are safe to show."""

    def __init__(self, message: str, *, code: str | ErrorCode) -> None:
        value = code.value if isinstance(code, ErrorCode) else code
        super().__init__(message, extensions={"code": value})
        self.code = value


def bad_user_input(where: str, problem: str) -> ApiError:
    """An argument the client got wrong; ``where`` names it, e.g. ``customers(first:)``."""
    return ApiError(f"{where}: {problem}", code=BAD_USER_INPUT)


def forbidden(message: str) -> ApiError:
    return ApiError(message, code=ErrorCode.FORBIDDEN)


def unauthenticated(message: str) -> ApiError:
    return ApiError(message, code=ErrorCode.UNAUTHENTICATED)


def should_mask_error(error: GraphQLError) -> bool:
    """Mask errors raised by our code unless they are deliberate.

    Errors without an original exception come from parsing and validating the client's own
    document (syntax, unknown fields, the limits); those are about the client's input and must stay
    readable. GraphQL errors (ours, and graphql-core's coercion errors) are written for clients.
    Every other exception is unexpected and is masked.
    """
    original = error.original_error
    if original is None:
        return False
    return not isinstance(original, GraphQLError)


def code_of(error: GraphQLError) -> str:
    """The code an error without one gets: which stage of handling the document refused it."""
    if isinstance(error, GraphQLSyntaxError) or (error.message or "").startswith("Syntax Error"):
        if "tokens" in error.message:
            return ErrorCode.TOO_MANY_TOKENS.value
        return ErrorCode.GRAPHQL_PARSE_FAILED.value
    if error.original_error is None and error.path is None:
        return ErrorCode.GRAPHQL_VALIDATION_FAILED.value
    return BAD_USER_INPUT  # graphql-core's coercion of arguments and variables


class MaskUnexpectedErrors(MaskErrors):
    """``MaskErrors`` with our rule, and a code on every error so clients can always branch on it."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask_error)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": INTERNAL_SERVER_ERROR}
        return masked

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            if not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": code_of(error)}
        return processed
