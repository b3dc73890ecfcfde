"""What the audit log adds to a request: the same operations with and without the audit INSERT.

    python bench/audit_overhead.py                               # SQLite in a temporary directory
    python bench/audit_overhead.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/runxin_audit_bench

In-process (httpx over ASGI), sequential, so the figure is the latency one request pays, not a
throughput. The database must be empty or a throwaway: it is created, seeded small and written to.
Prints the median and p90 per request for a small read and for a personal-data read (20 staff).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from runxin.graphql.app import create_app
from runxin.graphql.audit import recording
from runxin.platform.config import Settings
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.models import Base
from runxin.platform.staffing.services import create_staff
from runxin.platform.tree.models import Tenant, TenantKind
from runxin.platform.tree.services import create_tenant
from runxin.tenants.scoping import ScopedSession, as_system
from runxin.tenants.tokens import TokenService, load_or_create_key

SMALL = "{ viewer { subject } }"
STAFF = "query ($c: String!) { tenant(code: $c) { staff(first: 20) { nodes { id name phone } } } }"


async def arrange(url: str) -> tuple[Tenant, Tenant]:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    async with make_sessionmaker(engine, ScopedSession)() as session:
        as_system(session, "bench")
        city = await create_tenant(session, kind=TenantKind.CITY, code="360700", name="市", parent=None)
        county = await create_tenant(session, kind=TenantKind.COUNTY, code="360702", name="县", parent=city)
        school = await create_tenant(session, kind=TenantKind.SCHOOL, code="2136000001", name="校", parent=county)
        for n in range(20):
            await create_staff(session, tenant_id=school.id, values={"kind": "FULL_TIME", "name": f"张{n}", "phone": "13812345678"})
        await session.commit()
    await engine.dispose()
    return county, school


async def measure(client: httpx.AsyncClient, headers: dict[str, str], query: str, variables: dict, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return times


async def main(url: str, data_dir: Path, n: int) -> None:
    county, school = await arrange(url)
    settings = Settings.from_env(env_file=None, data_dir=data_dir, database_url=url)
    app = create_app(settings)
    real_write = recording.write_event

    async def no_write(*args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        return None

    async with app.router.lifespan_context(app):
        tokens = TokenService(load_or_create_key(settings.key_path), settings.token_issuer, settings.token_audience, 600)
        token = tokens.issue(subject="bench", tenant_id=county.id, roles=["ADMIN"])
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            for name, query, variables in (("small read", SMALL, {}), ("20 staff, unmasked", STAFF, {"c": school.code})):
                await measure(client, headers, query, variables, 50)  # warm up
                figures = {}
                # Interleaved rounds, so drift (caches, WAL growth) hits both sides alike.
                off: list[float] = []
                on: list[float] = []
                for _ in range(5):
                    recording.write_event = no_write  # type: ignore[assignment]
                    off += await measure(client, headers, query, variables, n // 5)
                    recording.write_event = real_write  # type: ignore[assignment]
                    on += await measure(client, headers, query, variables, n // 5)
                for label, times in (("without audit", off), ("with audit", on)):
                    figures[label] = (statistics.median(times), statistics.quantiles(times, n=10)[-1])
                added = figures["with audit"][0] - figures["without audit"][0]
                print(
                    f"{name:20s} median {figures['without audit'][0]:.2f} -> {figures['with audit'][0]:.2f} ms "
                    f"(p90 {figures['without audit'][1]:.2f} -> {figures['with audit'][1]:.2f}); audit adds {added:.2f} ms"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=500)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = options.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        asyncio.run(main(url, Path(tmp), options.requests))
