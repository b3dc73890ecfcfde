"""Home visit rules: who may be visited, by whom, when, and how the calendar columns are kept.

A visit belongs to the student's school (SchoolPrivate): the student file is looked up through the
scoped session, so only the school itself finds it, and the visiting teacher must be an active
staff member of that school.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.errors import Invalid
from runxin.platform.homeschool.calendar import calendar_columns
from runxin.platform.homeschool.models import VISIT_MODES, HomeVisit
from runxin.platform.records import create_record, get_record, update_record
from runxin.platform.staffing.models import Staff
from runxin.platform.students.models import StudentFile
from runxin.platform.tree.models import Tenant
from runxin.platform.validation import Checks

OWNER_KINDS = ("SCHOOL",)
FIRST_YEAR = 2000
MAX_NOTE = 2000


def check_student(checks: Checks, student: StudentFile | None, *, field: str = "student_file_id") -> None:
    """A record about a student is made for a student still at the school."""
    if student is not None and not student.active:
        checks.fail(
            field,
            "STUDENT_LEFT",
            f"Student {student.student_ref} has left the school (the file is inactive); record visits and mentors for "
            "students on the roll only.",
        )


def check_staff(checks: Checks, staff: Staff | None, tenant: Tenant, field: str, kinds: tuple[str, ...] | None = None) -> None:
    """The teacher of a student-level record works at the student's school, is active and (when
    `kinds` is given) is of one of those kinds."""
    if staff is None:
        return
    if staff.tenant_id != tenant.id:
        checks.fail(field, "STAFF_OF_OTHER_TENANT", f"That staff member works elsewhere, not at {tenant.name}; choose one of its own staff.")
    elif not staff.active:
        checks.fail(field, "STAFF_INACTIVE", f"{staff.name} is no longer active at the school; choose an active staff member.")
    elif kinds is not None and staff.kind not in kinds:
        checks.fail(field, "STAFF_KIND", f"{staff.name} is a {staff.kind} staff member; choose one of kind {', '.join(kinds)}.")


def validate_home_visit(
    values: Mapping[str, Any],
    tenant: Tenant,
    *,
    student: StudentFile | None = None,
    staff: Staff | None = None,
    today: dt.date | None = None,
) -> None:
    """Raise Invalid/InvalidMany unless `values` describe a visit (or contact) that happened."""
    today = today or dt.date.today()
    checks = Checks(values)
    checks.required("student_file_id", "staff_id", "visited_on", "mode")
    checks.choice("mode", VISIT_MODES)
    checks.text("note", min_length=0, max_length=MAX_NOTE, label="Note")
    checks.date_not_after("visited_on", today, reason="record a visit once it has happened.")
    visited_on = values.get("visited_on")
    if visited_on is not None and visited_on.year < FIRST_YEAR:
        checks.fail("visited_on", "TOO_EARLY", f"visited_on {visited_on.isoformat()} is before {FIRST_YEAR}; check the year.")
    check_student(checks, student)
    check_staff(checks, staff, tenant, "staff_id")
    checks.raise_if_any()


def _dated(values: Mapping[str, Any]) -> dict[str, Any]:
    # The calendar columns always follow the date; a client never sets them.
    values = {k: v for k, v in values.items() if k not in ("school_year", "school_month")}
    if isinstance(values.get("visited_on"), dt.date):
        values.update(calendar_columns(values["visited_on"]))
    return values


async def create_home_visit(session: AsyncSession, *, student_file_id: uuid.UUID, values: Mapping[str, Any]) -> HomeVisit:
    """Record a visit to (or contact with) a student's family; it belongs to the student's school."""
    student = await get_record(session, StudentFile, student_file_id, field="student_file_id")
    staff_id = values.get("staff_id")
    staff = await get_record(session, Staff, staff_id, field="staff_id") if staff_id is not None else None
    return await create_record(
        session,
        HomeVisit,
        tenant_id=student.tenant_id,
        values=_dated({**values, "student_file_id": student.id}),
        owner_kinds=OWNER_KINDS,
        validate=functools.partial(validate_home_visit, student=student, staff=staff),
    )


async def update_home_visit(session: AsyncSession, visit_id: uuid.UUID, changes: Mapping[str, Any]) -> HomeVisit:
    """Change a visit; only the fields given change. The student stays the same."""
    if "student_file_id" in changes:
        raise Invalid("student_file_id", "READ_ONLY", "A visit stays with its student; delete it and record one for the other student.")
    visit = await get_record(session, HomeVisit, visit_id)
    staff_id = changes.get("staff_id", visit.staff_id)
    staff = await get_record(session, Staff, staff_id, field="staff_id") if staff_id is not None else None
    # The student is checked on create only: a visit to a student who has since left stays editable.
    return await update_record(
        session, HomeVisit, visit.id, changes=_dated(changes), validate=functools.partial(validate_home_visit, staff=staff)
    )


async def delete_home_visit(session: AsyncSession, visit_id: uuid.UUID) -> HomeVisit:
    """Remove a visit recorded by mistake."""
    visit = await get_record(session, HomeVisit, visit_id)
    await session.delete(visit)
    await session.flush()
    return visit
