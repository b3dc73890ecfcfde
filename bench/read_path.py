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
import subprocess
import time

import httpx
from _common import ROOT, free_port, migrate_and_seed, percentile, runxin, runxin_env, runxin_exe, sample_codes, wait_healthy

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
    env = runxin_env(url, data_dir)
    print(migrate_and_seed(env, args.scale))
    city, county = sample_codes(url)
    tokens = {
        "city": runxin("token", "--tenant", city, "--role", "VIEWER", env=env),
        "county": runxin("token", "--tenant", county, "--role", "VIEWER", env=env),
    }
    port = free_port()
    server = subprocess.Popen(
        [runxin_exe(), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, server)
        print(f"database: {url.split('@')[-1]}  city {city}  county {county}")
        asyncio.run(run(base, city, county, tokens, args.requests, args.concurrency))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
