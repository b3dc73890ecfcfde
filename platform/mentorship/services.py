"""Mentorship rules (seeds/002 §四(二)): a mentor per student per school year, and the mentor team of
a student of serious concern.

Decisions:
- A 16th mentee is allowed, and flagged. The document says "原则上不超过1:15" (in principle at most
  15) and, first, "为每个学生配备导师": refusing the 16th student would leave a student without a
  mentor in a school with few teachers, breaking the harder rule to keep the softer one. The
  assignment is saved; `mentor_loads` tells the caller the mentor's count, and the
  MENTOR_LOAD_WITHIN_LIMIT indicator counts the mentor as over the limit until the load is spread.
- A mentor is a teacher of the school (ALL_TEACHER_KINDS: "教师人人是导师"), active.
- A mentor team has at least 2 distinct active staff of the school, at least one of them the
  homeroom teacher (a HOMEROOM staff member in the role HOMEROOM_TEACHER) or a mental-health
  teacher (FULL_TIME or PART_TIME in the role MENTAL_HEALTH_TEACHER): the document's team is "由班主任、
  教师妈妈、心理健康教师等组成", and a team without either has nobody whose post is the student's care.
  A role is checked against the member's staff kind, so the rule cannot be met by a label alone.
  A team may be formed for any student on the roll (a school may form one before a screening places
  the student at SEVERE); the SERIOUS_CONCERN_TEAMS indicator asks it of SEVERE students.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.errors import Invalid
from runxin.platform.homeschool.calendar import school_year_of
from runxin.platform.homeschool.services import check_staff, check_student
from runxin.platform.mentorship.models import KEY_ROLES, MIN_TEAM_MEMBERS, ROLE_KINDS, TEAM_ROLES, MentorAssignment, MentorTeam, MentorTeamMember
from runxin.platform.records import create_record, get_record, update_record
from runxin.platform.staffing.models import ALL_TEACHER_KINDS, Staff
from runxin.platform.students.models import StudentFile
from runxin.platform.tree.models import Tenant
from runxin.platform.validation import Checks

OWNER_KINDS = ("SCHOOL",)
FIRST_YEAR = 2000
MAX_NOTE = 2000


# -- mentor assignments ------------------------------------------------------------------------


def validate_assignment(
    values: Mapping[str, Any], tenant: Tenant, *, student: StudentFile | None = None, mentor: Staff | None = None, today: dt.date | None = None
) -> None:
    """Raise Invalid/InvalidMany unless `values` assign a teacher of the school to a student."""
    today = today or dt.date.today()
    checks = Checks(values)
    checks.required("student_file_id", "mentor_staff_id", "school_year")
    checks.number("school_year", minimum=FIRST_YEAR, maximum=school_year_of(today) + 1, label="School year")
    checks.text("note", min_length=0, max_length=MAX_NOTE, label="Note")
    check_student(checks, student)
    check_staff(checks, mentor, tenant, "mentor_staff_id", ALL_TEACHER_KINDS)
    checks.raise_if_any()


async def assign_mentor(session: AsyncSession, *, student_file_id: uuid.UUID, values: Mapping[str, Any]) -> MentorAssignment:
    """Give a student a mentor for a school year (one per student per year)."""
    student = await get_record(session, StudentFile, student_file_id, field="student_file_id")
    mentor = await _staff(session, values.get("mentor_staff_id"), "mentor_staff_id")
    year = values.get("school_year")
    existing = (
        await session.execute(
            select(MentorAssignment.id).where(MentorAssignment.student_file_id == student.id, MentorAssignment.school_year == year)
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise Invalid(
            "school_year",
            "MENTOR_ALREADY_ASSIGNED",
            f"Student {student.student_ref} already has a mentor for school year {year}; change it with "
            "mentorAssignmentUpdate, or end it first.",
        )
    return await create_record(
        session,
        MentorAssignment,
        tenant_id=student.tenant_id,
        values={**values, "student_file_id": student.id},
        owner_kinds=OWNER_KINDS,
        validate=functools.partial(validate_assignment, student=student, mentor=mentor),
    )


async def update_assignment(session: AsyncSession, assignment_id: uuid.UUID, changes: Mapping[str, Any]) -> MentorAssignment:
    """Change the mentor or the note; the student and the year stay."""
    for field in ("student_file_id", "school_year"):
        if field in changes:
            raise Invalid(field, "READ_ONLY", "An assignment keeps its student and year; end it and assign again instead.")
    assignment = await get_record(session, MentorAssignment, assignment_id)
    mentor = await _staff(session, changes.get("mentor_staff_id", assignment.mentor_staff_id), "mentor_staff_id")
    return await update_record(
        session, MentorAssignment, assignment.id, changes=changes, validate=functools.partial(validate_assignment, mentor=mentor)
    )


async def end_assignment(session: AsyncSession, assignment_id: uuid.UUID) -> MentorAssignment:
    """End an assignment (the student then has no mentor for that year until given another)."""
    assignment = await get_record(session, MentorAssignment, assignment_id)
    await session.delete(assignment)
    await session.flush()
    return assignment


async def mentor_loads(session: AsyncSession, keys: Iterable[tuple[uuid.UUID, int]]) -> dict[tuple[uuid.UUID, int], int]:
    """How many students each (mentor, school year) mentors, in one query (0 for none)."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    rows = await session.execute(
        select(MentorAssignment.mentor_staff_id, MentorAssignment.school_year, func.count(MentorAssignment.id))
        .where(
            MentorAssignment.mentor_staff_id.in_({staff for staff, _ in wanted}),
            MentorAssignment.school_year.in_({year for _, year in wanted}),
        )
        .group_by(MentorAssignment.mentor_staff_id, MentorAssignment.school_year)
    )
    counts = {(staff, year): n for staff, year, n in rows}
    return {key: counts.get(key, 0) for key in wanted}


