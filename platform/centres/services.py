"""Centre rules: what a valid county counselling centre and its per-period activity are."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.centres.models import CENTRE_STATUSES, CentreActivity, CounsellingCentre
from runxin.platform.periods import check_period, normalise_period
from runxin.platform.records import create_record, get_record, update_record, upsert_record
from runxin.platform.tree.models import Tenant
from runxin.platform.validation import Checks

OWNER_KINDS = ("COUNTY",)
# A centre may carry a future opening date only while it is still being planned or built.
NOT_YET_OPEN = ("PLANNED", "UNDER_CONSTRUCTION")
MAX_VOLUNTEERS = 10_000
MAX_ACTIVITY_COUNT = 100_000


def validate_centre(values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None) -> None:
    """Raise Invalid/InvalidMany unless `values` describe a possible counselling centre."""
    checks = Checks(values)
    checks.required("name")
    checks.text("name", max_length=200, label="Name")
    checks.choice("status", CENTRE_STATUSES)
    checks.text("address", min_length=0, max_length=300, label="Address")
    checks.number("volunteer_team_size", minimum=0, maximum=MAX_VOLUNTEERS, label="Volunteer team size", unit=" people")
    status = values.get("status")
    if status == "OPERATIONAL" and values.get("opening_date") is None:
        checks.fail("opening_date", "REQUIRED", "An OPERATIONAL centre needs its opening_date; enter the day it opened.")
    if status not in NOT_YET_OPEN:
        checks.date_not_after(
            "opening_date",
            today or dt.date.today(),
            reason="only a PLANNED or UNDER_CONSTRUCTION centre may have a future opening date.",
        )
    if not values.get("online") and not values.get("offline"):
        checks.fail("online", "SERVICE_MODE_REQUIRED", "A centre counsels online, offline or both; set online or offline.")
    checks.raise_if_any()


def validate_centre_activity(values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None) -> None:
    """Raise unless `values` are one period's guidance visits and trainings of a centre."""
    checks = Checks(values)
    check_period(checks, "period", today=today)
    checks.required("guidance_visits", "trainings_delivered")
    checks.number("guidance_visits", minimum=0, maximum=MAX_ACTIVITY_COUNT, label="Guidance visits")
    checks.number("trainings_delivered", minimum=0, maximum=MAX_ACTIVITY_COUNT, label="Trainings delivered")
    checks.raise_if_any()


async def create_centre(session: AsyncSession, *, tenant_id: uuid.UUID, values: Mapping[str, Any]) -> CounsellingCentre:
    return await create_record(
        session, CounsellingCentre, tenant_id=tenant_id, values=values, owner_kinds=OWNER_KINDS, validate=validate_centre
    )


async def update_centre(session: AsyncSession, centre_id: uuid.UUID, changes: Mapping[str, Any]) -> CounsellingCentre:
    return await update_record(session, CounsellingCentre, centre_id, changes=changes, validate=validate_centre)


async def record_centre_activity(
    session: AsyncSession, centre_id: uuid.UUID, period: str, guidance_visits: int, trainings_delivered: int
) -> CentreActivity:
    """Set a centre's activity for one period, replacing what was recorded for it before."""
    centre = await get_record(session, CounsellingCentre, centre_id, field="centre_id")
    return await upsert_record(
        session,
        CentreActivity,
        key={"centre_id": centre.id, "period": normalise_period(period)},
        tenant_id=centre.tenant_id,
        values={"guidance_visits": guidance_visits, "trainings_delivered": trainings_delivered},
        owner_kinds=OWNER_KINDS,
        validate=validate_centre_activity,
    )
