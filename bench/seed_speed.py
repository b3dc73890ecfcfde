"""Seed a scale (default: province) into a database and report rows per table, seconds and rows/s.

    .venv/bin/python bench/seed_speed.py                       # a temporary SQLite file
    .venv/bin/python bench/seed_speed.py postgresql+asyncpg://postgres@127.0.0.1:5432/runxin_bench

The database must exist and be empty; the schema is created here (create_all, as the tests do).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.models import Base
from runxin.platform.seed import SCALES, seed_database
from runxin.tenants.scoping import ScopedSession


async def run(url: str, scale: str, seed: int) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        summary = await seed_database(make_sessionmaker(engine, ScopedSession), scale=scale, seed=seed)
    finally:
        await engine.dispose()
    print(f"{scale} (seed {seed}) into {engine.url.render_as_string(hide_password=True)}")
    print(f"{'table':<22}{'rows':>10}")
    for table, rows in summary.counts.items():
        print(f"{table:<22}{rows:>10,}")
    total = summary.total_rows
    print(f"{'total':<22}{total:>10,}")
    # Generation and writing interleave city by city (one city in memory), so they are timed together.
    print(f"{summary.elapsed_seconds:.1f} s, {total / summary.elapsed_seconds:,.0f} rows/s")
    print(f"sample codes: city {summary.city_code}, county {summary.county_code}, school {summary.school_code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--scale", default="province", choices=sorted(SCALES))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.url:
        asyncio.run(run(args.url, args.scale, args.seed))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite+aiosqlite:///{Path(tmp) / 'seed.db'}", args.scale, args.seed))


if __name__ == "__main__":
    main()
