"""targetCreate and targetUpdate. The setter is always the caller's own tenant."""

from __future__ import annotations

import dataclasses

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import id_arg, input_values, run_mutation
from runxin.graphql.permissions import can_write
from runxin.graphql.targets.inputs import TargetCreateInput, TargetUpdateInput
from runxin.graphql.targets.types import TargetNode
from runxin.platform.targets.services import create_target, update_target

# The services name the target's tenant and setter by column; the input names them differently,
# and the setter is no input at all (it is the caller), so its errors point at no field.
_FIELDS = {"tenantId": "scopeTenantId", "setById": None}


def _on_input(errors: list[UserError]) -> list[UserError]:
    renamed = []
    for error in errors:
        if error.field and len(error.field) == 2 and error.field[1] in _FIELDS:
            field = _FIELDS[error.field[1]]
            error = dataclasses.replace(error, field=None if field is None else ["input", field])
        renamed.append(error)
    return renamed


@strawberry.type
class TargetPayload:
    target: TargetNode | None
    user_errors: list[UserError]


@strawberry.type
class TargetMutation:
    @strawberry.mutation(permission_classes=[can_write("targets")], description="Set a target for your tenant's subtree or a part of it.")
    async def target_create(self, info: Info, input: TargetCreateInput) -> TargetPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await create_target(
                session,
                setter_tenant_id=info.context.principal.tenant_id,  # type: ignore[union-attr]
                scope_tenant_id=id_arg(input.scope_tenant_id, "Tenant", "scope_tenant_id"),
                values=input_values(input, exclude=("scope_tenant_id",)),
            )

        target, errors = await run_mutation(info, action, TargetNode.from_row)
        return TargetPayload(target=target, user_errors=_on_input(errors))

    @strawberry.mutation(
        permission_classes=[can_write("targets")],
        description="Change a target; only the fields given change, and only its setter or a bureau above it may.",
    )
    async def target_update(self, info: Info, input: TargetUpdateInput) -> TargetPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await update_target(
                session,
                id_arg(input.id, "Target", "id"),
                input_values(input, exclude=("id",)),
                editor_tenant_id=info.context.principal.tenant_id,  # type: ignore[union-attr]
            )

        target, errors = await run_mutation(info, action, TargetNode.from_row)
        return TargetPayload(target=target, user_errors=_on_input(errors))
