"""Frozen figures of approved reports, and what changed since.

When a report is approved (or a root accepts its own), the tenant's subtree figures are computed
with the indicator engine for the period's year and written as one `AggregateSnapshot` row per
indicator under the report's version. A version is approved at most once (returning or reopening
an approved report starts the next version), so snapshot rows are only ever inserted: the figures
a bureau approved stay exactly as approved while the live figures move on.

`input_version` is the tenant's rollup outbox generation when the snapshot was taken (0 before
its first marked write): it tells which writes the frozen figures had seen.

The period's year is its first four digits (2025T2 and 2025SY are school year 2025, as
`SchoolEnrolment.school_year` counts; 202503 is 2025), which is the year the engine is asked for.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.db.base import utcnow
from runxin.platform.indicators import INDICATORS, IndicatorValue, TenantRef, ValueState, compute_indicators
from runxin.platform.reporting.models import AggregateSnapshot, Report
from runxin.platform.rollup.models import RollupDirty
from runxin.platform.standards import Standard


def period_year(period: str) -> int:
    """The year the indicators of `period` are computed for: its first four digits."""
    return int(period[:4])


async def input_versions(session: AsyncSession, tenant_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Each tenant's rollup outbox generation (0 when it has no row yet)."""
    rows = await session.execute(
        select(RollupDirty.tenant_id, RollupDirty.generation).where(RollupDirty.tenant_id.in_(list(tenant_ids)))
    )
    found = {row.tenant_id: row.generation for row in rows}
    return {tenant_id: found.get(tenant_id, 0) for tenant_id in tenant_ids}


async def freeze(
    session: AsyncSession, approved: Sequence[tuple[Any, Report]], *, standard: Standard, now: dt.datetime | None = None
) -> list[AggregateSnapshot]:
    """Write the snapshot of each (tenant row, its just-approved report): every indicator over the
    tenant's subtree at the report's version. One engine call for all of them; flushes."""
    if not approved:
        return []
    now = now or utcnow()
    by_year: dict[int, list[tuple[Any, Report]]] = {}
    for tenant, report in approved:
        by_year.setdefault(period_year(report.period), []).append((tenant, report))
    versions = await input_versions(session, [tenant.id for tenant, _ in approved])
    rows: list[AggregateSnapshot] = []
    for year, items in by_year.items():
        values = await compute_indicators(session, [TenantRef.of(t) for t, _ in items], year=year, standard=standard, now=now)
        for tenant, report in items:
            for indicator in INDICATORS:
                value = values[tenant.id, indicator.code]
                rows.append(
                    AggregateSnapshot(
                        tenant_id=tenant.id,
                        root_id=tenant.root_id,
                        report_id=report.id,
                        period=report.period,
                        version=report.version,
                        year=year,
                        indicator=indicator.code,
                        standards_version=value.standards_version,
                        units_total=value.units_total,
                        units_not_reported=value.units_not_reported,
                        numerator=value.numerator,
                        denominator=value.denominator,
                        value=value.value,
                        state=value.state.value,
                        as_of=value.as_of,
                        input_version=versions[tenant.id],
                    )
                )
    session.add_all(rows)
    await session.flush()
    return rows


def as_value(row: Any) -> IndicatorValue:
    """A snapshot row as the engine's IndicatorValue (SQLite hands back naive times: they are UTC)."""
    as_of = row.as_of if row.as_of.tzinfo is not None else row.as_of.replace(tzinfo=dt.UTC)
    return IndicatorValue(
        tenant_id=row.tenant_id,
        indicator=row.indicator,
        numerator=row.numerator,
        denominator=row.denominator,
        value=row.value,
        state=ValueState(row.state),
        units_total=row.units_total,
        units_not_reported=row.units_not_reported,
        as_of=as_of,
        standards_version=row.standards_version,
        year=row.year,
    )


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The frozen figures of one approved version of a tenant's report."""

    tenant_id: uuid.UUID
    period: str
    version: int
    input_version: int
    taken_at: dt.datetime
    figures: dict[str, IndicatorValue]  # by indicator code, in the definitions' order


