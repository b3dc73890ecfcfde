"""`runxin rollup --full`: recompute every tenant's figures set-based from the raw records and
compare them with the incrementally maintained aggregates.

The full pass takes whole-subtree sums straight from the raw records (`whole_tree.subtree_sums`:
per fact family and year, one statement over the whole tree, grouped by the ancestor at every
depth), a different road from the incremental one (own units plus children's stored sums), so a
cell where the two disagree is a bug or a lost mark, never a shared mistake. With `repair`,
disagreeing and missing cells are rewritten in bulk; the nightly check runs without it and reports.

Five phases, timed and reported to `progress(phase, done, total)`: read the tenants, compute (one
statement per family and year: 6 for two years), read the stored cells (SQLite only), compare
(`comparing.differing`: in PostgreSQL one statement per year that returns only the differing cells;
on SQLite in Python), write (batched upserts, only with `repair`). No statement is per tenant, and
no ORM object is made per cell.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.indicators.definitions import INDICATORS, Indicator
from runxin.platform.indicators.engine import Sums, state_of
from runxin.platform.indicators.facts import Unit
from runxin.platform.indicators.whole_tree import Triple, subtree_sums
from runxin.platform.rollup.comparing import Cells, differing
from runxin.platform.rollup.figures import figures
from runxin.platform.rollup.models import RollupDirty
from runxin.platform.rollup.writing import upsert_cells
from runxin.platform.standards import Standard
from runxin.platform.tree.models import Tenant

# progress(phase, done, total): called as each phase starts, advances and ends.
ProgressFn = Callable[[str, int, int], None]
PHASES = ("read tenants", "compute", "read stored", "compare", "write")
NOTHING: Triple = (0, 0, 0.0)
WORK_MEM = "128MB"


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
    stored_read: int = 0  # stored cells read into Python to compare (0 where the database compared)
    seconds: dict[str, float] = field(default_factory=dict)  # per phase, in PHASES order


async def full_rollup(
    session: AsyncSession,
    *,
    years: tuple[int, ...],
    standard: Standard,
    repair: bool,
    now: dt.datetime | None = None,
    progress: ProgressFn | None = None,
) -> FullRollup:
    """Recompute every tenant from raw records; report (and with `repair`, fix) every cell that differs."""
    now = now or dt.datetime.now(dt.UTC)
    result = FullRollup()
    timed = _Timer(result, progress or (lambda phase, done, total: None))

    with timed("read tenants", 1):
        await _batch_job_settings(session)
        columns = (Tenant.id, Tenant.path, Tenant.depth, Tenant.code, Tenant.root_id)
        # Top down, as the tree reads: mismatches are listed city first.
        tenants = (await session.execute(select(*columns).order_by(Tenant.depth, Tenant.path))).all()
        generations = dict((await session.execute(select(RollupDirty.tenant_id, RollupDirty.generation))).all())
    result.tenants = len(tenants)
    depths = sorted({tenant.depth for tenant in tenants})

    families: dict[Unit, list[Indicator]] = defaultdict(list)
    for indicator in INDICATORS:
        families[indicator.unit].append(indicator)
    # computed[year, code][path] = (units, missing, numerator) over the tenant's whole subtree
    computed: dict[tuple[int, str], dict[str, Triple]] = {}
    with timed("compute", len(years) * len(families)) as step:
        for year in years:
            for unit, family in families.items():
                sums = await subtree_sums(session, unit, family, year=year, standard=standard, depths=depths)
                for i, indicator in enumerate(family):
                    computed[year, indicator.code] = {path: triples[i] for path, triples in sums.items()}
                step()

    per_cell = len(INDICATORS)
    with timed("compare", len(tenants) * len(years)) as step:
        cells = _cells(tenants, years, computed)
        compared = await differing(
            session,
            cells,
            standards_version=standard.version,
            progress=lambda done: step(done // per_cell, absolute=True),
        )
    result.cells, result.stored_read = len(cells), compared.stored_read
    # Reading the stored cells (SQLite only: PostgreSQL compares in place) is a phase of its own.
    result.seconds["read stored"] = compared.read_seconds
    result.seconds["compare"] -= compared.read_seconds

    # Listed (and written) year by year, tenant by tenant top down, each tenant's cells in indicator order.
    per_year, count = per_cell * len(tenants), len(tenants)
    differences = sorted(compared.differences, key=lambda d: (d[0] // per_year, d[0] % count, d[0] // count % per_cell))
    repairs: list[dict[str, Any]] = []
    for position, stored in differences:
        tenant = tenants[position % count]
        _, year, code = cells.key(position)
        sums = Sums(cells.units[position], cells.missing[position], computed[year, code].get(tenant.path, NOTHING)[2])
        new = figures(tenant.id, year, code, sums, standard=standard, as_of=now)
        result.mismatches.append(Mismatch(tenant.code, year, code, stored, (new["state"], new["value"])))
        if repair:
            repairs.append({**new, "root_id": tenant.root_id, "input_version": generations.get(tenant.id, 0)})

    if repair:
        with timed("write", len(repairs)) as step:
            result.written = await upsert_cells(session, repairs, now=now, progress=lambda done: step(done, absolute=True))
    return result


def _cells(tenants: Sequence[Any], years: tuple[int, ...], computed: dict[tuple[int, str], dict[str, Triple]]) -> Cells:
    """Every cell, a whole column at a time (comprehensions): 362,712 cells at province scale."""
    cells = Cells([tenant.id for tenant in tenants], years, [indicator.code for indicator in INDICATORS])
    paths = [tenant.path for tenant in tenants]
    for year in years:
        for code in cells.codes:
            found = computed[year, code]
            triples = [found.get(path, NOTHING) for path in paths]
            cells.units += [units for units, _, _ in triples]
            cells.missing += [missing for _, missing, _ in triples]
            cells.state += [state_of(units, missing) for units, missing, _ in triples]
            # As figures() stores it: no numerator where no unit reported.
            cells.numerator += [numerator if units != missing else 0.0 for units, missing, numerator in triples]
    return cells


async def _batch_job_settings(session: AsyncSession) -> None:
    """PostgreSQL settings for this transaction only (SET LOCAL), for a few statements over everything.

    JIT off: the statements' estimates are far off (unnest, correlated subqueries), so the planner
    JIT-compiles them, which took 2.6 of a comparison's 4.6 s; each statement here runs once.
    work_mem: one year of a province's cells hashes in about 30 MB; with the default 4 MB the
    comparison's hash join spills to disk in batches.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL jit = off"))
        await session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))


class _Timer:
    """Times each phase into the result and reports its start, its steps and its end."""

    def __init__(self, result: FullRollup, progress: ProgressFn) -> None:
        self.result, self.progress = result, progress

    @contextmanager
    def __call__(self, phase: str, total: int) -> Iterator[Callable[..., None]]:
        done = 0
        self.progress(phase, 0, total)

        def step(count: int = 1, *, absolute: bool = False) -> None:
            nonlocal done
            done = count if absolute else done + count
            self.progress(phase, done, total)

        started = time.perf_counter()
        yield step
        self.result.seconds[phase] = time.perf_counter() - started
        self.progress(phase, total, total)
