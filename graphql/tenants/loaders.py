"""DataLoaders for tenants: by id, children pages."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Context
from runxin.graphql.loaders import by_id_loader, columns, loader_name, nested_connection_loader
from runxin.graphql.tenants.prefetch import staff_count_columns
from runxin.platform.tree.models import Tenant


def node_of(row: Any) -> Any:
    from runxin.graphql.tenants.types import TenantNode

    return TenantNode.from_row(row)


def tenant_by_id(context: Context) -> DataLoader[uuid.UUID, Any]:
    return context.loader("TenantByIdLoader", lambda ctx: by_id_loader(ctx, Tenant, node_of))


def tenant_columns(with_staff_counts: bool) -> list[Any]:
    """A tenant row's columns, with its subtree's staff counts when the query asks for them."""
    return [*columns(Tenant), *(staff_count_columns() if with_staff_counts else ())]


def children_by_parent(
    context: Context, args: PageArgs, kind: str | None, with_staff_counts: bool
) -> DataLoader[uuid.UUID, Connection[Any]]:
    def base(parent_ids: Any) -> Any:
        statement = select(*tenant_columns(with_staff_counts)).where(Tenant.parent_id.in_(parent_ids))
        return statement.where(Tenant.kind == kind) if kind else statement

    return context.loader(
        loader_name("ChildrenByParentLoader", args, kind, with_staff_counts),
        lambda ctx: nested_connection_loader(ctx, base, key=Tenant.code, partition=Tenant.parent_id, args=args, node_of=node_of),
    )
