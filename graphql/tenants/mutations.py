"""tenantCreate and tenantMove: growing and reshaping the tree, with the national code rules checked.

Both need only Permission.WRITE for now; they are bureau-administrator operations and should ask
for ADMIN (a permission of its own in tenants/policy.py) once roles are settled.
"""

from __future__ import annotations

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import id_arg, run_mutation
from runxin.graphql.permissions import can_write
from runxin.graphql.tenants.types import TenantKindEnum, TenantNode
from runxin.platform.tree.models import TenantKind
from runxin.platform.tree.services import create_tenant, get_tenant, move_tenant


@strawberry.input
class TenantCreateInput:
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The Tenant above the new one: a city for a county, a county for a school."
    )
    kind: TenantKindEnum
    code: str = strawberry.field(description="GB/T 2260 division code (6 digits) or MoE school code (10 digits).")
    name: str


@strawberry.input
class TenantMoveInput:
    id: strawberry.ID = strawberry.field(description="The Tenant to move, with its whole subtree.")
    parent_id: strawberry.ID = strawberry.field(description="Its new parent Tenant.")


@strawberry.type
class TenantPayload:
    tenant: TenantNode | None
    user_errors: list[UserError]


@strawberry.type
class TenantMutation:
    @strawberry.mutation(
        permission_classes=[can_write("tenants")],
        description="Add a county under a city or a school under a county; the code is checked against the national "
        "rules and must be unused (userErrors CODE_FORMAT, CODE_CATEGORY, CODE_PROVINCE, CODE_LEVEL, "
        "CODE_PARENT_MISMATCH, CODE_TAKEN, PARENT_KIND).",
    )
    async def tenant_create(self, info: Info, input: TenantCreateInput) -> TenantPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            parent = None
            if input.parent_id is not None:
                parent = await get_tenant(session, id_arg(input.parent_id, "Tenant", "parent_id"), field="parentId")
            kind = TenantKind(input.kind.value)
            return await create_tenant(session, kind=kind, code=input.code, name=input.name, parent=parent)

        tenant, errors = await run_mutation(info, action, TenantNode.from_row)
        return TenantPayload(tenant=tenant, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[can_write("tenants")],
        description="Move a tenant and its subtree under another parent (a school to another county); the old parent "
        "is kept as history.",
    )
    async def tenant_move(self, info: Info, input: TenantMoveInput) -> TenantPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            tenant = await get_tenant(session, id_arg(input.id, "Tenant", "id"), field="id")
            parent = await get_tenant(session, id_arg(input.parent_id, "Tenant", "parent_id"), field="parentId")
            return await move_tenant(session, tenant, parent)

        tenant, errors = await run_mutation(info, action, TenantNode.from_row)
        return TenantPayload(tenant=tenant, user_errors=errors)
