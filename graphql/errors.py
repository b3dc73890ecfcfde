"""Expected failures as schema data (userErrors), unexpected ones masked."""

from __future__ import annotations

import logging

import strawberry

from graphql import GraphQLError
from runxin.platform.errors import InvalidMany, RunxinError

log = logging.getLogger("runxin.graphql")


@strawberry.type(description="A problem with the input that the caller can fix.")
class UserError:
    field: list[str] | None = strawberry.field(description="Path to the input field, e.g. [\"input\", \"areaM2\"].")
    code: str
    message: str


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def user_errors(exc: RunxinError) -> list[UserError]:
    """Turn a domain error into userErrors with camelCase input paths."""
    errors = exc.errors if isinstance(exc, InvalidMany) else [exc]
    return [
        UserError(field=["input", camel(e.field)] if e.field else None, code=e.code, message=e.message) for e in errors
    ]


def is_unexpected(error: GraphQLError) -> bool:
    """Neither a document error (syntax, validation) nor an expected domain error."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError) and error.path is None:
        # Syntax and validation errors say what is wrong with the document; variables that do not
        # coerce carry graphql-core's own error ("String cannot represent ...") as their cause. (With
        # a path, a GraphQLError cause is a field's own failure, e.g. a value that does not serialize.)
        return False
    return not isinstance(original, RunxinError)


def should_mask(error: GraphQLError) -> bool:
    """Mask everything that is not an expected error or a GraphQL validation error."""
    return is_unexpected(error)


def error_extensions(error: GraphQLError) -> dict[str, object]:
    """The `extensions` of a response error: a stable code clients can branch on."""
    original = error.original_error
    if isinstance(original, RunxinError):
        return {"code": original.code, **({"field": original.field} if original.field else {})}
    if (original is None or isinstance(original, GraphQLError)) and error.path is None:
        return {"code": "GRAPHQL_VALIDATION_FAILED" if error.locations else "BAD_REQUEST"}
    # An execution error with no domain cause: masked by MaskErrors before it gets here.
    return {"code": "INTERNAL_SERVER_ERROR"}
