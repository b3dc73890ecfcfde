"""Training rules: programmes, their sessions, and the attendance that registers credits per teacher.

Who records a programme: a tenant records the programmes of its own level that it runs, and the
programmes of higher levels (national, provincial, city) that it sends its people to. A county thus
records its own county programme and the provincial programme its teachers attend, but not a
school's in-house training, which the school records. Attendance belongs to the teacher's tenant,
and the teacher must be in the subtree of the tenant that recorded the programme.

Who may attend a programme: anyone of the subtree, whatever the programme's audience. A staff
record has one kind, but people hold several posts (a principal who is also a homeroom teacher, a
full-time mental-health teacher paid as one), and the credits of a session are earned by whoever
completed it (seeds/003 §四2: homeroom training counts towards continuing-education credits), so
refusing the registration would lose real credits. The audience decides what the attendance
counts for instead: a principal at a homeroom-teacher session earns its credits and trains in
mental-health basics, but is not a trained principal (see AUDIENCE_KINDS and the
*_TRAINING_COVERAGE indicators).
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.errors import Invalid
from runxin.platform.records import create_record, get_record, update_record, upsert_record
from runxin.platform.staffing.models import Staff
from runxin.platform.staffing.services import OWNER_KINDS as STAFF_OWNER_KINDS
from runxin.platform.training.models import AUDIENCES, PROGRAMME_LEVELS, TrainingAttendance, TrainingProgramme, TrainingSession
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.services import get_tenant
from runxin.platform.validation import Checks

OWNER_KINDS = ("CITY", "COUNTY", "SCHOOL")
# The programme level that matches each kind of tenant; PROGRAMME_LEVELS runs from the highest down.
OWN_LEVEL = {"PROVINCE": "PROVINCIAL", "CITY": "CITY", "COUNTY": "COUNTY", "SCHOOL": "SCHOOL"}
FIRST_YEAR = 2000
MAX_SESSION_HOURS = 200
MAX_SESSION_CREDITS = 50


def validate_programme(values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None) -> None:
    """Raise Invalid/InvalidMany unless `values` describe a programme that `tenant` may record."""
    today = today or dt.date.today()
    checks = Checks(values)
    checks.required("name", "level", "year")
    checks.text("name", max_length=200, label="Name")
    checks.choice("level", PROGRAMME_LEVELS)
    checks.choice("audience", AUDIENCES)
    checks.number("year", minimum=FIRST_YEAR, maximum=today.year + 1, label="Year")
    level, own = values.get("level"), OWN_LEVEL.get(tenant.kind)
    if level in PROGRAMME_LEVELS and own is not None and PROGRAMME_LEVELS.index(level) > PROGRAMME_LEVELS.index(own):
        higher = ", ".join(PROGRAMME_LEVELS[: PROGRAMME_LEVELS.index(own) + 1])
        checks.fail(
            "level",
            "LEVEL_BELOW_OWNER",
            f"A {tenant.kind.lower()} records programmes of level {higher}; a {level} programme is recorded by its "
            f"{level.lower()} tenant.",
        )
    checks.raise_if_any()


def validate_training_session(values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None) -> None:
    """Raise Invalid/InvalidMany unless `values` describe a possible training session."""
    checks = Checks(values)
    checks.required("title", "starts_on", "ends_on", "hours", "credits")
    checks.text("title", max_length=200, label="Title")
    checks.dates_ordered("starts_on", "ends_on")
    checks.number("hours", minimum=0, exclusive_minimum=True, maximum=MAX_SESSION_HOURS, label="Hours", unit=" h")
    checks.number("credits", minimum=0, maximum=MAX_SESSION_CREDITS, label="Credits")
    checks.raise_if_any()


def validate_attendance(
    values: Mapping[str, Any],
    tenant: Tenant,
    *,
    today: dt.date | None = None,
    training_session: TrainingSession | None = None,
    programme_owner: Tenant | None = None,
) -> None:
    """Raise unless `values` register a teacher of `tenant` at `training_session` of `programme_owner`."""
    today = today or dt.date.today()
    checks = Checks(values)
    checks.required("completed", "credits_awarded")
    checks.number("credits_awarded", minimum=0, label="Credits awarded")
    credits = values.get("credits_awarded")
    credits_ok = credits is not None and not any(e.field == "credits_awarded" for e in checks.errors)
    if credits_ok and values.get("completed") is False and Decimal(str(credits)) > 0:
        checks.fail(
            "credits_awarded",
            "CREDITS_WITHOUT_COMPLETION",
            f"credits_awarded is {credits} but the session was not completed; award 0, or mark it completed.",
        )
    elif credits_ok and training_session is not None and Decimal(str(credits)) > training_session.credits:
        checks.fail(
            "credits_awarded",
            "CREDITS_EXCEED_SESSION",
            f"credits_awarded is {credits}; the session is worth {training_session.credits} credits at most.",
        )
    if values.get("completed") and training_session is not None and training_session.ends_on > today:
        checks.fail(
            "completed",
            "SESSION_NOT_ENDED",
            f"The session ends on {training_session.ends_on.isoformat()}; mark it completed once it has ended.",
        )
    if programme_owner is not None and not tenant.path.startswith(programme_owner.path):
        checks.fail(
            "staff_id",
            "ATTENDEE_OUTSIDE_PROGRAMME",
            f"This teacher belongs to {tenant.name or tenant.code}, outside {programme_owner.name or programme_owner.code}, "
            "which runs the programme; register teachers of that tenant or its schools only.",
        )
    checks.raise_if_any()


def _refuse(changes: Mapping[str, Any], field: str, message: str) -> None:
    if field in changes:
        raise Invalid(field, "READ_ONLY", message)


async def create_programme(session: AsyncSession, *, tenant_id: uuid.UUID, values: Mapping[str, Any]) -> TrainingProgramme:
    return await create_record(
        session, TrainingProgramme, tenant_id=tenant_id, values=values, owner_kinds=OWNER_KINDS, validate=validate_programme
    )


async def update_programme(session: AsyncSession, programme_id: uuid.UUID, changes: Mapping[str, Any]) -> TrainingProgramme:
    updated = await update_record(session, TrainingProgramme, programme_id, changes=changes, validate=validate_programme)
    # Attendance carries the programme's audience: keep it in step, through the unit of work (as
    # the credit year below), so the rollups see it and an approved year refuses it.
    moved = (
        await session.execute(
            select(TrainingAttendance)
            .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
            .where(TrainingSession.programme_id == updated.id, TrainingAttendance.audience != updated.audience)
        )
    ).scalars()
    for attendance in moved:
        attendance.audience = updated.audience
    await session.flush()
    return updated


async def create_training_session(
    session: AsyncSession, *, programme_id: uuid.UUID, values: Mapping[str, Any]
) -> TrainingSession:
    """Add a session to a programme; it belongs to the programme's tenant."""
    programme = await get_record(session, TrainingProgramme, programme_id, field="programme_id")
    return await create_record(
        session,
        TrainingSession,
        tenant_id=programme.tenant_id,
        values={**values, "programme_id": programme.id},
        owner_kinds=OWNER_KINDS,
        validate=validate_training_session,
    )


