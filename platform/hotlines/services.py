"""Hotline rules: what a valid psychological-aid hotline and its per-period call counts are."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.hotlines.models import HOTLINE_STATUSES, Hotline, HotlineCallCount
from runxin.platform.periods import check_period, normalise_period
from runxin.platform.phones import PHONE_FORMS, is_phone, normalise_phone
from runxin.platform.records import create_record, get_record, update_record, upsert_record
from runxin.platform.tree.models import Tenant
from runxin.platform.validation import Checks

# One hotline per county, and one per school of central-school rank and above.
OWNER_KINDS = ("COUNTY", "SCHOOL")
MAX_CALLS = 1_000_000


def validate_hotline(values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None) -> None:
    """Raise Invalid/InvalidMany unless `values` describe a possible hotline."""
    checks = Checks(values)
    checks.required("number")
    checks.choice("status", HOTLINE_STATUSES)
    checks.text("schedule", min_length=0, max_length=200, label="Schedule")
    number = values.get("number")
    if number is not None and not is_phone(number):
        checks.fail("number", "PHONE_FORMAT", f"{number!r} is not a Chinese phone number; write {PHONE_FORMS}.")
    if not values.get("always_open") and not str(values.get("schedule") or "").strip():
        checks.fail(
            "schedule",
            "SCHEDULE_REQUIRED",
            "A hotline that is not open 24 hours needs its service hours in schedule, e.g. 'Mon-Fri 08:00-22:00'; "
            "or set always_open.",
        )
    checks.raise_if_any()


def validate_call_counts(values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None) -> None:
    """Raise unless `values` are one period's call counts of a hotline."""
    checks = Checks(values)
    check_period(checks, "period", today=today)
    checks.required("calls", "crisis_calls", "referrals")
    for field, label in (("calls", "Calls"), ("crisis_calls", "Crisis calls"), ("referrals", "Referrals")):
        checks.number(field, minimum=0, maximum=MAX_CALLS, label=label)
    failed = {e.field for e in checks.errors}
    calls = values.get("calls")
    for field in ("crisis_calls", "referrals"):
        part = values.get(field)
        if calls is not None and part is not None and not failed & {"calls", field} and part > calls:
            checks.fail(
                field,
                "COUNT_EXCEEDS_CALLS",
                f"{field} is {part} but the period had {calls} calls; it cannot exceed the calls.",
            )
    checks.raise_if_any()


def _normalised(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if isinstance(values.get("number"), str):
        values["number"] = normalise_phone(values["number"])
    return values


async def create_hotline(session: AsyncSession, *, tenant_id: uuid.UUID, values: Mapping[str, Any]) -> Hotline:
    return await create_record(
        session, Hotline, tenant_id=tenant_id, values=_normalised(values), owner_kinds=OWNER_KINDS, validate=validate_hotline
    )


async def update_hotline(session: AsyncSession, hotline_id: uuid.UUID, changes: Mapping[str, Any]) -> Hotline:
    return await update_record(session, Hotline, hotline_id, changes=_normalised(changes), validate=validate_hotline)


async def record_call_counts(
    session: AsyncSession, hotline_id: uuid.UUID, period: str, calls: int, crisis_calls: int, referrals: int
) -> HotlineCallCount:
    """Set a hotline's call counts for one period, replacing what was recorded for it before."""
    hotline = await get_record(session, Hotline, hotline_id, field="hotline_id")
    return await upsert_record(
        session,
        HotlineCallCount,
        key={"hotline_id": hotline.id, "period": normalise_period(period)},
        tenant_id=hotline.tenant_id,
        values={"calls": calls, "crisis_calls": crisis_calls, "referrals": referrals},
        owner_kinds=OWNER_KINDS,
        validate=validate_call_counts,
    )
