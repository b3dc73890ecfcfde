"""Row-level security's cost on the indicator engine: the two forms of the subtree policy, JIT on
and off, on a city seeded into PostgreSQL, read as the application role.

    python bench/rls_policy.py [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/runxin_bench_rls] [--runs 7]

Seeds the database on first use (`runxin seed --scale city`: 12 counties, about 1,200 schools).
Then, for each policy form (migration 0016: `= ANY (ARRAY(...))` as 0004 wrote it, and the
hashed `IN (SELECT ...)`), and with JIT on and off, it computes every indicator for the city's
counties from the raw records (the engine's live path, what a read does while the rollups are
settling) as the city bureau's principal on a connection logged in as `runxin_app`, and prints
the median and best of --runs. The database is left with the hashed form (the migrated state).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from _common import migrate_and_seed, runxin_env
from sqlalchemy import select, text

from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.indicators import TenantRef, compute_indicators
from runxin.platform.standards import standard
from runxin.platform.tree.models import Tenant
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import ScopedSession, as_system, bind_principal

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/runxin_bench_rls"
FORMS = {
    "= ANY (ARRAY(...))": (
        "tenant_id = ANY (ARRAY(SELECT t.id FROM tenant AS t WHERE t.path >= runxin_scope_path() AND t.path < runxin_scope_upper()))"
    ),
    "IN (SELECT ...)": "tenant_id IN (SELECT t.id FROM tenant AS t WHERE t.path >= runxin_scope_path() AND t.path < runxin_scope_upper())",
}


async def set_form(owner_url: str, expression: str) -> None:
    engine = make_engine(owner_url)
    async with engine.begin() as conn:
        tables = (
            await conn.execute(
                text("SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = tablename || '_subtree'")
            )
        ).scalars()
        for table in sorted(tables):
            await conn.execute(text(f"ALTER POLICY {table}_subtree ON {table} USING ({expression}) WITH CHECK ({expression})"))
    await engine.dispose()


async def city_and_counties(owner_url: str) -> tuple[Tenant, list[Tenant]]:
    engine = make_engine(owner_url)
    async with make_sessionmaker(engine, ScopedSession)() as session:
        as_system(session, "benchmark")
        city = (await session.execute(select(Tenant).where(Tenant.kind == "CITY").order_by(Tenant.code).limit(1))).scalar_one()
        counties = list((await session.execute(select(Tenant).where(Tenant.parent_id == city.id))).scalars())
    await engine.dispose()
    return city, counties


async def time_engine(app_url: str, city: Tenant, counties: list[Tenant], *, jit: bool, runs: int) -> list[float]:
    engine = make_engine(app_url)
    principal = Principal(subject="bench", tenant_id=city.id, tenant_path=city.path, tenant_kind=city.kind, roles=frozenset({"ADMIN"}))
    refs = [TenantRef.of(county) for county in counties]
    times = []
    async with make_sessionmaker(engine, ScopedSession)() as session:
        bind_principal(session, principal)
        await session.execute(text(f"SET jit = {'on' if jit else 'off'}"))
        for _ in range(runs + 1):  # the first run warms the caches and prepares the statements
            started = time.perf_counter()
            await compute_indicators(session, refs, year=2025, standard=standard("2023"))
            times.append((time.perf_counter() - started) * 1000)
            await session.rollback()
            await session.execute(text(f"SET jit = {'on' if jit else 'off'}"))
    await engine.dispose()
    return times[1:]


async def main(url: str, runs: int) -> None:
    city, counties = await city_and_counties(url)
    owner = make_engine(url)
    async with owner.begin() as conn:
        await conn.execute(text("ALTER ROLE runxin_app LOGIN"))
    await owner.dispose()
    app_url = url.replace("://postgres@", "://runxin_app@", 1)
    print(f"{city.name}: {len(counties)} counties; every indicator per county from raw records, as runxin_app (ms)")
    print(f"{'policy':<22}{'JIT':<6}{'median':>10}{'best':>10}")
    try:
        for name, expression in FORMS.items():
            await set_form(url, expression)
            for jit in (True, False):
                times = await time_engine(app_url, city, counties, jit=jit, runs=runs)
                print(f"{name:<22}{'on' if jit else 'off':<6}{statistics.median(times):>10.1f}{min(times):>10.1f}")
    finally:
        await set_form(url, FORMS["IN (SELECT ...)"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        sys.exit("this benchmark measures PostgreSQL's row-level security: give a postgresql+asyncpg:// URL")
    env = runxin_env(args.database_url, Path(".data/bench-rls"))
    name = args.database_url.rsplit("/", 1)[1]
    import subprocess

    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'CREATE DATABASE "{name}"'], capture_output=True)
    print(migrate_and_seed(env, "city"))
    asyncio.run(main(args.database_url, args.runs))
