"""The MentorAssignment, MentorTeam and MentorTeamMember types."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.enums import enum_of
from runxin.graphql.ids import encode_id
from runxin.graphql.tenants.record import TenantRecord, record_fields
from runxin.platform.mentorship.models import MAX_MENTEES, TEAM_ROLES

MentorTeamRole = enum_of(
    "MentorTeamRole",
    TEAM_ROLES,
    description="A member's part in a mentor team (导师团): homeroom teacher (a HOMEROOM staff member), teacher mother "
    "(教师妈妈), mental-health teacher (FULL_TIME or PART_TIME), or another teacher.",
)


@strawberry.type(
    name="MentorAssignment",
    description="A student's mentor for one school year (全员导师制: one per student per year). Kept at the school.",
)
class MentorAssignmentNode(TenantRecord):
    school_year: int
    note: str
    student_file_uuid: strawberry.Private[uuid.UUID]
    mentor_uuid: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> "MentorAssignmentNode":
        return cls(
            **record_fields(row),
            school_year=row.school_year,
            note=row.note,
            student_file_uuid=row.student_file_id,
            mentor_uuid=row.mentor_staff_id,
        )

    @strawberry.field(description="The global id of the student's file (a StudentFile).")
    def student_file_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("StudentFile", self.student_file_uuid))

    @strawberry.field(description="The global id of the mentor (a Staff).")
    def mentor_staff_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Staff", self.mentor_uuid))

    @strawberry.field(description="How many students this mentor mentors in the school year, this one included.")
    async def mentor_mentees(self, info: Info) -> int:
        from runxin.graphql.mentorship.queries import mentor_load

        return await mentor_load(info.context).load((self.mentor_uuid, self.school_year))

    @strawberry.field(
        description=f"True when the mentor has more than {MAX_MENTEES} mentees in the year (seeds/002: 原则上不超过1:15). "
        "The assignment is kept, so that the student has a mentor; the MENTOR_LOAD_WITHIN_LIMIT indicator flags the mentor."
    )
    async def over_limit(self, info: Info) -> bool:
        return await self.mentor_mentees(info) > MAX_MENTEES


@strawberry.type(name="MentorTeamMember", description="A staff member of a mentor team, in a role.")
class MentorTeamMemberType:
    role: MentorTeamRole
    staff_uuid: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> "MentorTeamMemberType":
        return cls(role=MentorTeamRole(row.role), staff_uuid=row.staff_id)

    @strawberry.field(description="The global id of the member (a Staff).")
    def staff_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Staff", self.staff_uuid))


@strawberry.type(
    name="MentorTeam",
    description="The mentor team (导师团) of a student of serious concern: at least 2 staff, including the homeroom teacher "
    "or a mental-health teacher. Kept at the school.",
)
class MentorTeamNode(TenantRecord):
    note: str
    student_file_uuid: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> "MentorTeamNode":
        return cls(**record_fields(row), note=row.note, student_file_uuid=row.student_file_id)

    @strawberry.field(description="The global id of the student's file (a StudentFile).")
    def student_file_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("StudentFile", self.student_file_uuid))

    @strawberry.field(description="The members, in the order they were added.")
    async def members(self, info: Info) -> list[MentorTeamMemberType]:
        from runxin.graphql.mentorship.queries import members_of_team

        return await members_of_team(info.context).load(self.uuid)
