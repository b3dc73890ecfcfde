"""Recompute one dirty tenant from its own units and its children's stored sums.

Run inside one transaction the caller opens (as system) and commits:

1. lock the tenant's `rollup_dirty` row (FOR UPDATE on PostgreSQL; on SQLite the worker's
   transaction began IMMEDIATE and holds the write lock) and read its generation G;
2. own sums from the indicator engine (`compute_own`) plus the children's `aggregate` sums: the
   tenant's figures, recomputed whole, so a duplicate message or a retry changes nothing;
3. upsert the tenant's aggregate rows (input_version = G) and set done_generation = G;
4. if any figure changed, mark the parent dirty (the chain continues upwards; an unchanged child
   cannot change its parent, so the climb stops early).

A write that lands during the recompute cannot be missed: on PostgreSQL the writer's mark waits
for the lock and then raises the generation past G; on SQLite writes are serialised. Either way
the tenant is pending again and is recomputed once more. Locks are taken child first, parent
second, always upwards, so two workers cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.dataversion import declare_writes
from runxin.platform.indicators.definitions import INDICATORS
from runxin.platform.indicators.engine import Sums, TenantRef, compute_own
from runxin.platform.rollup.figures import by_cell, figures, same_figures
from runxin.platform.rollup.marking import mark_dirty
from runxin.platform.rollup.models import Aggregate, RollupDirty
from runxin.platform.standards import Standard
from runxin.platform.tree.models import ALLOWED_PARENT, Tenant, TenantKind

# Kinds that can have children: a school's figures are its own units alone.
PARENT_KINDS = frozenset(kind for parents in ALLOWED_PARENT.values() for kind in parents if kind is not None)


@dataclass(frozen=True, slots=True)
class Recomputed:
    tenant_id: uuid.UUID
    generation: int  # the generation the figures now stand at (0: nothing was pending)
    changed: bool  # did any figure change (and so the parent was marked)?
    parent_id: uuid.UUID | None


async def recompute_tenant(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    years: tuple[int, ...],
    standard: Standard,
    now: dt.datetime | None = None,
    force: bool = False,
) -> Recomputed:
    """Recompute `tenant_id`'s aggregates if it is pending (always when `force`), in the session's transaction."""
    now = now or dt.datetime.now(dt.UTC)
    # The figures written here are read at the tenant and above it (see platform/dataversion.py).
    declare_writes(session, [tenant_id])
    dirty = (
        await session.execute(select(RollupDirty).where(RollupDirty.tenant_id == tenant_id).with_for_update())
    ).scalar_one_or_none()
    if dirty is not None:
        await session.refresh(dirty)  # the row as locked now, not as an earlier read cached it
    pending = dirty is not None and dirty.generation > dirty.done_generation
    if not pending and not force:
        return Recomputed(tenant_id, 0, changed=False, parent_id=None)
    generation = dirty.generation if dirty is not None else 0
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:  # deleted since it was marked
        if dirty is not None:
            dirty.done_generation = generation
        return Recomputed(tenant_id, generation, changed=False, parent_id=None)

    ref = TenantRef.of(tenant)
    totals: dict[tuple[int, str], Sums] = {}
    for year in years:
        own = await compute_own(session, [ref], year=year, standard=standard)
        for indicator in INDICATORS:
            totals[year, indicator.code] = own[tenant_id, indicator.code]
    if TenantKind(tenant.kind) in PARENT_KINDS:
        for year, code, units, missing, numerator in await _children_sums(session, tenant_id, years, standard):
            if (year, code) in totals:
                totals[year, code] = totals[year, code] + Sums(int(units or 0), int(missing or 0), float(numerator or 0))

    existing = by_cell(
        (await session.execute(select(Aggregate).where(Aggregate.tenant_id == tenant_id, Aggregate.year.in_(years)))).scalars()
    )
    changed = False
    for (year, code), sums in totals.items():
        new = figures(tenant_id, year, code, sums, standard=standard, as_of=now)
        row = existing.get((tenant_id, year, code))
        if not same_figures(row, new):
            changed = True
        if row is None:
            session.add(Aggregate(**new, root_id=tenant.root_id, input_version=generation))
        else:
            for key, value in new.items():
                setattr(row, key, value)
            row.input_version = generation
    if dirty is not None:
        dirty.done_generation = generation
    await session.flush()
    if changed and tenant.parent_id is not None:
        await mark_dirty(session, {tenant.parent_id: tenant.root_id}, now=now)
    return Recomputed(tenant_id, generation, changed=changed, parent_id=tenant.parent_id)


async def _children_sums(session: AsyncSession, tenant_id: uuid.UUID, years: tuple[int, ...], standard: Standard) -> list:
    statement = (
        select(
            Aggregate.year,
            Aggregate.indicator,
            func.sum(Aggregate.units_total),
            func.sum(Aggregate.units_not_reported),
            func.sum(Aggregate.numerator),
        )
        .join(Tenant, Tenant.id == Aggregate.tenant_id)
        .where(Tenant.parent_id == tenant_id, Aggregate.year.in_(years), Aggregate.standards_version == standard.version)
        .group_by(Aggregate.year, Aggregate.indicator)
    )
    return list((await session.execute(statement)).all())


async def pending_tenants(
    session: AsyncSession, *, now: dt.datetime, grace: dt.timedelta, rering: dt.timedelta, limit: int = 1000
) -> list[tuple[uuid.UUID, str | None]]:
    """Tenants the database says are still pending and that no ring is likely on its way for:
    marked more than `grace` ago (a fresh mark's own ring is left to do its job) and not re-rung
    within `rering`. Deepest first: children before parents, so a parent climbs once. With the
    traceparent of the write that marked each, so the worker's span joins that trace."""
    statement = (
        select(RollupDirty.tenant_id, RollupDirty.traceparent)
        .join(Tenant, Tenant.id == RollupDirty.tenant_id)
        .where(
            RollupDirty.generation > RollupDirty.done_generation,
            RollupDirty.dirty_since <= now - grace,
            or_(RollupDirty.rung_at.is_(None), RollupDirty.rung_at <= now - rering),
        )
        .order_by(Tenant.depth.desc(), RollupDirty.dirty_since)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in (await session.execute(statement)).all()]


async def note_rung(session: AsyncSession, tenant_ids: list[uuid.UUID], now: dt.datetime) -> None:
    """Record that the sweeper rang for these tenants (the relay's own outbox update)."""
    if tenant_ids:
        await session.execute(update(RollupDirty).where(RollupDirty.tenant_id.in_(tenant_ids)).values(rung_at=now))


async def is_pending(session: AsyncSession, tenant_id: uuid.UUID) -> bool:
    """A cheap read before taking any lock: duplicate and coalesced rings end here."""
    row = (
        await session.execute(
            select(RollupDirty.generation, RollupDirty.done_generation).where(RollupDirty.tenant_id == tenant_id)
        )
    ).first()
    return row is not None and row[0] > row[1]
