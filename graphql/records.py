"""How any domain's records hang off a Tenant: `tenant.<records>(first:, after:, scope:)`.

One mechanism for every domain: the records of many tenants come in one statement, either the
tenants' own (partitioned by tenant_id) or their whole subtrees (partitioned by the owner's path
prefix at the asking tenant's depth, which is fixed-width).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, or_, select

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Info
from runxin.graphql.loaders import columns, loader_name, nested_connection_loader
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.paths import prefix_length, upper_bound


async def records_of(
    info: Info, tenant: Any, args: PageArgs, scope: Any, model: type, node_of: Callable[[Any], Any]
) -> Connection[Any]:
    """A page of `model` records of `tenant` (a TenantNode), its own or its subtree's."""
    context = info.context
    name = model.__name__
    if scope.value == "OWN":
        return await context.loader(
            loader_name(name, "ByTenantLoader", args),
            lambda ctx: nested_connection_loader(
                ctx,
                lambda ids: select(*columns(model)).where(model.tenant_id.in_(ids)),  # type: ignore[attr-defined]
                key=model.id,  # type: ignore[attr-defined]
                partition=model.tenant_id,  # type: ignore[attr-defined]
                args=args,
                node_of=node_of,
            ),
        ).load(tenant.uuid)

    length = prefix_length(tenant.depth)
    scope_prefix = func.substr(Tenant.path, 1, length).label("_scope")

    def base(paths: Any) -> Any:
        ranges = [Tenant.path.between(p, upper_bound(p)) for p in paths]
        return (
            select(*columns(model), scope_prefix)
            .join(Tenant, Tenant.id == model.tenant_id)  # type: ignore[attr-defined]
            .where(or_(*ranges))
        )

    return await context.loader(
        loader_name(name, "BySubtreeLoader", args, tenant.depth),
        lambda ctx: nested_connection_loader(ctx, base, key=model.id, partition=scope_prefix, args=args, node_of=node_of),  # type: ignore[attr-defined]
    ).load(tenant.path)
