"""`TenantRecord`: the interface of every record owned by a tenant (it knows its tenant)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.node import Node

if TYPE_CHECKING:
    from runxin.graphql.tenants.types import TenantNode


@strawberry.interface(description="A record that belongs to one tenant of the tree.")
class TenantRecord(Node):
    tenant_uuid: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The tenant that owns this record.")
    async def tenant(self, info: Info) -> Annotated["TenantNode", strawberry.lazy("runxin.graphql.tenants.types")]:
        from runxin.graphql.tenants.loaders import tenant_by_id

        return await tenant_by_id(info.context).load(self.tenant_uuid)


def record_fields(row: Any) -> dict[str, Any]:
    """The identity fields every TenantRecord is built with."""
    return {"uuid": row.id, "tenant_uuid": row.tenant_id}
