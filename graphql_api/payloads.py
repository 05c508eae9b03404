"""Mutation results: a union of a success type and typed errors, each error with an ErrorCode.

Expected failures (bad input, a missing object, a forbidden action) are part of a mutation's result
type, so a client's code generator sees them and the client must handle them; top-level ``errors``
are left for problems with the request itself. Every error member implements ``MutationError``, so
one ``... on MutationError { code message }`` selection covers them all.
"""

from __future__ import annotations

from typing import Any

import strawberry

from graphql_api.config_types import ConfigIssue
from graphql_api.errors import ErrorCode

__all__ = [
    "Forbidden",
    "MutationError",
    "NotFound",
    "ValidationFailed",
    "admin_or_forbidden",
    "forbidden_error",
    "not_found",
    "validation_failed",
]


@strawberry.interface(description="What every mutation error has: a code to branch on and a message to show.")
class MutationError:
    code: ErrorCode
    message: str


@strawberry.type(description="The input is invalid (VALIDATION_FAILED) or the object's state forbids the change (CONFLICT).")
class ValidationFailed(MutationError):
    issues: list[ConfigIssue] = strawberry.field(default_factory=list, description="Each problem, for config inputs.")


@strawberry.type(description="The object the input names does not exist (or this key may not see it).")
class NotFound(MutationError):
    pass


@strawberry.type(description="This key may not do this: a viewer key, or a key limited to a source.")
class Forbidden(MutationError):
    pass


def validation_failed(message: str, issues: list[ConfigIssue] | None = None, *, code: ErrorCode = ErrorCode.VALIDATION_FAILED) -> ValidationFailed:
    return ValidationFailed(code=code, message=message, issues=issues or [])


def not_found(message: str) -> NotFound:
    return NotFound(code=ErrorCode.NOT_FOUND, message=message)


def forbidden_error(message: str) -> Forbidden:
    return Forbidden(code=ErrorCode.FORBIDDEN, message=message)


def admin_or_forbidden(
    info: strawberry.Info[Any, Any], action: str, *, all_sources: bool = False, source: str | None = None
) -> Forbidden | None:
    """Forbidden unless the key is an admin. An ``all_sources`` action also needs a key limited to no
    source; an action on one ``source`` needs a key limited to none or to that source."""
    principal = info.context.viewer()
    if not principal.is_admin:
        return forbidden_error(f"{action} needs an admin key; this key is a {principal.role}")
    if all_sources and principal.source is not None:
        return forbidden_error(f"{action} affects every source; this key is limited to {principal.source}")
    if source is not None and principal.source is not None and principal.source != source:
        return forbidden_error(f"{action}: this key is limited to source {principal.source!r}, not {source!r}")
    return None
