"""Inputs of the mentorship mutations. Unset fields keep their defaults (create) or old values (update)."""

from __future__ import annotations

import strawberry

from runxin.graphql.mentorship.types import MentorTeamRole

UNSET = strawberry.UNSET


@strawberry.input
class MentorAssignmentCreateInput:
    student_file_id: strawberry.ID = strawberry.field(description="The student's file (a StudentFile of your school).")
    mentor_staff_id: strawberry.ID = strawberry.field(description="The mentor: an active teacher (a Staff) of the school.")
    school_year: int = strawberry.field(description="The school year (2025: September 2025 to August 2026).")
    note: str | None = UNSET


@strawberry.input
class MentorAssignmentUpdateInput:
    id: strawberry.ID
    mentor_staff_id: strawberry.ID | None = UNSET
    note: str | None = UNSET


@strawberry.input
class MentorAssignmentEndInput:
    id: strawberry.ID


@strawberry.input
class MentorTeamMemberInput:
    staff_id: strawberry.ID = strawberry.field(description="An active staff member (a Staff) of the school.")
    role: MentorTeamRole = MentorTeamRole.OTHER


@strawberry.input
class MentorTeamCreateInput:
    student_file_id: strawberry.ID = strawberry.field(description="The student's file (a StudentFile of your school).")
    members: list[MentorTeamMemberInput] = strawberry.field(
        description="At least 2 staff, one of them a HOMEROOM_TEACHER or a MENTAL_HEALTH_TEACHER."
    )
    note: str | None = UNSET


@strawberry.input
class MentorTeamUpdateInput:
    id: strawberry.ID
    members: list[MentorTeamMemberInput] | None = strawberry.field(default=UNSET, description="Replaces every member when given.")
    note: str | None = UNSET


@strawberry.input
class MentorTeamDeleteInput:
    id: strawberry.ID
