"""Recording model-school recognitions: who may record which level, and what a valid one is.

Who writes: a bureau above the school, at or above the level it records. A county bureau records
its schools' COUNTY-level recognitions; a CITY-level one is recorded by the city bureau (or a
province above it), and so on up. The top tenant of a tree (a city with no province above it in
the deployment) also records the levels above itself, since no tenant exists to do it: the city
enters the provincial and national titles of its schools. The tree decides: the writer must be an
ancestor of the school, and its kind's rank (COUNTY < CITY < PROVINCE) must reach the level.

The school itself reads its recognitions but does not write them, nor propose them: a recognition
is the awarding authority's decision, evidenced by a certificate the bureau has seen, and the share
of model schools is a figure the bureaus report upwards. A school's claim goes to its bureau,
outside this record, as today.

Revoking is its own operation (a title withdrawn, 摘牌), done once, by a writer entitled to the
level; the row stays, so past years keep counting it while it was in force.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.errors import Invalid, PermissionDenied
from runxin.platform.recognitions.models import RECOGNITION_LEVELS, ModelSchoolRecognition
from runxin.platform.records import create_record, get_record, update_record
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.services import get_tenant
from runxin.platform.validation import Checks

OWNER_KINDS = ("SCHOOL",)
# The highest recognition level each kind of bureau records (an index into RECOGNITION_LEVELS).
BUREAU_RANK = {"COUNTY": 0, "CITY": 1, "PROVINCE": 2}


def may_record(writer: Tenant, school: Tenant, level: str) -> bool:
    """May `writer` record (or change, or revoke) a recognition of `level` for `school`?"""
    if writer.kind not in BUREAU_RANK or writer.id == school.id or not school.path.startswith(writer.path):
        return False
    if level not in RECOGNITION_LEVELS:
        return True  # the level itself is refused by the validator, with its own message
    return RECOGNITION_LEVELS.index(level) <= BUREAU_RANK[writer.kind] or writer.parent_id is None


def recorders_of(level: str) -> str:
    """Who records a recognition of `level`, in words (for messages)."""
    rank = RECOGNITION_LEVELS.index(level)
    bureaus = [kind.lower() for kind, top in BUREAU_RANK.items() if top >= rank]
    return f"a {' or '.join(bureaus)} bureau above the school" if bureaus else "the bureau at the top of the school's tree"


def _check_writer(checks: Checks, writer: Tenant | None, school: Tenant, level: Any) -> None:
    if writer is None:
        return  # a system job (seeding, the migration of profile levels)
    if writer.kind == "SCHOOL":
        checks.fail(
            "level",
            "RECORDED_BY_BUREAU",
            "A school's model-school recognitions are recorded by the bureau above it; ask your county bureau to "
            "record this one (the city bureau records city level and above).",
        )
    elif not may_record(writer, school, level):
        checks.fail(
            "level",
            "LEVEL_ABOVE_WRITER",
            f"A {writer.kind.lower()} bureau does not record {str(level).lower()}-level recognitions; "
            f"{recorders_of(level)} does.",
        )


def validate_recognition(
    values: Mapping[str, Any],
    tenant: Tenant,
    *,
    today: dt.date | None = None,
    writer: Tenant | None = None,
    creating: bool = False,
) -> None:
    """Raise Invalid/InvalidMany unless `values` are a recognition of school `tenant` that `writer` may record."""
    today = today or dt.date.today()
    checks = Checks(values)
    checks.required("level", "title", "recognised_on", "awarded_by", *(("certificate_no",) if creating else ()))
    checks.choice("level", RECOGNITION_LEVELS)
    checks.text("title", max_length=200, label="Title")
    checks.text("awarded_by", max_length=200, label="Awarding authority")
    if values.get("certificate_no") is not None:
        checks.text("certificate_no", max_length=64, label="Certificate number")
    checks.date_not_after("recognised_on", today, reason="enter the day the title was awarded, not a planned one.")
    checks.dates_ordered("recognised_on", "valid_until")
    checks.date_not_after("revoked_on", today, reason="enter the day it was withdrawn; a planned withdrawal is recorded on the day.")
    checks.dates_ordered("recognised_on", "revoked_on")
    if values.get("level") in RECOGNITION_LEVELS:
        _check_writer(checks, writer, tenant, values["level"])
    checks.raise_if_any()


async def create_recognition(
    session: AsyncSession, *, writer_tenant_id: uuid.UUID | None, tenant_id: uuid.UUID, values: Mapping[str, Any]
) -> ModelSchoolRecognition:
    """Record a recognition of school `tenant_id`, written by the caller's tenant (None: a system job)."""
    writer = None if writer_tenant_id is None else await get_tenant(session, writer_tenant_id, field="writer")
    if "revoked_on" in values and values["revoked_on"] is not None:
        raise Invalid("revoked_on", "READ_ONLY", "Record the recognition first, then withdraw it with modelSchoolRecognitionRevoke.")
    return await create_record(
        session,
        ModelSchoolRecognition,
        tenant_id=tenant_id,
        values=values,
        owner_kinds=OWNER_KINDS,
        validate=functools.partial(validate_recognition, writer=writer, creating=True),
    )


async def _entitled(session: AsyncSession, record: ModelSchoolRecognition, writer: Tenant | None) -> None:
    # Changing a recognition needs the right to the level it has now, not only to the new one: a
    # county cannot turn the city's award into a county one and then own it.
    if writer is None:
        return
    school = await get_tenant(session, record.tenant_id)
    if not may_record(writer, school, record.level):
        raise PermissionDenied(
            f"This is a {record.level.lower()}-level recognition; {recorders_of(record.level)} changes or withdraws it.",
            field="id",
            code="LEVEL_ABOVE_WRITER" if writer.kind != "SCHOOL" else "RECORDED_BY_BUREAU",
        )


async def update_recognition(
    session: AsyncSession, recognition_id: uuid.UUID, changes: Mapping[str, Any], *, writer_tenant_id: uuid.UUID | None
) -> ModelSchoolRecognition:
    """Change a recognition's facts (only the fields given); withdrawal is `revoke_recognition`."""
    if "revoked_on" in changes:
        raise Invalid("revoked_on", "READ_ONLY", "Withdraw a recognition with modelSchoolRecognitionRevoke.")
    writer = None if writer_tenant_id is None else await get_tenant(session, writer_tenant_id, field="writer")
    record = await get_record(session, ModelSchoolRecognition, recognition_id)
    await _entitled(session, record, writer)
    return await update_record(
        session, ModelSchoolRecognition, record.id, changes=changes, validate=functools.partial(validate_recognition, writer=writer)
    )


async def revoke_recognition(
    session: AsyncSession, recognition_id: uuid.UUID, revoked_on: dt.date, *, writer_tenant_id: uuid.UUID | None
) -> ModelSchoolRecognition:
    """Withdraw a recognition from `revoked_on` on; it stays on record, in force until the day before."""
    writer = None if writer_tenant_id is None else await get_tenant(session, writer_tenant_id, field="writer")
    record = await get_record(session, ModelSchoolRecognition, recognition_id)
    await _entitled(session, record, writer)
    if record.revoked_on is not None:
        raise Invalid(
            "revoked_on",
            "ALREADY_REVOKED",
            f"This recognition was withdrawn on {record.revoked_on.isoformat()}; record a new one if the title was awarded again.",
        )
    return await update_record(
        session,
        ModelSchoolRecognition,
        record.id,
        changes={"revoked_on": revoked_on},
        validate=functools.partial(validate_recognition, writer=writer),
    )
