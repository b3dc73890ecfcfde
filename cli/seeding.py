"""`runxin seed`: fill a migrated database, with a progress bar."""

from __future__ import annotations

import asyncio

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from runxin.platform.config import Settings
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.db.migrate import upgrade
from runxin.platform.seed import SeedSummary, seed_database
from runxin.tenants.scoping import ScopedSession


async def _seed(settings: Settings, scale: str, seed: int, progress: Progress) -> SeedSummary:
    tasks: dict[str, TaskID] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        progress.update(tasks[stage], completed=done, total=total)

    engine = make_engine(settings.database_url)
    try:
        return await seed_database(make_sessionmaker(engine, ScopedSession), scale=scale, seed=seed, progress=report)
    finally:
        await engine.dispose()


def run_seed(settings: Settings, scale: str, seed: int, console: Console) -> SeedSummary:
    """Migrate if needed, seed, and print what was written."""
    upgrade(settings.database_url)
    with Progress(
        TextColumn("{task.description:24}"),
        BarColumn(),
        TextColumn("{task.completed:>9,}/{task.total:<9,}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        summary = asyncio.run(_seed(settings, scale, seed, progress))
    # Seeding writes in bulk, past the unit of work that marks tenants dirty: settle the rollups
    # once, set-based, so the figures are a lookup from the first request.
    from runxin.cli.rollup import run_full_rollup

    run_full_rollup(settings, repair=True, console=console)
    # The console's map: synthetic county boundaries, until `runxin boundaries load` replaces them.
    from runxin.cli.geofiles import generate_synthetic

    generate_synthetic(settings)
    console.print(
        f"seeded [bold]{scale}[/bold] (seed {seed}): {summary.total_rows:,} rows in {summary.elapsed_seconds:.1f} s — "
        + ", ".join(f"{table} {count:,}" for table, count in summary.counts.items())
    )
    return summary
