"""Time `runxin rollup --full` at province scale, phase by phase: the check, and a repair of every cell.

    .venv/bin/python bench/full_recompute.py                   # SQLite under .data/bench/
    .venv/bin/python bench/full_recompute.py postgresql+asyncpg://postgres@127.0.0.1:5432/runxin_bench_full

The database is migrated and seeded (province, seed 7, with its closing full rollup) on first use
and reused after. Each round runs the check (`--full --check`: nothing written), then a repair of
every cell: the live years' cells are deleted and rewritten inside a transaction that is rolled
back, so the database is left as it was. The seeding's own figures are printed once for the record.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
from pathlib import Path

from sqlalchemy import delete, func, inspect, select

from runxin.platform.db.engine import WRITE_TRANSACTION, make_engine, make_sessionmaker
from runxin.platform.db.migrate import upgrade
from runxin.platform.rollup.full import PHASES, FullRollup, full_rollup
from runxin.platform.rollup.models import Aggregate
from runxin.platform.rollup.years import live_years
from runxin.platform.seed import seed_database
from runxin.platform.standards import STANDARDS
from runxin.platform.tree.models import Tenant
from runxin.tenants.scoping import ScopedSession, as_system

DEFAULT_SQLITE = Path(".data/bench/full_recompute.db")
STANDARD = STANDARDS["2023"]


async def _ensure_seeded(url: str, years: tuple[int, ...]) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            has_schema = await conn.run_sync(lambda sync: inspect(sync).has_table("tenant"))
        if not has_schema:
            await asyncio.to_thread(upgrade, url)
        sessions = make_sessionmaker(engine, ScopedSession)
        async with sessions() as session:
            as_system(session, "bench")
            tenants = (await session.execute(select(func.count()).select_from(Tenant))).scalar_one()
        if tenants:
            print(f"reusing the seeded database ({tenants:,} tenants)")
            return
        print("seeding the province (once; later runs reuse it) ...")
        summary = await seed_database(sessions, scale="province", seed=7)
        print(f"seeded {summary.total_rows:,} rows in {summary.elapsed_seconds:.1f} s")
        result = await _run(sessions, years, repair=True)
        print(_line("seeding's full rollup (every cell written)", result))
    finally:
        await engine.dispose()


async def _run(sessions, years: tuple[int, ...], *, repair: bool, rewrite_all: bool = False) -> FullRollup:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        as_system(session, "bench")
        if repair:
            await session.connection(execution_options={WRITE_TRANSACTION: True})
        if rewrite_all:
            await session.execute(delete(Aggregate).where(Aggregate.year.in_(years)))
        result = await full_rollup(session, years=years, standard=STANDARD, repair=repair)
        if rewrite_all:
            await session.rollback()
        else:
            await session.commit()
        return result


def _line(title: str, result: FullRollup) -> str:
    phases = "  ".join(f"{phase} {result.seconds.get(phase, 0.0):5.2f}" for phase in PHASES)
    total = sum(result.seconds.values())
    return f"{title:<44} {phases}  total {total:5.2f} s  ({result.cells:,} cells, {len(result.mismatches):,} differ)"


async def bench(url: str, rounds: int) -> None:
    years = live_years(dt.date.today())
    await _ensure_seeded(url, years)
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine, ScopedSession)
        totals: dict[str, list[float]] = {"check": [], "repair": []}
        for n in range(1, rounds + 1):
            started = time.perf_counter()
            check = await _run(sessions, years, repair=False)
            totals["check"].append(time.perf_counter() - started)
            print(_line(f"round {n}: --check", check))
            started = time.perf_counter()
            repair = await _run(sessions, years, repair=True, rewrite_all=True)
            totals["repair"].append(time.perf_counter() - started)
            print(_line(f"round {n}: repair of every cell (rolled back)", repair))
    finally:
        await engine.dispose()
    for kind, seconds in totals.items():
        note = "; the repair's includes deleting the cells first" if kind == "repair" else ""
        print(
            f"{kind}: median {statistics.median(seconds):.2f} s, best {min(seconds):.2f} s (wall clock, session included{note})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help=f"database URL (default: SQLite at {DEFAULT_SQLITE})")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = args.url or f"sqlite+aiosqlite:///{DEFAULT_SQLITE}"
    print(f"full recompute, province scale, on {url}")
    asyncio.run(bench(url, args.rounds))


if __name__ == "__main__":
    main()
