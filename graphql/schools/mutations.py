"""schoolProfileUpdate (an upsert) and enrolmentRecord."""

from __future__ import annotations

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import id_arg, input_values, run_mutation
from runxin.graphql.permissions import can_write
from runxin.graphql.schools.inputs import EnrolmentRecordInput, SchoolProfileUpdateInput
from runxin.graphql.schools.types import EnrolmentNode, SchoolProfileNode
from runxin.platform.schools.services import record_enrolment, upsert_school_profile


@strawberry.type
class SchoolProfilePayload:
    school_profile: SchoolProfileNode | None
    user_errors: list[UserError]


@strawberry.type
class EnrolmentPayload:
    enrolment: EnrolmentNode | None
    user_errors: list[UserError]


@strawberry.type
class SchoolMutation:
    @strawberry.mutation(
        permission_classes=[can_write("schools")], description="Create a school's profile, or change it; only the fields given change."
    )
    async def school_profile_update(self, info: Info, input: SchoolProfileUpdateInput) -> SchoolProfilePayload:
        async def action(session):  # type: ignore[no-untyped-def]
            tenant_id = id_arg(input.tenant_id, "Tenant", "tenant_id")
            values = input_values(input, exclude=("tenant_id", "stages", "cluster_centre_id"))
            if input.stages is not strawberry.UNSET:
                values["stages"] = None if input.stages is None else ",".join(stage.value for stage in input.stages)
            if input.cluster_centre_id is not strawberry.UNSET:
                centre = input.cluster_centre_id
                values["cluster_centre_id"] = None if centre is None else id_arg(centre, "Tenant", "cluster_centre_id")
            return await upsert_school_profile(session, tenant_id, values)

        profile, errors = await run_mutation(info, action, SchoolProfileNode.from_row)
        return SchoolProfilePayload(school_profile=profile, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[can_write("schools")],
        description="Record the students of a school in a school year, replacing any earlier figure.",
    )
    async def enrolment_record(self, info: Info, input: EnrolmentRecordInput) -> EnrolmentPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            tenant_id = id_arg(input.tenant_id, "Tenant", "tenant_id")
            return await record_enrolment(session, tenant_id, input.school_year, input.students)

        enrolment, errors = await run_mutation(info, action, EnrolmentNode.from_row)
        return EnrolmentPayload(enrolment=enrolment, user_errors=errors)
