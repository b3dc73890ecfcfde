"""hotlineCreate, hotlineUpdate and hotlineCallCountsRecord."""

from __future__ import annotations

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.hotlines.inputs import HotlineCallCountsRecordInput, HotlineCreateInput, HotlineUpdateInput
from runxin.graphql.hotlines.types import CallCountsType, HotlineNode
from runxin.graphql.mutations import creating, id_arg, run_mutation, updating
from runxin.graphql.permissions import can_write
from runxin.platform.hotlines.services import create_hotline, record_call_counts, update_hotline


@strawberry.type
class HotlinePayload:
    hotline: HotlineNode | None
    user_errors: list[UserError]


@strawberry.type
class HotlineCallCountsPayload:
    call_counts: CallCountsType | None
    user_errors: list[UserError]


@strawberry.type
class HotlineMutation:
    @strawberry.mutation(permission_classes=[can_write("hotlines")], description="Record a county's or school's hotline.")
    async def hotline_create(self, info: Info, input: HotlineCreateInput) -> HotlinePayload:
        hotline, errors = await run_mutation(info, creating(input, create_hotline), HotlineNode.from_row)
        return HotlinePayload(hotline=hotline, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("hotlines")], description="Change a hotline; only the fields given change.")
    async def hotline_update(self, info: Info, input: HotlineUpdateInput) -> HotlinePayload:
        hotline, errors = await run_mutation(info, updating(input, "Hotline", update_hotline), HotlineNode.from_row)
        return HotlinePayload(hotline=hotline, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[can_write("hotlines")], description="Set a hotline's call counts for one period (idempotent)."
    )
    async def hotline_call_counts_record(self, info: Info, input: HotlineCallCountsRecordInput) -> HotlineCallCountsPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            hotline_id = id_arg(input.hotline_id, "Hotline", "hotline_id")
            return await record_call_counts(
                session, hotline_id, input.period, input.calls, input.crisis_calls, input.referrals  # type: ignore[arg-type]
            )

        call_counts, errors = await run_mutation(info, action, lambda row: CallCountsType.from_row(row, info.context.principal))
        return HotlineCallCountsPayload(call_counts=call_counts, user_errors=errors)
