"""The one way every mutation runs: map input, call a service in a transaction, map the result.

Expected domain errors become `userErrors` and the transaction is rolled back, so nothing is
half-written; anything else propagates and is masked.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError, user_errors
from runxin.graphql.ids import decode_id
from runxin.platform.db.conflicts import lost_race
from runxin.platform.errors import Conflict, RunxinError

R = TypeVar("R")
N = TypeVar("N")


def input_values(data: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields the client actually set (UNSET ones are left out, so defaults and old values stay)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(data):
        value = getattr(data, f.name)
        if f.name in exclude or value is strawberry.UNSET:
            continue
        values[f.name] = value.value if hasattr(value, "value") and not isinstance(value, (str, int, float)) else value
    return values


async def run_mutation(
    info: Info,
    action: Callable[[AsyncSession], Awaitable[R]],
    to_node: Callable[[R], N],
) -> tuple[N | None, list[UserError]]:
    """Run `action` in one transaction; return (node, []) or (None, userErrors). The audit log
    learns what was written, or that the caller was told to fix the input."""
    audit = info.context.audit
    try:
        async with info.context.db.write() as session:
            result = await action(session)
            node = to_node(result)
        audit.note_write(info.field_name, *_written(result, node))
        return node, []
    except RunxinError as exc:
        audit.user_errors = True
        return None, user_errors(exc)
    except DBAPIError as exc:
        if not lost_race(exc):
            raise
        audit.user_errors = True
        busy = Conflict("Another change to the same records was being saved at the same moment; send this one again.", code="CONCURRENT_WRITE")
        return None, user_errors(busy)


def _written(result: Any, node: Any) -> tuple[str | None, list[uuid.UUID]]:
    """The type and ids of what a mutation wrote: the node's, else the stored row's (per-period counts)."""
    if isinstance(getattr(node, "uuid", None), uuid.UUID):
        return node.__strawberry_definition__.name, [node.uuid]
    if isinstance(getattr(result, "id", None), uuid.UUID):
        return type(result).__name__, [result.id]
    return None, []


def creating(input: Any, create: Callable[..., Awaitable[R]]) -> Callable[[AsyncSession], Awaitable[R]]:
    """The action of a `<thing>Create` mutation: the service gets the input's tenant and set fields."""

    async def action(session: AsyncSession) -> R:
        tenant_id = id_arg(input.tenant_id, "Tenant", "tenant_id")
        return await create(session, tenant_id=tenant_id, values=input_values(input, exclude=("tenant_id",)))

    return action


def updating(input: Any, type_name: str, update: Callable[..., Awaitable[R]]) -> Callable[[AsyncSession], Awaitable[R]]:
    """The action of a `<thing>Update` mutation: only the fields the client set change."""

    async def action(session: AsyncSession) -> R:
        return await update(session, id_arg(input.id, type_name, "id"), input_values(input, exclude=("id",)))

    return action


def id_arg(global_id: str, type_name: str | tuple[str, ...], field: str) -> Any:
    """Decode an id argument; bad ids raise Invalid, reported as userErrors by run_mutation."""
    return decode_id(global_id, expected=type_name, field=field)[1]
