"""Read-path benchmark: the two heaviest reads over real HTTP against a province-scale database.

    python bench/read_path.py                                   # SQLite under .data/bench
    python bench/read_path.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/runxin_bench

Seeds the database on first use (`runxin seed --scale province`), starts `runxin serve` in a
subprocess (one server process, as in production per core), then for each query sends
--requests requests from --concurrency concurrent clients and prints requests/s, p50 and p99.
Queries: (1) a city's per-county indicators; (2) a county's first 100 schools with staff counts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

CITY_INDICATORS = """
query ($code: String!) {
  tenant(code: $code) {
    name
    children(first: 100) {
      nodes { code name indicators { indicator numerator denominator value state } }
    }
  }
}
"""
COUNTY_SCHOOLS = """
query ($code: String!) {
  tenants(under: $code, kind: SCHOOL, first: 100) {
    nodes { code name staffCounts { fullTime partTime hiredCounsellors homeroomTeachers total } }
  }
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def runxin(*args: str, env: dict[str, str]) -> str:
    exe = Path(sys.executable).with_name("runxin")
    return subprocess.run([str(exe), *args], env=env, check=True, capture_output=True, text=True).stdout.strip()


async def measure(client: httpx.AsyncClient, query: str, variables: dict, token: str, requests: int, concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    headers = {"Authorization": f"Bearer {token}"}

    async def client_loop() -> None:
        while not queue.empty():
            queue.get_nowait()
            start = time.perf_counter()
            response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
            latencies.append(time.perf_counter() - start)
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                raise SystemExit(f"request failed: {response.status_code} {str(body)[:500]}")

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


async def run(base_url: str, city: str, county: str, tokens: dict[str, str], requests: int, concurrency: int) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        for name, query, variables, token in (
            ("city per-county indicators", CITY_INDICATORS, {"code": city}, tokens["city"]),
            ("county first 100 schools + staff counts", COUNTY_SCHOOLS, {"code": county}, tokens["county"]),
        ):
            await measure(client, query, variables, token, min(20, requests), concurrency)  # warm-up
            elapsed, latencies = await measure(client, query, variables, token, requests, concurrency)
            print(
                f"{name:42s} {requests / elapsed:8.1f} req/s   p50 {percentile(latencies, 50) * 1000:7.1f} ms"
                f"   p99 {percentile(latencies, 99) * 1000:7.1f} ms   ({requests} requests, {concurrency} clients)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--scale", default="province")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    data_dir = ROOT / ".data" / "bench"
    data_dir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite+aiosqlite:///{data_dir / f'{args.scale}.db'}"
    env = {**os.environ, "RUNXIN_DATA_DIR": str(data_dir), "RUNXIN_DATABASE_URL": url, "RUNXIN_MODE": "production"}
    runxin("db", "upgrade", env=env)
    started = time.perf_counter()
    seeded = subprocess.run(
        [str(Path(sys.executable).with_name("runxin")), "seed", "--scale", args.scale], env=env, capture_output=True, text=True
    )
    if seeded.returncode == 0:
        print(f"seeded {args.scale} in {time.perf_counter() - started:.1f} s")
    elif "already seeded" not in seeded.stderr:
        raise SystemExit(seeded.stderr)
    city, county = sample_codes(url)
    tokens = {
        "city": runxin("token", "--tenant", city, "--role", "VIEWER", env=env),
        "county": runxin("token", "--tenant", county, "--role", "VIEWER", env=env),
    }
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("runxin")), "serve", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("server did not start: " + server.stderr.read().decode() if server.stderr else "")
        print(f"database: {url.split('@')[-1]}  city {city}  county {county}")
        asyncio.run(run(base, city, county, tokens, args.requests, args.concurrency))
    finally:
        server.terminate()
        server.wait(10)


def sample_codes(url: str) -> tuple[str, str]:
    """The first city and its county with the most schools."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import aliased

    from runxin.platform.db.engine import make_engine, make_sessionmaker
    from runxin.platform.tree.models import Tenant
    from runxin.tenants.scoping import ScopedSession, as_system

    async def query() -> tuple[str, str]:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine, ScopedSession)() as session:
                as_system(session, "benchmark")
                city = (await session.execute(select(Tenant).where(Tenant.kind == "CITY").order_by(Tenant.code).limit(1))).scalar_one()
                school = aliased(Tenant)
                county = (
                    await session.execute(
                        select(Tenant.code)
                        .join(school, school.parent_id == Tenant.id)
                        .where(Tenant.parent_id == city.id)
                        .group_by(Tenant.code)
                        .order_by(func.count().desc(), Tenant.code)
                        .limit(1)
                    )
                ).scalar_one()
                return city.code, county
        finally:
            await engine.dispose()

    return asyncio.run(query())


if __name__ == "__main__":
    main()
