"""Reading staff: Tenant.staff, Tenant.staffCounts and node(id:)."""

from __future__ import annotations

from typing import Any

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Info
from runxin.graphql.loaders import by_id_loader
from runxin.graphql.node import register_node
from runxin.graphql.records import records_of, subtree_counts
from runxin.graphql.staffing.types import StaffCounts, StaffKind, StaffNode
from runxin.platform.staffing.models import Staff


async def staff_of(info: Info, tenant: Any, args: PageArgs, scope: Any, kind: StaffKind | None) -> Connection[StaffNode]:
    context = info.context
    return await records_of(
        info,
        tenant,
        args,
        scope,
        Staff,
        lambda row: StaffNode.from_row(row, context),
        where=None if kind is None else Staff.kind == kind.value,
    )


async def staff_counts_of(info: Info, tenant: Any) -> StaffCounts:
    return StaffCounts.from_counts(await subtree_counts(info, tenant, Staff, Staff.kind, where=Staff.active.is_(True)))


async def _staff_by_id(context: Any, staff_id: Any) -> StaffNode | None:
    return await context.loader(
        "StaffByIdLoader", lambda ctx: by_id_loader(ctx, Staff, lambda row: StaffNode.from_row(row, ctx))
    ).load(staff_id)


register_node("Staff", _staff_by_id, resource="staff")
