"""Tenant fields that list one domain's records, made by one factory.

Every such field takes the same paging arguments and scope and hands them to its domain's
`<records>_of(info, tenant, page, scope)`; writing that signature six times would be six chances
to drift. (No `from __future__ import annotations` here: the factory's annotations must be real
objects, since `node` is only known when the field is made.)
"""

from collections.abc import Awaitable, Callable
from typing import Any, Optional

import strawberry

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Info
from runxin.graphql.permissions import can_read
from runxin.graphql.records import RecordScope

Fetch = Callable[[Info, Any, PageArgs, RecordScope], Awaitable[Connection[Any]]]


def records_field(node: type, fetch: Fetch, resource: str, description: str) -> Any:
    """A paged list of `node` records of the tenant (scope OWN) or of its whole subtree (SUBTREE);
    API clients need `<resource>:read`."""

    async def resolve(
        self: Any,
        info: Info,
        first: Optional[int] = None,  # noqa: UP045 - evaluated at run time by Strawberry
        after: Optional[str] = None,  # noqa: UP045
        last: Optional[int] = None,  # noqa: UP045
        before: Optional[str] = None,  # noqa: UP045
        scope: RecordScope = RecordScope.OWN,
    ) -> Connection[node]:  # type: ignore[valid-type]
        return await fetch(info, self, PageArgs(first, after, last, before).check(), scope)

    return strawberry.field(resolver=resolve, description=description, permission_classes=[can_read(resource)])
