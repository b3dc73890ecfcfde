"""Which freshly computed cells differ from the stored aggregate cells, in bulk.

The full rollup computes every cell of the deployment (362,712 at province scale). Reading as many
stored rows into Python costs more than computing them: on PostgreSQL the driver decodes every
value and the client hashes every key. So where the database can take whole columns as
parameters, the comparison runs there:

- PostgreSQL: the computed cells go in as arrays (`unnest ... WITH ORDINALITY`), joined to
  `aggregate` on its unique key; only the cells that differ come back (their position and the
  stored state and value), a few rows when all is well.
- SQLite (in-process, no array parameters, no network to cross): the stored cells are read as
  plain tuples, keyed by the tenant id's stored hex text, and compared in Python.

Both apply the rule of `figures.agrees` (state, standards version, units, missing units, and the
numerator within `math.isclose(rel_tol=1e-9, abs_tol=1e-9)`); the SQL spells it out below, and the
full-rollup tests run the same corrupted cells through both databases.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, select, text, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.rollup.figures import agrees
from runxin.platform.rollup.models import Aggregate


@dataclass(slots=True)
class Cells:
    """Computed cells as a grid: for each year, for each indicator, for each tenant, one cell.

    Position p is year `p // (I * T)`, indicator `p // T % I`, tenant `p % T` (T tenants, I
    indicators): the tenant, year and indicator of a cell are not stored per cell, so a province's
    362,712 cells cross to PostgreSQL as four numbers and a state each.
    """

    tenants: list[uuid.UUID]
    years: tuple[int, ...]
    codes: list[str]
    state: list[str] = field(default_factory=list)  # ValueState members (a StrEnum) or plain strings
    units: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    numerator: list[float] = field(default_factory=list)  # as stored: 0 when no unit reported

    def __len__(self) -> int:
        return len(self.state)

    def key(self, position: int) -> tuple[uuid.UUID, int, str]:
        """(tenant id, year, indicator) of the cell at `position`."""
        per_year = len(self.codes) * len(self.tenants)
        return (
            self.tenants[position % len(self.tenants)],
            self.years[position // per_year],
            self.codes[position // len(self.tenants) % len(self.codes)],
        )


# (position in Cells, stored (state, value), or None when the cell is missing)
Difference = tuple[int, tuple[str, float | None] | None]


@dataclass(slots=True)
class Compared:
    differences: list[Difference]  # in position order
    stored_read: int = 0  # stored cells read into Python (0 when the database compared)
    read_seconds: float = 0.0  # of which reading them


# One year of cells: the tenants and the codes once, the figures per cell, in the grid's order (the
# grid's cross product numbers each (indicator, tenant) pair as its position, counting from 1).
# Joined on that number, not looked up by array subscript: a subscript re-reads the whole array
# for every row.
_POSTGRES_DIFFERING = text(
    """
    WITH grid AS (
        SELECT (i.j - 1) * :tenant_count + t.k AS n, i.code AS indicator, t.id AS tenant_id
        FROM unnest(CAST(CAST(:codes AS text) AS text[])) WITH ORDINALITY AS i(code, j)
        CROSS JOIN unnest(CAST(CAST(:tenants AS text) AS uuid[])) WITH ORDINALITY AS t(id, k)
    )
    SELECT c.n - 1 AS position, a.state, a.value, a.id IS NULL AS missing_cell
    FROM unnest(
        CAST(CAST(:state AS text) AS text[]), CAST(CAST(:units AS text) AS integer[]),
        CAST(CAST(:missing AS text) AS integer[]), CAST(CAST(:numerator AS text) AS double precision[])
    ) WITH ORDINALITY AS c(state, units, missing, numerator, n)
    JOIN grid ON grid.n = c.n
    LEFT JOIN aggregate AS a ON a.tenant_id = grid.tenant_id AND a.year = :year AND a.indicator = grid.indicator
    WHERE a.id IS NULL
       OR a.state <> c.state
       OR a.standards_version <> :standards_version
       OR a.units_total <> c.units
       OR a.units_not_reported <> c.missing
       -- not math.isclose(a, c, rel_tol=1e-9, abs_tol=1e-9)
       OR abs(a.numerator - c.numerator) > greatest(1e-9 * greatest(abs(a.numerator), abs(c.numerator)), 1e-9)
    """
)


async def differing(
    session: AsyncSession, cells: Cells, *, standards_version: str, progress: Callable[[int], None] | None = None
) -> Compared:
    """The cells whose stored figures differ from `cells` (or are missing)."""
    report = progress or (lambda done: None)
    if session.get_bind().dialect.name == "postgresql":
        return Compared(await _in_postgres(session, cells, standards_version, report))
    return await _in_python(session, cells, standards_version, report)


async def _in_postgres(session: AsyncSession, cells: Cells, version: str, report: Callable[[int], None]) -> list[Difference]:
    found: list[Difference] = []
    per_year = len(cells.codes) * len(cells.tenants)
    grid = {"tenants": _literal(cells.tenants, _hex), "codes": _literal(cells.codes, str), "tenant_count": len(cells.tenants)}
    for n, year in enumerate(cells.years):
        start, end = n * per_year, (n + 1) * per_year
        figures = {name: _literal(getattr(cells, name)[start:end], encode) for name, encode in _ENCODE.items()}
        rows = await session.execute(_POSTGRES_DIFFERING, {**grid, **figures, "year": year, "standards_version": version})
        found += [(start + row.position, None if row.missing_cell else (row.state, row.value)) for row in rows]
        report(end)
    return sorted(found)


def _hex(value: uuid.UUID) -> str:
    return value.hex


# Each column goes in as one array literal ('{a,b,c}') that the server parses: the driver's own
# array encoder checks every element's type in Python, which at this size cost more than the
# whole comparison. No element needs quoting (hex ids, integers, floats, A-Z_ codes).
_ENCODE: dict[str, Callable[[Any], str]] = {
    "state": str,
    "units": str,
    "missing": str,
    "numerator": repr,  # the shortest text that reads back as the same double
}


def _literal(values: list[Any], encode: Callable[[Any], str]) -> str:
    return "{" + ",".join(map(encode, values)) + "}"


async def _in_python(session: AsyncSession, cells: Cells, version: str, report: Callable[[int], None]) -> Compared:
    started = time.perf_counter()
    # The id as SQLite stores it (32 hex digits): no UUID object per row, and a cheap key to hash.
    statement = select(
        type_coerce(Aggregate.tenant_id, String),
        Aggregate.year,
        Aggregate.indicator,
        Aggregate.state,
        Aggregate.standards_version,
        Aggregate.units_total,
        Aggregate.units_not_reported,
        Aggregate.numerator,
        Aggregate.value,
    ).where(Aggregate.year.in_(cells.years))
    stored = {(row[0], row[1], row[2]): row for row in await session.execute(statement)}
    read_seconds = time.perf_counter() - started
    found: list[Difference] = []
    hexes = [tenant_id.hex for tenant_id in cells.tenants]
    state, units, missing, numerator = cells.state, cells.units, cells.missing, cells.numerator
    position = 0
    for year in cells.years:
        for code in cells.codes:
            for key in hexes:
                row = stored.get((key, year, code))
                if row is None:
                    found.append((position, None))
                # Exact equality first (by position: this runs for every cell), which `agrees` implies;
                # only a cell that is not exactly equal goes through the rule itself.
                elif not (
                    row[3] == state[position]
                    and row[5] == units[position]
                    and row[6] == missing[position]
                    and row[7] == numerator[position]
                    and row[4] == version
                ) and not agrees(row, state[position], version, units[position], missing[position], numerator[position]):
                    found.append((position, (row.state, row.value)))
                position += 1
            report(position)
    return Compared(found, len(stored), read_seconds)