async def update_training_session(session: AsyncSession, session_id: uuid.UUID, changes: Mapping[str, Any]) -> TrainingSession:
    _refuse(changes, "programme_id", "A session stays in its programme; add a new session to the other programme instead.")
    updated = await update_record(session, TrainingSession, session_id, changes=changes, validate=validate_training_session)
    # Attendance carries the session's end year: keep it in step when the dates move. Through the
    # unit of work, not a bulk UPDATE: moving credits between years must mark the attendees' tenants
    # for the rollups and pass the check that refuses changes to an approved period.
    moved = (
        await session.execute(
            select(TrainingAttendance).where(
                TrainingAttendance.session_id == updated.id, TrainingAttendance.credit_year != updated.ends_on.year
            )
        )
    ).scalars()
    for attendance in moved:
        attendance.credit_year = updated.ends_on.year
    await session.flush()
    return updated


async def register_attendance(
    session: AsyncSession, *, session_id: uuid.UUID, staff_id: uuid.UUID, completed: bool, credits_awarded: Decimal
) -> TrainingAttendance:
    """Record that a teacher attended (and completed) a session, replacing any earlier registration."""
    training_session = await get_record(session, TrainingSession, session_id, field="session_id")
    staff = await get_record(session, Staff, staff_id, field="staff_id")
    owner = await get_tenant(session, training_session.tenant_id)
    # The session and its programme belong to the same tenant, so whoever sees the one sees the other.
    programme = await get_record(session, TrainingProgramme, training_session.programme_id, field="session_id")
    return await upsert_record(
        session,
        TrainingAttendance,
        key={"session_id": training_session.id, "staff_id": staff.id},
        tenant_id=staff.tenant_id,
        values={
            "completed": completed,
            "credits_awarded": credits_awarded,
            "credit_year": training_session.ends_on.year,
            "audience": programme.audience,
        },
        owner_kinds=STAFF_OWNER_KINDS,
        validate=functools.partial(validate_attendance, training_session=training_session, programme_owner=owner),
    )


async def credit_summary(session: AsyncSession, staff_ids: Iterable[uuid.UUID], year: int) -> dict[uuid.UUID, Decimal]:
    """Credits each teacher earned in sessions that ended in `year` (0 for none), in one query.

    Only attendance in the caller's subtree counts: a teacher outside it reads as 0.
    """
    ids = list(dict.fromkeys(staff_ids))
    if not ids:
        return {}
    # Attendance carries its credit year, so a school sums its teachers' credits from sessions its
    # county or city ran without reading those (ancestor-owned, so out of scope) sessions.
    rows = await session.execute(
        select(TrainingAttendance.staff_id, func.sum(TrainingAttendance.credits_awarded))
        .where(
            TrainingAttendance.staff_id.in_(ids),
            TrainingAttendance.completed.is_(True),
            TrainingAttendance.credit_year == year,
        )
        .group_by(TrainingAttendance.staff_id)
    )
    totals = {staff_id: Decimal(str(total)) for staff_id, total in rows}
    return {staff_id: totals.get(staff_id, Decimal(0)) for staff_id in ids}
