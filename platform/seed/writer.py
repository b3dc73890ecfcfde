"""Write a generated deployment into an empty database with set-based bulk inserts."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from runxin.platform.errors import Conflict, Invalid
from runxin.platform.seed.generator import Progress, generate_by_city
from runxin.platform.seed.rows import WRITE_ORDER, Dataset
from runxin.platform.seed.scales import SCALES
from runxin.platform.tree.models import Tenant

# Rows per execute call: large enough that per-call overhead vanishes, small enough that the
# progress bar moves. Bind-parameter limits are not a concern: SQLAlchemy batches each call to
# what the driver accepts.
CHUNK = 5_000

# Why a per-statement opt-out rather than `runxin.tenants.scoping.as_system(session, ...)`: platform
# may not import tenants (the import-linter contract). `system` is the documented statement-level
# opt-out of the scoping hook, the one platform/tree/services.py uses; its value names the job.
_SYSTEM = {"system": "seed"}


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """What a seed wrote: rows per table, one sample city, county and school, and how long it took."""

    scale: str
    seed: int
    counts: Mapping[str, int]
    city_code: str
    county_code: str
    school_code: str
    elapsed_seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


async def seed_database(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    scale: str = "city",
    seed: int = 7,
    progress: Progress | None = None,
) -> SeedSummary:
    """Fill an empty database with a generated deployment; raise Conflict if it has tenants already."""
    if scale not in SCALES:
        raise Invalid("scale", "UNKNOWN_SCALE", f"Unknown scale {scale!r}: use one of {', '.join(SCALES)}.")
    started = time.perf_counter()
    async with sessionmaker() as session:
        await _refuse_if_seeded(session)
        data = Dataset(seed)
        counts = dict.fromkeys(data.counts(), 0)
        try:
            # City by city: generate, write, forget, so memory holds one city whatever the scale.
            for _city in generate_by_city(SCALES[scale], seed, data, progress):
                await write_dataset(session, data)
                for table, count in data.counts().items():
                    counts[table] += count
                    # Rows written so far: the total is not known before the last city ("generate" counts cities).
                    if progress is not None:
                        progress(table, counts[table], counts[table])
                data.clear()
            await session.commit()
        except IntegrityError as exc:
            await session.rollback()
            # The generator never repeats a code, so a clash means another seed got there first.
            if any(name in str(exc.orig) for name in ("uq_tenant_code", "tenant.code")):
                raise Conflict(_SEEDED.format(detail="another seed wrote tenants while this one ran")) from exc
            raise
    await _analyze(sessionmaker)
    city, county, school = data.sample_codes
    return SeedSummary(
        scale=scale,
        seed=seed,
        counts=MappingProxyType(counts),
        city_code=city,
        county_code=county,
        school_code=school,
        elapsed_seconds=time.perf_counter() - started,
    )


async def write_dataset(session: AsyncSession, data: Dataset, progress: Progress | None = None) -> None:
    """Insert every row of `data` table by table, in chunks; the caller commits."""
    for model in WRITE_ORDER:
        rows = data.rows[model]
        name = model.__tablename__
        # render_nulls keeps rows with a None in one batch; without it the ORM omits NULL columns and
        # splits the batch wherever the set of non-NULL columns changes.
        statement = insert(model).execution_options(render_nulls=True)
        if progress is not None:
            progress(name, 0, len(rows))
        for start in range(0, len(rows), CHUNK):
            await session.execute(statement, rows[start : start + CHUNK], execution_options=_SYSTEM)
            if progress is not None:
                progress(name, min(start + CHUNK, len(rows)), len(rows))


async def _analyze(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Give PostgreSQL's planner statistics of what was just loaded. Autovacuum gets there in its own
    time; until it does, the full rollup that follows a seed and the first reads plan as if the
    tables were empty (measured at national scale: reads several times slower, the rollup worse)."""
    async with sessionmaker() as session:
        if session.bind.dialect.name == "postgresql":
            await session.execute(text("ANALYZE"), execution_options=_SYSTEM)
            await session.commit()


_SEEDED = "database already seeded: use a fresh database or empty this one first ({detail})."


async def _refuse_if_seeded(session: AsyncSession) -> None:
    tenants = (await session.execute(select(func.count()).select_from(Tenant), execution_options=_SYSTEM)).scalar_one()
    if tenants:
        raise Conflict(_SEEDED.format(detail=f"it holds {tenants} tenants"), code="ALREADY_SEEDED")
