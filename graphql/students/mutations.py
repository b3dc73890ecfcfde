"""Mutations of student files, screening, follow-ups, referrals and crisis plans."""

from __future__ import annotations

from typing import Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import creating, id_arg, input_values, run_mutation, updating
from runxin.graphql.permissions import can_write
from runxin.graphql.students import inputs as i
from runxin.graphql.students.types import (
    ConcernFollowUpNode,
    CrisisPlanNode,
    ReferralNode,
    ScreeningResultNode,
    ScreeningRoundNode,
    StudentFileNode,
)
from runxin.platform.students.crisis import create_crisis_plan, update_crisis_plan
from runxin.platform.students.followups import create_follow_up, end_follow_up
from runxin.platform.students.referrals import create_referral, update_referral
from runxin.platform.students.screening import create_round, record_result, update_round
from runxin.platform.students.services import create_student_file, update_student_file
from runxin.tenants.disclosure import require_own_school

STUDENTS = [can_write("students")]
SCHOOLS = [can_write("schools")]


@strawberry.type
class StudentFilePayload:
    student_file: StudentFileNode | None
    user_errors: list[UserError]


@strawberry.type
class ScreeningRoundPayload:
    screening_round: ScreeningRoundNode | None
    user_errors: list[UserError]


@strawberry.type
class ScreeningResultPayload:
    screening_result: ScreeningResultNode | None
    user_errors: list[UserError]


@strawberry.type
class ConcernFollowUpPayload:
    follow_up: ConcernFollowUpNode | None
    user_errors: list[UserError]


@strawberry.type
class ReferralPayload:
    referral: ReferralNode | None
    user_errors: list[UserError]


@strawberry.type
class CrisisPlanPayload:
    crisis_plan: CrisisPlanNode | None
    user_errors: list[UserError]


def _file_values(input: Any, exclude: tuple[str, ...]) -> dict[str, Any]:
    values = input_values(input, exclude=exclude)
    if values.get("four_special") is not None:
        values["four_special"] = ",".join(getattr(k, "value", k) for k in values["four_special"])
    return values


