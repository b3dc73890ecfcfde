"""Screening rounds and their results (每学年开展1次面向全体学生的心理健康筛查, seeds/001 §(五)1).

Recording a result moves the student's file to the result's level when the result comes from the
student's latest round (by the day it was held, then by the round's time-ordered id), so the file
always says what the most recent screening found.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.errors import Invalid
from runxin.platform.records import create_record, get_record, update_record
from runxin.platform.students.care import SCREENING_LEVELS, ScreeningResult, ScreeningRound, school_year_of
from runxin.platform.students.models import StudentFile
from runxin.platform.tree.models import Tenant
from runxin.platform.validation import Checks

OWNER_KINDS = ("SCHOOL",)
FIRST_SCHOOL_YEAR = 2000


def validate_round(values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None) -> None:
    """Raise Invalid/InvalidMany unless `values` describe a screening round the school has held."""
    today = today or dt.date.today()
    checks = Checks(values)
    checks.required("held_on", "title")
    checks.text("title", max_length=200, label="Title")
    checks.text("instrument", min_length=0, max_length=100, label="Instrument")
    checks.date_not_after("held_on", today, reason="record a round once it has been held.")
    held_on, year = values.get("held_on"), values.get("school_year")
    if held_on is not None and held_on.year < FIRST_SCHOOL_YEAR:
        checks.fail("held_on", "TOO_SMALL", f"held_on {held_on.isoformat()} is before {FIRST_SCHOOL_YEAR}; check the year.")
    elif held_on is not None and year is not None and school_year_of(held_on) != year:
        checks.fail(
            "school_year",
            "ROUND_YEAR_MISMATCH",
            f"A round held on {held_on.isoformat()} belongs to school year {school_year_of(held_on)} "
            f"(1 September to 31 August), not {year}; leave schoolYear out and it is derived.",
        )
    checks.raise_if_any()


def _with_year(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if values.get("held_on") is not None and values.get("school_year") is None:
        values["school_year"] = school_year_of(values["held_on"])
    for key in ("title", "instrument"):
        if isinstance(values.get(key), str):
            values[key] = values[key].strip()
    return values


async def create_round(session: AsyncSession, *, tenant_id: uuid.UUID, values: Mapping[str, Any]) -> ScreeningRound:
    return await create_record(
        session, ScreeningRound, tenant_id=tenant_id, values=_with_year(values), owner_kinds=OWNER_KINDS, validate=validate_round
    )


async def update_round(session: AsyncSession, round_id: uuid.UUID, changes: Mapping[str, Any]) -> ScreeningRound:
    changes = dict(changes)
    if changes.get("held_on") is not None and changes.get("school_year") is None:
        changes["school_year"] = school_year_of(changes["held_on"])
    record = await update_record(session, ScreeningRound, round_id, changes=_with_year(changes), validate=validate_round)
    # A new date may change which round is each student's latest.
    students = (await session.execute(select(ScreeningResult.student_id).where(ScreeningResult.round_id == round_id))).scalars()
    for student_id in list(students):
        await refresh_concern_level(session, student_id)
    return record


async def record_result(session: AsyncSession, *, round_id: uuid.UUID, student_id: uuid.UUID, level: str) -> ScreeningResult:
    """Record (or correct) where the round placed the student; one result per student per round."""
    if level not in SCREENING_LEVELS:
        raise Invalid("level", "NOT_ALLOWED", f"level {level!r} is not one of {', '.join(SCREENING_LEVELS)}.")
    screening = await get_record(session, ScreeningRound, round_id, field="roundId")
    student = await get_record(session, StudentFile, student_id, field="studentId")
    if student.tenant_id != screening.tenant_id:
        raise Invalid(
            "studentId", "OTHER_SCHOOL", "That student's file is at another school than the round; record results per school."
        )
    if not student.active:
        raise Invalid(
            "studentId",
            "STUDENT_INACTIVE",
            "That student has left the school (file inactive); reactivate the file first if they returned.",
        )
    result = (
        await session.execute(
            select(ScreeningResult).where(ScreeningResult.round_id == round_id, ScreeningResult.student_id == student_id)
        )
    ).scalar_one_or_none()
    if result is None:
        result = ScreeningResult(
            tenant_id=student.tenant_id, root_id=student.root_id, round_id=round_id, student_id=student_id, level=level
        )
        session.add(result)
    else:
        result.level = level
    await session.flush()
    await refresh_concern_level(session, student_id)
    return result


def latest_result_order() -> tuple[Any, ...]:
    """The order that puts a student's latest result first (the engine's facts use the same)."""
    return (ScreeningRound.held_on.desc(), ScreeningRound.id.desc())


async def refresh_concern_level(session: AsyncSession, student_id: uuid.UUID) -> None:
    """Set the file's concern level to its latest result's, if it has one."""
    latest = (
        await session.execute(
            select(ScreeningResult.level)
            .join(ScreeningRound, ScreeningRound.id == ScreeningResult.round_id)
            .where(ScreeningResult.student_id == student_id)
            .order_by(*latest_result_order())
            .limit(1)
        )
    ).scalar_one_or_none()
    if latest is None:
        return
    student = await get_record(session, StudentFile, student_id, field="studentId")
    if student.concern_level != latest:
        student.concern_level = latest
        await session.flush()


async def round_counts(session: AsyncSession, round_id: uuid.UUID) -> dict[tuple[int, str], int]:
    """Students of the round by (grade, level): the school's own grid."""
    rows = await session.execute(
        select(StudentFile.grade, ScreeningResult.level, func.count(ScreeningResult.id))
        .join(StudentFile, StudentFile.id == ScreeningResult.student_id)
        .where(ScreeningResult.round_id == round_id)
        .group_by(StudentFile.grade, ScreeningResult.level)
    )
    return {(grade, level): count for grade, level, count in rows.all()}
