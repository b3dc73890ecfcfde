"""`runxin rollup --full`: recompute every tenant's figures set-based from the raw records and
compare them with the incrementally maintained aggregates.

The full pass uses the engine's subtree statements (`compute_indicators`: one statement per fact
family and depth, in chunks), a different road from the incremental one (own units plus children's
sums), so a cell where the two disagree is a bug or a lost mark, never a shared mistake. With
`repair`, disagreeing and missing cells are rewritten; the nightly check runs without it and
reports.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.indicators.engine import Sums, TenantRef, compute_indicators
from runxin.platform.rollup.figures import by_cell, figures, same_figures
from runxin.platform.rollup.models import Aggregate, RollupDirty
from runxin.platform.standards import Standard
from runxin.platform.tree.models import Tenant

# Tenants per engine call: keeps every IN list far below the databases' parameter limits.
CHUNK = 500
STORED = (
    Aggregate.id,
    Aggregate.tenant_id,
    Aggregate.year,
    Aggregate.indicator,
    Aggregate.state,
    Aggregate.value,
    Aggregate.standards_version,
    Aggregate.units_total,
    Aggregate.units_not_reported,
    Aggregate.numerator,
)


@dataclass(frozen=True, slots=True)
class Mismatch:
    tenant_code: str
    year: int
    indicator: str
    stored: tuple[str, float | None] | None  # (state, value); None when the cell is missing
    full: tuple[str, float | None]


@dataclass(slots=True)
class FullRollup:
    tenants: int = 0
    cells: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    written: int = 0


async def full_rollup(
    session: AsyncSession, *, years: tuple[int, ...], standard: Standard, repair: bool, now: dt.datetime | None = None
) -> FullRollup:
    """Recompute every tenant from raw records; report (and with `repair`, fix) every cell that differs."""
    now = now or dt.datetime.now(dt.UTC)
    tenants = (
        await session.execute(select(Tenant.id, Tenant.path, Tenant.depth, Tenant.kind, Tenant.code, Tenant.root_id))
    ).all()
    generations = dict((await session.execute(select(RollupDirty.tenant_id, RollupDirty.generation))).all())
    result = FullRollup(tenants=len(tenants))
    by_depth: dict[int, list[Any]] = defaultdict(list)
    for tenant in sorted(tenants, key=lambda t: t.path):
        by_depth[tenant.depth].append(tenant)
    for year in years:
        # Plain rows, not ORM objects: a province holds hundreds of thousands of cells.
        stored = by_cell((await session.execute(select(*STORED).where(Aggregate.year == year))).all())
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for group in by_depth.values():
            for start in range(0, len(group), CHUNK):
                chunk = group[start : start + CHUNK]
                values = await compute_indicators(
                    session, [TenantRef(t.id, t.path, t.depth, t.kind) for t in chunk], year=year, standard=standard
                )
                by_id = {t.id: t for t in chunk}
                for (tenant_id, code), value in values.items():
                    tenant = by_id[tenant_id]
                    sums = Sums(value.units_total, value.units_not_reported, value.numerator)
                    new = figures(tenant_id, year, code, sums, standard=standard, as_of=now)
                    result.cells += 1
                    row = stored.get((tenant_id, year, code))
                    if same_figures(row, new):
                        continue
                    result.mismatches.append(
                        Mismatch(
                            tenant.code,
                            year,
                            code,
                            None if row is None else (row.state, row.value),
                            (new["state"], new["value"]),
                        )
                    )
                    new["input_version"] = generations.get(tenant_id, 0)
                    if row is None:
                        inserts.append({**new, "root_id": tenant.root_id})
                    else:
                        updates.append({**new, "id": row.id})
        if repair:
            if inserts:
                await session.execute(insert(Aggregate), inserts)
            if updates:
                await session.execute(update(Aggregate), updates)
            result.written += len(inserts) + len(updates)
    return result
