"""The school's psychological-crisis emergency plan (制定心理危机紧急处置预案, seeds/001 §(五)2):
one per school, with the day it was adopted and last reviewed."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.errors import Conflict
from runxin.platform.records import create_record, update_record
from runxin.platform.students.care import CrisisPlan, school_year_of
from runxin.platform.tree.models import Tenant
from runxin.platform.validation import Checks

OWNER_KINDS = ("SCHOOL",)


def validate_crisis_plan(values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None) -> None:
    today = today or dt.date.today()
    checks = Checks(values)
    checks.required("title", "adopted_on")
    checks.text("title", max_length=200, label="Title")
    checks.date_not_after("adopted_on", today, reason="record the plan once the school has adopted it.")
    checks.date_not_after("reviewed_on", today, reason="enter the day of the last review.")
    checks.dates_ordered("adopted_on", "reviewed_on")
    checks.raise_if_any()


def _with_year(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if values.get("adopted_on") is not None:
        values["adopted_year"] = school_year_of(values["adopted_on"])
    if isinstance(values.get("title"), str):
        values["title"] = values["title"].strip()
    return values


async def create_crisis_plan(session: AsyncSession, *, tenant_id: uuid.UUID, values: Mapping[str, Any]) -> CrisisPlan:
    if (await session.execute(select(CrisisPlan.id).where(CrisisPlan.tenant_id == tenant_id))).first() is not None:
        raise Conflict(
            "This school already has a crisis plan; update it (a new adoption date, a review) instead.",
            field="tenantId",
            code="CRISIS_PLAN_EXISTS",
        )
    return await create_record(
        session,
        CrisisPlan,
        tenant_id=tenant_id,
        values=_with_year(values),
        owner_kinds=OWNER_KINDS,
        validate=validate_crisis_plan,
    )


async def update_crisis_plan(session: AsyncSession, plan_id: uuid.UUID, changes: Mapping[str, Any]) -> CrisisPlan:
    return await update_record(session, CrisisPlan, plan_id, changes=_with_year(changes), validate=validate_crisis_plan)
