"""Student file rules: what a valid file of one student at one school is (一生一档, seeds/001 §(五)1)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.errors import Conflict
from runxin.platform.records import create_record, get_record, update_record
from runxin.platform.students.models import CONCERN_LEVELS, FOUR_SPECIAL_KINDS, GENDERS, StudentFile
from runxin.platform.tree.models import Tenant
from runxin.platform.validation import Checks, join_codes

OWNER_KINDS = ("SCHOOL",)
# The school's student number (学籍号 or its own): letters, digits, '-' and '_'.
STUDENT_REF = re.compile(r"[A-Za-z0-9_-]{1,32}")
FIRST_GRADE, LAST_GRADE = 1, 12
MIN_AGE, MAX_AGE = 3, 25  # kindergarten-age primary pupils to vocational students of 25


def validate_student_file(values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None) -> None:
    """Raise Invalid/InvalidMany unless `values` describe a possible student of school `tenant`."""
    today = today or dt.date.today()
    checks = Checks(values)
    checks.required("student_ref", "name", "gender", "grade")
    ref = values.get("student_ref")
    if ref is not None and not STUDENT_REF.fullmatch(str(ref)):
        checks.fail(
            "student_ref",
            "STUDENT_REF_FORMAT",
            f"{ref!r} is not a student number; use 1 to 32 letters, digits, '-' or '_' (the school's own number).",
        )
    checks.text("name", max_length=100, label="Name")
    checks.choice("gender", GENDERS)
    grade = values.get("grade")
    if grade is not None and not FIRST_GRADE <= int(grade) <= LAST_GRADE:
        checks.fail(
            "grade",
            "GRADE_OUT_OF_RANGE",
            f"Grade {grade} does not exist; use {FIRST_GRADE}-{LAST_GRADE} (primary 1-6, junior 7-9, senior 10-12).",
        )
    checks.text("class_name", min_length=0, max_length=64, label="Class name")
    checks.code_list("four_special", FOUR_SPECIAL_KINDS, code="FOUR_SPECIAL_UNKNOWN", label="Four special")
    checks.choice("concern_level", CONCERN_LEVELS)
    birth_date = values.get("birth_date")
    if birth_date is not None:
        age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
        if not MIN_AGE <= age <= MAX_AGE:
            checks.fail(
                "birth_date",
                "AGE_OUT_OF_RANGE",
                f"birth_date {birth_date.isoformat()} makes this student {age} today; students are {MIN_AGE} to {MAX_AGE}.",
            )
    checks.raise_if_any()


def normalised_student_file(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values as stored: the number and class name trimmed, the four-special codes joined."""
    values = dict(values)
    for key in ("student_ref", "class_name", "name"):
        if isinstance(values.get(key), str):
            values[key] = values[key].strip()
    if isinstance(values.get("four_special"), str):
        values["four_special"] = join_codes(values["four_special"])
    return values


async def require_free_ref(session: AsyncSession, tenant_id: uuid.UUID, ref: Any) -> None:
    """Refuse a student number the school already uses, with the fix, before the unique index would."""
    if ref is None:
        return
    taken = (
        await session.execute(select(StudentFile.id).where(StudentFile.tenant_id == tenant_id, StudentFile.student_ref == ref))
    ).first()
    if taken is not None:
        raise Conflict(
            f"Student number {ref} is already on another file of this school; update that file, or use another number.",
            field="studentRef",
            code="STUDENT_REF_TAKEN",
        )


async def create_student_file(session: AsyncSession, *, tenant_id: uuid.UUID, values: Mapping[str, Any]) -> StudentFile:
    clean = normalised_student_file(values)
    await require_free_ref(session, tenant_id, clean.get("student_ref"))
    return await create_record(
        session, StudentFile, tenant_id=tenant_id, values=clean, owner_kinds=OWNER_KINDS, validate=validate_student_file
    )


async def update_student_file(session: AsyncSession, file_id: uuid.UUID, changes: Mapping[str, Any]) -> StudentFile:
    clean = normalised_student_file(changes)
    if clean.get("student_ref") is not None:
        current = await get_record(session, StudentFile, file_id)
        if current.student_ref != clean["student_ref"]:
            await require_free_ref(session, current.tenant_id, clean["student_ref"])
    return await update_record(session, StudentFile, file_id, changes=clean, validate=validate_student_file)
