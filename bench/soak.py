"""Soak: the load test (tests/load/harness.py) for 10 minutes on PostgreSQL, with its figures.

    python bench/soak.py [--minutes 10] [--concurrency 8] [--scale city] [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/runxin_soak]

Creates the database afresh (dropping one of that name), seeds it, serves it with one `runxin serve`
process, and drives Q1-Q4 of bench/compare.py mixed with station writes from many schools at the
server's capacity (closed-loop clients). Prints requests per query with p50/p99, errors, 5xx, the
server's memory from the warm-up to the end, and the result of `runxin rollup --full --check`;
exits non-zero if anything of that fails the load test's bar.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.load.harness import run_load  # noqa: E402


async def recreate(url: str) -> None:
    admin_url, name = url.rsplit("/", 1)
    engine = create_async_engine(admin_url + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/runxin_soak")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--scale", default="city")
    args = parser.parse_args()
    asyncio.run(recreate(args.database_url))
    with tempfile.TemporaryDirectory(prefix="runxin-soak-") as data:
        report = run_load(args.database_url, Path(data), seconds=args.minutes * 60, concurrency=args.concurrency, scale=args.scale)
    print("\n".join(report.lines()))
    for error in report.errors[:10]:
        print("  error:", error)
    ok = not report.errors and report.server_errors == 0 and report.rss_growth() < 0.05 and report.check_exit == 0
    print("soak:", "held" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
