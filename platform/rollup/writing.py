"""Writing many aggregate cells at once: an upsert on (tenant, year, indicator), in batches.

The full rollup may rewrite every cell of the deployment (seeding ends with it: 362,712 cells at
province scale). ORM objects or one parameter set per row and column cost more than computing the
figures, so each database gets its fastest plain form:

- PostgreSQL: one `INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO UPDATE` per batch, a
  column per array parameter, so the driver encodes whole columns at once. Not COPY: COPY FROM is
  refused on tables with row-level security for roles that are subject to it (the owner under
  FORCE, the application role), and an upsert needs no staging table.
- SQLite: the same upsert as one executemany per batch (the driver loops in C; SQLite has no
  array parameters).

Rows are the dicts of `figures.figures()` plus `root_id` and `input_version`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.ids import new_id
from runxin.platform.rollup.models import Aggregate

BATCH = 20_000
# What a repair rewrites when the cell exists: everything but its identity.
UPDATED = (
    "standards_version",
    "units_total",
    "units_not_reported",
    "numerator",
    "denominator",
    "value",
    "state",
    "as_of",
    "input_version",
    "updated_at",
)
# (column, PostgreSQL array type) of each row's columns; the write's own timestamps are one value per batch.
ARRAYS = (
    ("id", "uuid"),
    ("tenant_id", "uuid"),
    ("root_id", "uuid"),
    ("year", "integer"),
    ("indicator", "text"),
    ("standards_version", "text"),
    ("units_total", "integer"),
    ("units_not_reported", "integer"),
    ("numerator", "double precision"),
    ("denominator", "double precision"),
    ("value", "double precision"),
    ("state", "text"),
    ("as_of", "timestamptz"),
    ("input_version", "integer"),
)

_POSTGRES_UPSERT = text(
    f"INSERT INTO aggregate ({', '.join(name for name, _ in ARRAYS)}, created_at, updated_at) "
    f"SELECT u.*, :now, :now FROM unnest({', '.join(f'CAST(:{name} AS {kind}[])' for name, kind in ARRAYS)}) AS u "
    "ON CONFLICT (tenant_id, year, indicator) DO UPDATE SET " + ", ".join(f"{name} = excluded.{name}" for name in UPDATED)
)


async def upsert_cells(
    session: AsyncSession, rows: Sequence[dict[str, Any]], *, now: dt.datetime, progress: Callable[[int], None] | None = None
) -> int:
    """Insert or overwrite each cell (matched on tenant, year and indicator); return how many were written."""
    postgres = session.get_bind().dialect.name == "postgresql"
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        if postgres:
            await _postgres(session, batch, now)
        else:
            await _sqlite(session, batch, now)
        if progress is not None:
            progress(start + len(batch))
    return len(rows)


async def _postgres(session: AsyncSession, batch: Sequence[dict[str, Any]], now: dt.datetime) -> None:
    columns: dict[str, Any] = {name: [row[name] for row in batch] for name, _ in ARRAYS if name != "id"}
    columns["id"] = [new_id() for _ in batch]  # ignored for cells that exist: they keep theirs
    await session.execute(_POSTGRES_UPSERT, {**columns, "now": now})


async def _sqlite(session: AsyncSession, batch: Sequence[dict[str, Any]], now: dt.datetime) -> None:
    table = Aggregate.__table__
    statement = sqlite_insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["tenant_id", "year", "indicator"], set_={name: statement.excluded[name] for name in UPDATED}
    )
    await session.execute(statement, [{**row, "id": new_id(), "created_at": now, "updated_at": now} for row in batch])
