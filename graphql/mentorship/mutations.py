"""mentorAssignmentCreate/Update/End and mentorTeamCreate/Update/Delete."""

from __future__ import annotations

from typing import Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.ids import encode_id
from runxin.graphql.mentorship.inputs import (
    MentorAssignmentCreateInput,
    MentorAssignmentEndInput,
    MentorAssignmentUpdateInput,
    MentorTeamCreateInput,
    MentorTeamDeleteInput,
    MentorTeamMemberInput,
    MentorTeamUpdateInput,
)
from runxin.graphql.mentorship.types import MentorAssignmentNode, MentorTeamNode
from runxin.graphql.mutations import id_arg, input_values, run_mutation
from runxin.graphql.permissions import can_write
from runxin.platform.mentorship.services import (
    Member,
    assign_mentor,
    create_team,
    delete_team,
    end_assignment,
    update_assignment,
    update_team,
)


@strawberry.type
class MentorAssignmentPayload:
    mentor_assignment: MentorAssignmentNode | None
    user_errors: list[UserError]


@strawberry.type
class MentorTeamPayload:
    mentor_team: MentorTeamNode | None
    user_errors: list[UserError]


@strawberry.type
class MentorshipDeletePayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


def _members(members: list[MentorTeamMemberInput]) -> list[Member]:
    return [Member(id_arg(m.staff_id, "Staff", f"members.{i}.staff_id"), m.role.value) for i, m in enumerate(members)]


def _deleted(type_name: str) -> Any:
    return lambda row: strawberry.ID(encode_id(type_name, row.id))


@strawberry.type
class MentorshipMutation:
    @strawberry.mutation(
        permission_classes=[can_write("mentorship")],
        description="Give a student a mentor for a school year. A mentor's 16th mentee is accepted and flagged "
        "(MentorAssignment.overLimit, the MENTOR_LOAD_WITHIN_LIMIT indicator): every student has a mentor first.",
    )
    async def mentor_assignment_create(self, info: Info, input: MentorAssignmentCreateInput) -> MentorAssignmentPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            values = input_values(input, exclude=("student_file_id",))
            values["mentor_staff_id"] = id_arg(input.mentor_staff_id, "Staff", "mentor_staff_id")
            return await assign_mentor(
                session, student_file_id=id_arg(input.student_file_id, "StudentFile", "student_file_id"), values=values
            )

        assignment, errors = await run_mutation(info, action, MentorAssignmentNode.from_row)
        return MentorAssignmentPayload(mentor_assignment=assignment, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("mentorship")], description="Change the mentor or the note of an assignment.")
    async def mentor_assignment_update(self, info: Info, input: MentorAssignmentUpdateInput) -> MentorAssignmentPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            values = input_values(input, exclude=("id",))
            if values.get("mentor_staff_id") is not None:
                values["mentor_staff_id"] = id_arg(values["mentor_staff_id"], "Staff", "mentor_staff_id")
            return await update_assignment(session, id_arg(input.id, "MentorAssignment", "id"), values)

        assignment, errors = await run_mutation(info, action, MentorAssignmentNode.from_row)
        return MentorAssignmentPayload(mentor_assignment=assignment, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("mentorship")], description="End an assignment (the student has no mentor for that year until given another).")
    async def mentor_assignment_end(self, info: Info, input: MentorAssignmentEndInput) -> MentorshipDeletePayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await end_assignment(session, id_arg(input.id, "MentorAssignment", "id"))

        deleted, errors = await run_mutation(info, action, _deleted("MentorAssignment"))
        return MentorshipDeletePayload(deleted_id=deleted, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[can_write("mentorship")],
        description="Form the mentor team (导师团) of a student: at least 2 staff, one a HOMEROOM_TEACHER or MENTAL_HEALTH_TEACHER.",
    )
    async def mentor_team_create(self, info: Info, input: MentorTeamCreateInput) -> MentorTeamPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await create_team(
                session,
                student_file_id=id_arg(input.student_file_id, "StudentFile", "student_file_id"),
                members=_members(input.members),
                values=input_values(input, exclude=("student_file_id", "members")),
            )

        team, errors = await run_mutation(info, action, MentorTeamNode.from_row)
        return MentorTeamPayload(mentor_team=team, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("mentorship")], description="Change a team's note, or replace its members.")
    async def mentor_team_update(self, info: Info, input: MentorTeamUpdateInput) -> MentorTeamPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            members = None if input.members is strawberry.UNSET or input.members is None else _members(input.members)
            return await update_team(
                session, id_arg(input.id, "MentorTeam", "id"), input_values(input, exclude=("id", "members")), members
            )

        team, errors = await run_mutation(info, action, MentorTeamNode.from_row)
        return MentorTeamPayload(mentor_team=team, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("mentorship")], description="Dissolve a mentor team.")
    async def mentor_team_delete(self, info: Info, input: MentorTeamDeleteInput) -> MentorshipDeletePayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await delete_team(session, id_arg(input.id, "MentorTeam", "id"))

        deleted, errors = await run_mutation(info, action, _deleted("MentorTeam"))
        return MentorshipDeletePayload(deleted_id=deleted, user_errors=errors)