# -- mentor teams -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    staff_id: uuid.UUID
    role: str = "OTHER"


def validate_team(
    values: Mapping[str, Any],
    tenant: Tenant,
    *,
    members: Sequence[Member],
    staff: Mapping[uuid.UUID, Staff],
    student: StudentFile | None = None,
    today: dt.date | None = None,
) -> None:
    """Raise Invalid/InvalidMany unless the team follows the rule of the module docstring."""
    del today  # a team is current state: no date to check
    checks = Checks(values)
    checks.required("student_file_id")
    checks.text("note", min_length=0, max_length=MAX_NOTE, label="Note")
    check_student(checks, student)
    ids = [m.staff_id for m in members]
    if len(set(ids)) != len(ids):
        checks.fail("members", "DUPLICATE_MEMBER", "A staff member is listed twice; list each member once, with one role.")
    if len(set(ids)) < MIN_TEAM_MEMBERS:
        checks.fail(
            "members",
            "TEAM_TOO_SMALL",
            f"A mentor team has {len(set(ids))} member(s); it needs at least {MIN_TEAM_MEMBERS} staff (seeds/002 §四(二) 导师团).",
        )
    for i, member in enumerate(members):
        field = f"members.{i}"
        if member.role not in TEAM_ROLES:
            checks.fail(f"{field}.role", "NOT_ALLOWED", f"role {member.role!r} is not one of {', '.join(TEAM_ROLES)}.")
            continue
        check_staff(checks, staff.get(member.staff_id), tenant, f"{field}.staff_id", ROLE_KINDS.get(member.role))
    if not any(m.role in KEY_ROLES for m in members):
        checks.fail(
            "members",
            "TEAM_NEEDS_KEY_MEMBER",
            "A mentor team includes the student's homeroom teacher (role HOMEROOM_TEACHER) or a mental-health teacher "
            "(role MENTAL_HEALTH_TEACHER); add one of them.",
        )
    checks.raise_if_any()


