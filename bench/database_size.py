"""What a seeded PostgreSQL database weighs: the total, the largest tables (heap, indexes, TOAST)
and the largest indexes, with row counts and bytes per row, for the capacity plan.

    .venv/bin/python bench/database_size.py postgresql+asyncpg://postgres@127.0.0.1:5432/runxin_national [--top 15]

Row counts are the planner's estimates (`reltuples`, exact after ANALYZE, which this runs first).
"""

from __future__ import annotations

import argparse
import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

TABLES = """
SELECT c.relname, c.reltuples::bigint AS rows, pg_total_relation_size(c.oid) AS total,
       pg_relation_size(c.oid) AS heap, pg_indexes_size(c.oid) AS indexes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'
ORDER BY total DESC LIMIT :top
"""
INDEXES = """
SELECT i.relname, t.relname AS tablename, pg_relation_size(i.oid) AS size
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public'
ORDER BY size DESC LIMIT :top
"""


def mb(size: int) -> str:
    return f"{size / 2**20:9.1f} MB"


async def run(url: str, top: int) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            total = (await conn.execute(text("SELECT pg_database_size(current_database())"))).scalar_one()
            print(f"database {engine.url.database}: {mb(total)}")
            print(f"{'table':<28}{'rows':>12}{'total':>13}{'heap':>13}{'indexes':>13}{'B/row':>8}")
            for name, rows, size, heap, indexes in (await conn.execute(text(TABLES), {"top": top})).all():
                per_row = f"{size / rows:8.0f}" if rows > 0 else f"{'-':>8}"
                print(f"{name:<28}{rows:>12,}{mb(size):>13}{mb(heap):>13}{mb(indexes):>13}{per_row}")
            print(f"\n{'index':<48}{'table':<24}{'size':>13}")
            for name, table, size in (await conn.execute(text(INDEXES), {"top": top})).all():
                print(f"{name:<48}{table:<24}{mb(size):>13}")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="postgresql+asyncpg://... of a seeded database")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        raise SystemExit("database_size.py reads PostgreSQL's catalogue: pass a postgresql+asyncpg:// URL.")
    asyncio.run(run(args.url, args.top))


if __name__ == "__main__":
    main()
