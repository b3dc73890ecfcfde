"""`runxin rollup --full`: recompute every figure from raw records and compare with the rollups."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from runxin.platform.config import Settings
from runxin.platform.db.engine import WRITE_TRANSACTION, make_engine, make_sessionmaker
from runxin.platform.rollup.full import PHASES, FullRollup, ProgressFn, full_rollup
from runxin.platform.rollup.years import live_years
from runxin.platform.standards import standard
from runxin.tenants.scoping import ScopedSession, as_system

SHOWN = 20  # mismatching cells printed; the count says how many there were


async def _full(settings: Settings, repair: bool, report: ProgressFn | None) -> FullRollup:
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine, ScopedSession)() as session:
            as_system(session, "full rollup")
            if repair:
                await session.connection(execution_options={WRITE_TRANSACTION: True})
            years = live_years(dt.date.today(), settings.rollup_years)
            result = await full_rollup(
                session, years=years, standard=standard(settings.standards_version), repair=repair, progress=report
            )
            await session.commit()
            return result
    finally:
        await engine.dispose()


def run_full_rollup(settings: Settings, *, repair: bool, console: Console) -> FullRollup:
    """Recompute everything; print the cells where the stored figures differed (and were repaired)."""
    started = time.perf_counter()
    with _progress_bar(console) as report:
        result = asyncio.run(_full(settings, repair, report))
    elapsed = time.perf_counter() - started
    verb = "repaired" if repair else "differ"
    console.print(
        f"full rollup: {result.tenants:,} tenants, {result.cells:,} cells in {elapsed:.1f} s; "
        f"{len(result.mismatches):,} {verb}" + (f", {result.written:,} written" if repair else "")
    )
    console.print("  " + ", ".join(f"{phase} {result.seconds[phase]:.2f} s" for phase in PHASES if phase in result.seconds))
    if result.mismatches:
        table = Table(
            "tenant", "year", "indicator", "stored (state, value)", "recomputed (state, value)", title=f"cells that {verb}"
        )
        for m in result.mismatches[:SHOWN]:
            table.add_row(m.tenant_code, str(m.year), m.indicator, "missing" if m.stored is None else str(m.stored), str(m.full))
        console.print(table)
        if len(result.mismatches) > SHOWN:
            console.print(f"... and {len(result.mismatches) - SHOWN:,} more")
    return result


@contextmanager
def _progress_bar(console: Console) -> Iterator[ProgressFn | None]:
    """A bar per phase (the compare phase counts tenants × years) on a terminal; nothing otherwise,
    so logs and pipes get the summary lines alone."""
    if not sys.stdout.isatty():
        yield None
        return
    columns = (
        TextColumn("{task.description:14}"),
        BarColumn(),
        TextColumn("{task.completed:>9,}/{task.total:<9,}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        tasks: dict[str, TaskID] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task(phase, total=total)
            progress.update(tasks[phase], completed=done, total=total)

        yield report