def snapshot_columns() -> list[Any]:
    return [getattr(AggregateSnapshot, c.key) for c in AggregateSnapshot.__mapper__.column_attrs]


def _assemble(rows: Sequence[Any]) -> Snapshot:
    order = {indicator.code: i for i, indicator in enumerate(INDICATORS)}
    ordered = sorted(rows, key=lambda r: order.get(r.indicator, len(order)))
    first = ordered[0]
    return Snapshot(
        tenant_id=first.tenant_id,
        period=first.period,
        version=first.version,
        input_version=first.input_version,
        taken_at=as_value(first).as_of,
        figures={row.indicator: as_value(row) for row in ordered},
    )


async def snapshots(
    session: AsyncSession, tenant_ids: Sequence[uuid.UUID], period: str, *, version: int | None = None
) -> dict[uuid.UUID, Snapshot]:
    """Each tenant's snapshot for `period` at `version` (default: its latest approved one); tenants
    without one are left out. One statement for all."""
    ids = list(dict.fromkeys(tenant_ids))
    if not ids:
        return {}
    statement = select(*snapshot_columns()).where(AggregateSnapshot.tenant_id.in_(ids), AggregateSnapshot.period == period)
    if version is not None:
        statement = statement.where(AggregateSnapshot.version == version)
    else:
        latest = (
            select(AggregateSnapshot.tenant_id.label("tenant_id"), func.max(AggregateSnapshot.version).label("version"))
            .where(AggregateSnapshot.tenant_id.in_(ids), AggregateSnapshot.period == period)
            .group_by(AggregateSnapshot.tenant_id)
            .subquery()
        )
        statement = statement.join(
            latest, and_(latest.c.tenant_id == AggregateSnapshot.tenant_id, latest.c.version == AggregateSnapshot.version)
        )
    grouped: dict[uuid.UUID, list[Any]] = {}
    for row in await session.execute(statement):
        grouped.setdefault(row.tenant_id, []).append(row)
    return {tenant_id: _assemble(rows) for tenant_id, rows in grouped.items()}


@dataclass(frozen=True, slots=True)
class IndicatorChange:
    """One indicator whose live figures differ from those of the latest approved version."""

    indicator: str
    approved_version: int
    approved: IndicatorValue
    current: IndicatorValue


def _same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    # Both come from the same sums; the tolerance only absorbs float formatting between databases.
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def differs(approved: IndicatorValue, current: IndicatorValue) -> bool:
    """Has the indicator moved: its state, value, or the sums behind it (1/2 becoming 2/4 is a change
    of data even though the value stays)?"""
    return (
        approved.state is not current.state
        or not _same_number(approved.value, current.value)
        or not _same_number(approved.numerator, current.numerator)
        or not _same_number(approved.denominator, current.denominator)
        or approved.units_total != current.units_total
    )


def compare(snapshot: Snapshot, live: Mapping[str, IndicatorValue]) -> list[IndicatorChange]:
    """The indicators whose live values differ from the snapshot's, in the definitions' order.
    An indicator defined after the snapshot was taken is not compared (it was never approved)."""
    return [
        IndicatorChange(indicator=code, approved_version=snapshot.version, approved=approved, current=live[code])
        for code, approved in snapshot.figures.items()
        if code in live and differs(approved, live[code])
    ]


async def changes_since_approved(
    session: AsyncSession, tenant: Any, period: str, *, standard: Standard
) -> list[IndicatorChange] | None:
    """What changed in `tenant`'s subtree figures since its latest approved version of `period`
    (None when no version has been approved yet)."""
    found = (await snapshots(session, [tenant.id], period)).get(tenant.id)
    if found is None:
        return None
    values = await compute_indicators(session, [TenantRef.of(tenant)], year=period_year(period), standard=standard)
    return compare(found, {code: value for (_, code), value in values.items()})
