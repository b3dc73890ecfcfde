"""centreCreate, centreUpdate and centreActivityRecord."""

from __future__ import annotations

import strawberry

from runxin.graphql.centres.inputs import CentreActivityRecordInput, CentreCreateInput, CentreUpdateInput
from runxin.graphql.centres.types import CentreActivityType, CentreNode
from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import creating, id_arg, run_mutation, updating
from runxin.graphql.permissions import can_write
from runxin.platform.centres.services import create_centre, record_centre_activity, update_centre


@strawberry.type
class CentrePayload:
    centre: CentreNode | None
    user_errors: list[UserError]


@strawberry.type
class CentreActivityPayload:
    activity: CentreActivityType | None
    user_errors: list[UserError]


@strawberry.type
class CentreMutation:
    @strawberry.mutation(permission_classes=[can_write("centres")], description="Record a county's counselling centre.")
    async def centre_create(self, info: Info, input: CentreCreateInput) -> CentrePayload:
        centre, errors = await run_mutation(info, creating(input, create_centre), CentreNode.from_row)
        return CentrePayload(centre=centre, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("centres")], description="Change a centre; only the fields given change.")
    async def centre_update(self, info: Info, input: CentreUpdateInput) -> CentrePayload:
        centre, errors = await run_mutation(info, updating(input, "CounsellingCentre", update_centre), CentreNode.from_row)
        return CentrePayload(centre=centre, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[can_write("centres")], description="Set a centre's guidance visits and trainings for one period (idempotent)."
    )
    async def centre_activity_record(self, info: Info, input: CentreActivityRecordInput) -> CentreActivityPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            centre_id = id_arg(input.centre_id, "CounsellingCentre", "centre_id")
            return await record_centre_activity(
                session, centre_id, input.period, input.guidance_visits, input.trainings_delivered  # type: ignore[arg-type]
            )

        activity, errors = await run_mutation(info, action, CentreActivityType.from_row)
        return CentreActivityPayload(activity=activity, user_errors=errors)
