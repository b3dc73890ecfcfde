"""staffCreate and staffUpdate."""

from __future__ import annotations

from typing import Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import id_arg, input_values, run_mutation
from runxin.graphql.permissions import can_write
from runxin.graphql.staffing.inputs import StaffCreateInput, StaffFields, StaffUpdateInput
from runxin.graphql.staffing.types import StaffNode
from runxin.platform.staffing.services import create_staff, update_staff


@strawberry.type
class StaffPayload:
    staff: StaffNode | None
    user_errors: list[UserError]


def _values(input: StaffFields, exclude: tuple[str, ...]) -> dict[str, Any]:
    """The given fields, with the qualification list in the service's comma-separated form."""
    values = input_values(input, exclude=exclude)
    if values.get("qualifications") is not None:
        values["qualifications"] = ",".join(values["qualifications"])
    return values


@strawberry.type
class StaffMutation:
    @strawberry.mutation(permission_classes=[can_write("staff")], description="Record a staff member of a school or county.")
    async def staff_create(self, info: Info, input: StaffCreateInput) -> StaffPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            tenant_id = id_arg(input.tenant_id, "Tenant", "tenant_id")
            return await create_staff(session, tenant_id=tenant_id, values=_values(input, ("tenant_id",)))

        staff, errors = await run_mutation(info, action, lambda row: StaffNode.from_row(row, info.context))
        return StaffPayload(staff=staff, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("staff")], description="Change a staff record; only the fields given change.")
    async def staff_update(self, info: Info, input: StaffUpdateInput) -> StaffPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            staff_id = id_arg(input.id, "Staff", "id")
            return await update_staff(session, staff_id, _values(input, ("id",)))

        staff, errors = await run_mutation(info, action, lambda row: StaffNode.from_row(row, info.context))
        return StaffPayload(staff=staff, user_errors=errors)