async def create_team(
    session: AsyncSession, *, student_file_id: uuid.UUID, members: Sequence[Member], values: Mapping[str, Any]
) -> MentorTeam:
    """Form the mentor team of a student with its members (one team per student)."""
    student = await get_record(session, StudentFile, student_file_id, field="student_file_id")
    existing = (await session.execute(select(MentorTeam.id).where(MentorTeam.student_file_id == student.id))).scalar_one_or_none()
    if existing is not None:
        raise Invalid(
            "student_file_id", "TEAM_EXISTS", f"Student {student.student_ref} already has a mentor team; change it with mentorTeamUpdate."
        )
    staff = await _staff_of(session, members)
    team = await create_record(
        session,
        MentorTeam,
        tenant_id=student.tenant_id,
        values={**values, "student_file_id": student.id},
        owner_kinds=OWNER_KINDS,
        validate=functools.partial(validate_team, members=members, staff=staff, student=student),
    )
    _add_members(session, team, members)
    await session.flush()
    return team


async def update_team(
    session: AsyncSession, team_id: uuid.UUID, changes: Mapping[str, Any], members: Sequence[Member] | None = None
) -> MentorTeam:
    """Change the note and (when `members` is given) replace the members; the rule is checked on the result."""
    if "student_file_id" in changes:
        raise Invalid("student_file_id", "READ_ONLY", "A team stays with its student; delete it and form one for the other student.")
    team = await get_record(session, MentorTeam, team_id)
    if members is None:
        members = await team_members(session, team.id)
    staff = await _staff_of(session, members)
    await update_record(session, MentorTeam, team.id, changes=changes, validate=functools.partial(validate_team, members=members, staff=staff))
    await session.execute(delete(MentorTeamMember).where(MentorTeamMember.team_id == team.id))
    _add_members(session, team, members)
    # The members were replaced by a bulk statement: touch the team so this write marks its school.
    team.updated_at = dt.datetime.now(dt.UTC)
    await session.flush()
    return team


async def delete_team(session: AsyncSession, team_id: uuid.UUID) -> MentorTeam:
    """Dissolve a mentor team and its membership."""
    team = await get_record(session, MentorTeam, team_id)
    for member in (await session.execute(select(MentorTeamMember).where(MentorTeamMember.team_id == team.id))).scalars():
        await session.delete(member)
    await session.flush()
    await session.delete(team)
    await session.flush()
    return team


async def team_members(session: AsyncSession, team_id: uuid.UUID) -> list[Member]:
    rows = await session.execute(
        select(MentorTeamMember.staff_id, MentorTeamMember.role).where(MentorTeamMember.team_id == team_id).order_by(MentorTeamMember.id)
    )
    return [Member(staff_id, role) for staff_id, role in rows]


def _add_members(session: AsyncSession, team: MentorTeam, members: Sequence[Member]) -> None:
    for member in members:
        session.add(MentorTeamMember(tenant_id=team.tenant_id, root_id=team.root_id, team_id=team.id, staff_id=member.staff_id, role=member.role))


async def _staff(session: AsyncSession, staff_id: uuid.UUID | None, field: str) -> Staff | None:
    return await get_record(session, Staff, staff_id, field=field) if staff_id is not None else None


async def _staff_of(session: AsyncSession, members: Sequence[Member]) -> dict[uuid.UUID, Staff]:
    ids = {m.staff_id for m in members}
    if not ids:
        return {}
    found = {s.id: s for s in (await session.execute(select(Staff).where(Staff.id.in_(ids)))).scalars()}
    missing = [i for i, m in enumerate(members) if m.staff_id not in found]
    if missing:
        raise Invalid(f"members.{missing[0]}.staff_id", "NOT_FOUND", "No staff member with that id at your school; use a Staff id of your own staff.")
    return found
