"""Station rules: what a valid station or counselling room record is."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.records import create_record, update_record
from runxin.platform.stations.models import STATION_KINDS, STATION_STATUSES, Station
from runxin.platform.tree.models import Tenant
from runxin.platform.validation import Checks

OWNER_KINDS = ("SCHOOL",)


def validate_station(values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None) -> None:
    """Raise Invalid/InvalidMany unless `values` describe a possible station."""
    checks = Checks(values)
    checks.required("name", "area_m2", "weekly_open_hours")
    checks.text("name", max_length=200, label="Name")
    checks.choice("kind", STATION_KINDS)
    checks.choice("status", STATION_STATUSES)
    checks.number("area_m2", minimum=0, exclusive_minimum=True, maximum=10_000, label="Area", unit=" m²")
    checks.number("weekly_open_hours", minimum=0, maximum=168, label="Weekly opening hours", unit=" h")
    if values.get("status") != "PLANNED":
        checks.date_not_after(
            "opened_on", today or dt.date.today(), reason="only a PLANNED station may have a future opening date."
        )
    checks.raise_if_any()


async def create_station(session: AsyncSession, *, tenant_id: uuid.UUID, values: Mapping[str, Any]) -> Station:
    return await create_record(
        session, Station, tenant_id=tenant_id, values=values, owner_kinds=OWNER_KINDS, validate=validate_station
    )


async def update_station(session: AsyncSession, station_id: uuid.UUID, changes: Mapping[str, Any]) -> Station:
    return await update_record(session, Station, station_id, changes=changes, validate=validate_station)
