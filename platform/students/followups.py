"""The warning network's follow-ups: a teacher of the school follows a student of concern
(一名教师挂点帮扶1至2名需重点关注学生, seeds/001 §(五)1)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.errors import Conflict, Invalid
from runxin.platform.records import get_record
from runxin.platform.staffing.models import ALL_TEACHER_KINDS, Staff
from runxin.platform.standards import Standard
from runxin.platform.students.care import ConcernFollowUp
from runxin.platform.students.models import StudentFile
from runxin.platform.validation import Checks


def of_concern(student: StudentFile) -> bool:
    """A student needing attention (需重点关注): placed at a level of concern, or "four special"."""
    return student.concern_level != "NONE" or bool(student.four_special)


def _dates(values: Mapping[str, Any], today: dt.date) -> None:
    checks = Checks(values)
    checks.required("started_on")
    checks.date_not_after("started_on", today, reason="record a follow-up once it has begun.")
    checks.date_not_after("ended_on", today, reason="end a follow-up on the day it ended, not a planned one.")
    checks.dates_ordered("started_on", "ended_on")
    checks.raise_if_any()


async def open_follow_ups_of(session: AsyncSession, staff_id: uuid.UUID) -> int:
    return (
        await session.execute(
            select(func.count(ConcernFollowUp.id)).where(ConcernFollowUp.staff_id == staff_id, ConcernFollowUp.ended_on.is_(None))
        )
    ).scalar_one()


async def _locked_staff(session: AsyncSession, staff_id: uuid.UUID) -> Staff:
    # FOR UPDATE (PostgreSQL; SQLite has one writer at a time anyway): two follow-ups given to one
    # teacher at the same moment are counted one after the other, so neither passes the limit unseen.
    await get_record(session, Staff, staff_id, field="staffId")
    return (await session.execute(select(Staff).where(Staff.id == staff_id).with_for_update())).scalar_one()


async def create_follow_up(
    session: AsyncSession, *, values: Mapping[str, Any], standard: Standard, today: dt.date | None = None
) -> ConcernFollowUp:
    """Have a teacher of the student's school follow the student, within the standard's limit."""
    today = today or dt.date.today()
    _dates(values, today)
    if values.get("ended_on") is not None:
        raise Invalid("endedOn", "ENDED_AT_START", "A new follow-up is open; record it, then end it with concernFollowUpEnd.")
    student = await get_record(session, StudentFile, values["student_id"], field="studentId")
    staff = await _locked_staff(session, values["staff_id"])
    if staff.tenant_id != student.tenant_id:
        raise Invalid(
            "staffId",
            "OTHER_SCHOOL",
            "The teacher works at another tenant; a student is followed by a teacher of their own school.",
        )
    if not staff.active or staff.kind not in ALL_TEACHER_KINDS:
        raise Invalid(
            "staffId",
            "NOT_A_TEACHER",
            f"That staff member is {'inactive' if not staff.active else 'a ' + staff.kind}; choose an active teacher "
            f"({', '.join(ALL_TEACHER_KINDS)}).",
        )
    if not student.active or not of_concern(student):
        raise Invalid(
            "studentId",
            "NOT_OF_CONCERN",
            "Follow-ups are for active students of concern (a level of concern above NONE, or four special); "
            "record the screening result or the four-special category first.",
        )
    already = (
        await session.execute(
            select(ConcernFollowUp.id).where(
                ConcernFollowUp.student_id == student.id, ConcernFollowUp.staff_id == staff.id, ConcernFollowUp.ended_on.is_(None)
            )
        )
    ).first()
    if already is not None:
        raise Conflict("This teacher already follows this student; nothing to add.", field="staffId", code="ALREADY_FOLLOWING")
    limit = standard.max_students_per_follower
    if await open_follow_ups_of(session, staff.id) >= limit:
        raise Invalid(
            "staffId",
            "FOLLOWER_LIMIT",
            f"This teacher already follows {limit} students, the most one teacher follows (一名教师挂点帮扶1至2名, "
            "seeds/001 §(五)1); end one of their follow-ups first, or choose another teacher.",
        )
    follow_up = ConcernFollowUp(
        tenant_id=student.tenant_id,
        root_id=student.root_id,
        student_id=student.id,
        staff_id=staff.id,
        started_on=values["started_on"],
    )
    session.add(follow_up)
    await session.flush()
    return follow_up


async def end_follow_up(
    session: AsyncSession, follow_up_id: uuid.UUID, ended_on: dt.date, *, today: dt.date | None = None
) -> ConcernFollowUp:
    follow_up = await get_record(session, ConcernFollowUp, follow_up_id)
    if follow_up.ended_on is not None:
        raise Conflict(f"This follow-up already ended on {follow_up.ended_on.isoformat()}.", field="id", code="ALREADY_ENDED")
    _dates({"started_on": follow_up.started_on, "ended_on": ended_on}, today or dt.date.today())
    follow_up.ended_on = ended_on
    await session.flush()
    return follow_up