@strawberry.type
class StudentMutation:
    @strawberry.mutation(permission_classes=STUDENTS, description="Open a student's file at your school.")
    async def student_file_create(self, info: Info, input: i.StudentFileCreateInput) -> StudentFilePayload:
        async def action(session):  # type: ignore[no-untyped-def]
            tenant_id = id_arg(input.tenant_id, "Tenant", "tenant_id")
            require_own_school(info.context.principal, tenant_id)
            return await create_student_file(session, tenant_id=tenant_id, values=_file_values(input, ("tenant_id",)))

        node, errors = await run_mutation(info, action, lambda row: StudentFileNode.from_row(row, info.context))
        return StudentFilePayload(student_file=node, user_errors=errors)

    @strawberry.mutation(permission_classes=STUDENTS, description="Change a student's file; only the fields given change.")
    async def student_file_update(self, info: Info, input: i.StudentFileUpdateInput) -> StudentFilePayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await update_student_file(session, id_arg(input.id, "StudentFile", "id"), _file_values(input, ("id",)))

        node, errors = await run_mutation(info, action, lambda row: StudentFileNode.from_row(row, info.context))
        return StudentFilePayload(student_file=node, user_errors=errors)

    @strawberry.mutation(permission_classes=SCHOOLS, description="Record a screening round the school has held.")
    async def screening_round_create(self, info: Info, input: i.ScreeningRoundCreateInput) -> ScreeningRoundPayload:
        node, errors = await run_mutation(info, creating(input, create_round), ScreeningRoundNode.from_row)
        return ScreeningRoundPayload(screening_round=node, user_errors=errors)

    @strawberry.mutation(permission_classes=SCHOOLS, description="Change a screening round; only the fields given change.")
    async def screening_round_update(self, info: Info, input: i.ScreeningRoundUpdateInput) -> ScreeningRoundPayload:
        node, errors = await run_mutation(info, updating(input, "ScreeningRound", update_round), ScreeningRoundNode.from_row)
        return ScreeningRoundPayload(screening_round=node, user_errors=errors)

    @strawberry.mutation(
        permission_classes=STUDENTS,
        description="Record (or correct) where a round placed a student; the file's concern level follows its latest round.",
    )
    async def screening_result_record(self, info: Info, input: i.ScreeningResultRecordInput) -> ScreeningResultPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await record_result(
                session,
                round_id=id_arg(input.round_id, "ScreeningRound", "round_id"),
                student_id=id_arg(input.student_id, "StudentFile", "student_id"),
                level=input.level.value,
            )

        node, errors = await run_mutation(info, action, lambda row: ScreeningResultNode.from_row(row, info.context))
        return ScreeningResultPayload(screening_result=node, user_errors=errors)

    @strawberry.mutation(
        permission_classes=STUDENTS, description="Have a teacher follow a student of concern (at most 2 students per teacher)."
    )
    async def concern_follow_up_create(self, info: Info, input: i.ConcernFollowUpCreateInput) -> ConcernFollowUpPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            values = {
                "student_id": id_arg(input.student_id, "StudentFile", "student_id"),
                "staff_id": id_arg(input.staff_id, "Staff", "staff_id"),
                "started_on": input.started_on,
            }
            return await create_follow_up(session, values=values, standard=info.context.standard)

        node, errors = await run_mutation(info, action, lambda row: ConcernFollowUpNode.from_row(row, info.context))
        return ConcernFollowUpPayload(follow_up=node, user_errors=errors)

    @strawberry.mutation(
        permission_classes=STUDENTS, description="End a follow-up (the teacher may then follow another student)."
    )
    async def concern_follow_up_end(self, info: Info, input: i.ConcernFollowUpEndInput) -> ConcernFollowUpPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await end_follow_up(session, id_arg(input.id, "ConcernFollowUp", "id"), input.ended_on)

        node, errors = await run_mutation(info, action, lambda row: ConcernFollowUpNode.from_row(row, info.context))
        return ConcernFollowUpPayload(follow_up=node, user_errors=errors)

    @strawberry.mutation(permission_classes=STUDENTS, description="Record a student's referral to a hospital (state REFERRED).")
    async def referral_create(self, info: Info, input: i.ReferralCreateInput) -> ReferralPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            values = {
                "student_id": id_arg(input.student_id, "StudentFile", "student_id"),
                "hospital": input.hospital,
                "referred_on": input.referred_on,
            }
            return await create_referral(session, values=values)

        node, errors = await run_mutation(info, action, lambda row: ReferralNode.from_row(row, info.context))
        return ReferralPayload(referral=node, user_errors=errors)

    @strawberry.mutation(
        permission_classes=STUDENTS,
        description="Move a referral on (REFERRED → IN_TREATMENT → RETURNED or CLOSED); RETURNED needs certificateReceivedOn.",
    )
    async def referral_update(self, info: Info, input: i.ReferralUpdateInput) -> ReferralPayload:
        node, errors = await run_mutation(
            info, updating(input, "Referral", update_referral), lambda row: ReferralNode.from_row(row, info.context)
        )
        return ReferralPayload(referral=node, user_errors=errors)

    @strawberry.mutation(permission_classes=SCHOOLS, description="Record the school's crisis intervention plan (one per school).")
    async def crisis_plan_create(self, info: Info, input: i.CrisisPlanCreateInput) -> CrisisPlanPayload:
        node, errors = await run_mutation(info, creating(input, create_crisis_plan), CrisisPlanNode.from_row)
        return CrisisPlanPayload(crisis_plan=node, user_errors=errors)

    @strawberry.mutation(permission_classes=SCHOOLS, description="Change the crisis plan (a review, a new adoption, withdrawal).")
    async def crisis_plan_update(self, info: Info, input: i.CrisisPlanUpdateInput) -> CrisisPlanPayload:
        node, errors = await run_mutation(info, updating(input, "CrisisPlan", update_crisis_plan), CrisisPlanNode.from_row)
        return CrisisPlanPayload(crisis_plan=node, user_errors=errors)
