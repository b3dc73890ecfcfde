"""Reading figures: from the rollups when they are settled, from the raw records when not.

The API never shows a stale figure: for each requested tenant, if nothing in its subtree is still
pending in the outbox and every cell it asks for is stored, the figures are a lookup in
`aggregate`; otherwise (a write a moment ago, a year or a standard that is not kept live) they are
computed from the raw records by the engine, as before the rollups existed. Either way the values
are the same; the rollups make the settled case, which is nearly every read, a lookup.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.indicators.definitions import INDICATORS
from runxin.platform.indicators.engine import IndicatorValue, TenantRef, compute_indicators
from runxin.platform.rollup.figures import as_indicator_value
from runxin.platform.rollup.models import Aggregate, RollupDirty
from runxin.platform.standards import Standard
from runxin.platform.tree.models import Tenant

# Beyond this many pending tenants under the requested ones, everything is computed from raw rows.
PENDING_LIMIT = 5_000


async def indicator_values(
    session: AsyncSession,
    refs: Sequence[TenantRef],
    *,
    year: int,
    standard: Standard,
    codes: Sequence[str] | None,
    live_years: Sequence[int],
) -> dict[tuple[uuid.UUID, str], IndicatorValue]:
    """`codes` (all when None) for each tenant's subtree, keyed like `compute_indicators`."""
    wanted = [indicator.code for indicator in INDICATORS] if codes is None else list(dict.fromkeys(codes))
    refs = list({ref.id: ref for ref in refs}.values())
    settled: list[TenantRef] = []
    if year in live_years and refs:
        settled = await _settled(session, refs)
    values: dict[tuple[uuid.UUID, str], IndicatorValue] = {}
    if settled:
        rows = (
            await session.execute(
                select(Aggregate).where(
                    Aggregate.tenant_id.in_([ref.id for ref in settled]),
                    Aggregate.year == year,
                    Aggregate.indicator.in_(wanted),
                    Aggregate.standards_version == standard.version,
                )
            )
        ).scalars()
        for row in rows:
            values[row.tenant_id, row.indicator] = as_indicator_value(row, row.tenant_id)
    missing = [ref for ref in refs if any((ref.id, code) not in values for code in wanted)]
    if missing:
        values.update(await compute_indicators(session, missing, year=year, standard=standard, codes=wanted))
    return values


async def _settled(session: AsyncSession, refs: list[TenantRef]) -> list[TenantRef]:
    """The refs with nothing pending in their subtree (one statement over the few pending rows)."""
    pending_paths = (
        (
            await session.execute(
                select(Tenant.path)
                .join(RollupDirty, RollupDirty.tenant_id == Tenant.id)
                .where(RollupDirty.generation > RollupDirty.done_generation)
                .limit(PENDING_LIMIT + 1)
            )
        )
        .scalars()
        .all()
    )
    if len(pending_paths) > PENDING_LIMIT:
        return []
    return [ref for ref in refs if not any(path.startswith(ref.path) for path in pending_paths)]
