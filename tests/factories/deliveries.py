"""Approved reports with frozen figures, and delivery endpoints, for the delivery tests.

Written straight into the tables with a system session, the way the approval services leave them:
a city's Report row APPROVED means the city accepted the period, and each approval froze
AggregateSnapshot rows of that tenant's subtree at the report's version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.delivery.models import DeliveryEndpoint
from runxin.platform.delivery.services import create_endpoint
from runxin.platform.delivery.ssrf import Destinations
from runxin.platform.reporting.models import AggregateSnapshot, Report
from runxin.platform.tree.models import Tenant

AS_OF = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
VALUES = {"STATION_COVERAGE": 0.5, "COUNSELLOR_COVERAGE": None}


async def approve(
    session: AsyncSession,
    tenant: Tenant,
    *,
    period: str = "2025",
    version: int = 1,
    values: Mapping[str, float | None] = VALUES,
    state: str = "APPROVED",
) -> Report:
    """Set the tenant's report for `period` to `state` at `version`, freezing `values` (None: not reported)."""
    report = (
        await session.execute(select(Report).where(Report.tenant_id == tenant.id, Report.period == period))
    ).scalar_one_or_none()
    if report is None:
        report = Report(tenant_id=tenant.id, root_id=tenant.root_id, period=period)
        session.add(report)
    report.version, report.state, report.decided_at = version, state, AS_OF
    await session.flush()
    if state == "APPROVED":
        for indicator, value in values.items():
            session.add(
                AggregateSnapshot(
                    tenant_id=tenant.id,
                    root_id=tenant.root_id,
                    report_id=report.id,
                    period=period,
                    version=version,
                    year=int(period[:4]),
                    indicator=indicator,
                    standards_version="2023",
                    units_total=4,
                    units_not_reported=0 if value is not None else 4,
                    numerator=(value or 0.0) * 4,
                    denominator=4.0 if value is not None else 0.0,
                    value=value,
                    state="REPORTED" if value is not None else "NOT_REPORTED",
                    as_of=AS_OF,
                    input_version=version,
                )
            )
    await session.commit()
    return report


async def accept_everything(
    session: AsyncSession, city: Tenant, counties: list[Tenant], *, period: str = "2025", version: int = 1
) -> None:
    """Every county approved with distinct values, and the city's acceptance of `period` at `version`."""
    for n, county in enumerate(counties, start=1):
        await approve(session, county, period=period, version=1, values={"STATION_COVERAGE": n / 10, "COUNSELLOR_COVERAGE": None})
    await approve(
        session, city, period=period, version=version, values={"STATION_COVERAGE": 0.25 * version, "COUNSELLOR_COVERAGE": None}
    )


async def add_endpoint(session: AsyncSession, city: Tenant, url: str, *, timeout: float = 0.5) -> tuple[DeliveryEndpoint, str]:
    """A city endpoint at `url` with a short timeout (the hang tests wait for it); returns it and its secret."""
    created = await create_endpoint(
        session,
        tenant_id=city.id,
        url=url,
        timeout_seconds=timeout,
        now=AS_OF - dt.timedelta(days=1),
        destinations=Destinations.development(),  # the receiver listens on 127.0.0.1
    )
    await session.commit()
    return created.endpoint, created.secret
