"""Root fields for the tree: viewer, node, nodes, tenant(code:), tenants(...)."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select

from runxin.graphql.connections import Connection, PageArgs, make_connection, page_statement
from runxin.graphql.context import Info
from runxin.graphql.ids import decode_id
from runxin.graphql.loaders import columns
from runxin.graphql.node import Node, node_loader, register_node
from runxin.graphql.permissions import CanRead
from runxin.graphql.tenants import loaders
from runxin.graphql.tenants.prefetch import wants
from runxin.graphql.tenants.types import TenantKindEnum, TenantNode
from runxin.platform.errors import Invalid
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.paths import upper_bound
from runxin.tenants.policy import Permission, allows


@strawberry.type(description="Who is asking: the signed-in user or API client.")
class Viewer:
    subject: str
    roles: list[str]
    scopes: list[str]
    tenant_uuid: strawberry.Private[Any]

    @strawberry.field(description="The tenant the viewer acts for.")
    async def tenant(self, info: Info) -> TenantNode | None:
        return await loaders.tenant_by_id(info.context).load(self.tenant_uuid)


async def _load_node(info: Info, global_id: str) -> Node | None:
    type_name, value = decode_id(global_id)
    registered = node_loader(type_name)
    if registered is None:
        return None
    loader, resource = registered
    # A client without the type's read scope learns nothing, not even that the id exists.
    principal = info.context.principal
    if not allows(principal, Permission.READ, resource):  # type: ignore[arg-type]
        return None
    node = await loader(info.context, value)
    # A descendant's record of a class the city shows only as figures is not shown by id either.
    owner = getattr(node, "tenant_uuid", None)
    if owner is not None and owner != principal.tenant_id and not principal.disclosure.shows_detail(resource):  # type: ignore[union-attr]
        return None
    return node


async def _tenant_node(context: Any, tenant_id: Any) -> TenantNode | None:
    return await loaders.tenant_by_id(context).load(tenant_id)


register_node("Tenant", _tenant_node, resource="tenants")


@strawberry.type
class TenantQuery:
    @strawberry.field(description="The signed-in principal; null without a token.")
    def viewer(self, info: Info) -> Viewer | None:
        principal = info.context.principal
        if principal is None:
            return None
        return Viewer(
            subject=principal.subject,
            roles=sorted(principal.roles),
            scopes=sorted(principal.scopes),
            tenant_uuid=principal.tenant_id,
        )

    @strawberry.field(permission_classes=[CanRead], description="Any object by its global id, if you may see it.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await _load_node(info, id)

    @strawberry.field(permission_classes=[CanRead], description="Objects by global id (at most 100), null where unseen.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > 100:
            raise Invalid("ids", "TOO_MANY", f"{len(ids)} ids asked for; ask for 100 at most per call.")
        return [await _load_node(info, i) for i in ids]

    @strawberry.field(permission_classes=[CanRead], description="A tenant by its division or school code.")
    async def tenant(self, info: Info, code: str) -> TenantNode | None:
        rows = await info.context.db.rows(select(*columns(Tenant)).where(Tenant.code == code.strip()))
        return TenantNode.from_row(rows[0]) if rows else None

    @strawberry.field(
        permission_classes=[CanRead],
        description="Tenants under a tenant (default: your own), at any depth, ordered by code.",
    )
    async def tenants(
        self,
        info: Info,
        under: str | None = None,
        kind: TenantKindEnum | None = None,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[TenantNode]:
        args = PageArgs(first, after, last, before).check()
        if search is not None and len(search) > 50:
            raise Invalid("search", "TOO_LONG", "search is at most 50 characters.")
        root_path = info.context.principal.tenant_path  # type: ignore[union-attr]
        if under is not None:
            rows = await info.context.db.rows(select(Tenant.path).where(Tenant.code == under.strip()))
            if not rows:
                raise Invalid("under", "NOT_FOUND", f"No tenant {under!r} in your part of the tree.")
            root_path = rows[0].path
        statement = select(*loaders.tenant_columns(wants(info, "staffCounts"))).where(
            Tenant.path > root_path, Tenant.path < upper_bound(root_path)
        )
        if kind is not None:
            statement = statement.where(Tenant.kind == kind.value)
        if search:
            pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            statement = statement.where(Tenant.name.like(pattern, escape="\\"))
        rows = await info.context.db.rows(page_statement(statement, Tenant.code, args))
        return make_connection(rows, args, key_of=lambda row: row.code, node_of=TenantNode.from_row)
