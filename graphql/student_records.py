"""How student-level records (SchoolPrivate) hang off a Tenant: the school's own, and nobody else's.

A bureau, or a client of another tenant, asking a school for them is refused with
STUDENT_DATA_STAYS_AT_SCHOOL rather than shown an empty list: an empty list would read as "no
visits recorded", which is a figure, and figures above the school come from the indicators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, select

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Info
from runxin.graphql.loaders import clause_key, columns, loader_name, nested_connection_loader
from runxin.platform.errors import Invalid

STUDENT_DATA_STAYS_AT_SCHOOL = "STUDENT_DATA_STAYS_AT_SCHOOL"


def require_own_school(info: Info, tenant: Any) -> None:
    """Refuse student-level records of any tenant but the principal's own school."""
    principal = info.context.principal
    if principal is None:
        return
    if tenant.uuid != principal.tenant_id or tenant.kind.value != "SCHOOL":
        raise Invalid(
            "tenant",
            STUDENT_DATA_STAYS_AT_SCHOOL,
            f"Records about individual students stay at their school: only {tenant.name} itself reads them, and only a "
            "school keeps them. Above the school, read the indicators (Tenant.indicators), which count them.",
        )


async def student_records_of(
    info: Info, tenant: Any, args: PageArgs, model: type, node_of: Callable[[Any], Any], *, where: ColumnElement[bool] | None = None
) -> Connection[Any]:
    """A page of the school's own `model` records (ordered by id), after `require_own_school`."""
    require_own_school(info, tenant)

    def statement(ids: Any) -> Any:
        selected = select(*columns(model)).where(model.tenant_id.in_(ids))  # type: ignore[attr-defined]
        return selected if where is None else selected.where(where)

    return await info.context.loader(
        loader_name(model.__name__, "ByOwnSchoolLoader", args, clause_key(where)),
        lambda ctx: nested_connection_loader(
            ctx, statement, key=model.id, partition=model.tenant_id, args=args, node_of=node_of  # type: ignore[attr-defined]
        ),
    ).load(tenant.uuid)
