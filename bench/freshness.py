"""Freshness benchmark: time from a school's mutation to the changed city aggregate.

    python bench/freshness.py                      # SQLite, worker embedded in `runxin serve`
    python bench/freshness.py --backend postgres   # PostgreSQL, `runxin serve` + `runxin worker` over RabbitMQ

Seeds a city (1,200 schools) in a fresh database, starts the server (and, on PostgreSQL, one worker
process), then runs a steady background load of staff mutations over HTTP (--rate per second, which
climb the chain whenever a school's teacher coverage changes) while --probes probe mutations, one
at a time, suspend or reopen a central school's counselling station. For each probe it measures
the time from the HTTP response (the write committed) until the city's STATION_COVERAGE aggregate
in the database shows it, and prints p50, p95 and max.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent.parent
RUNXIN = str(Path(sys.executable).with_name("runxin"))
PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672/"

STATION_UPDATE = "mutation ($input: StationUpdateInput!) { stationUpdate(input: $input) { userErrors { code message } } }"
STAFF_UPDATE = "mutation ($input: StaffUpdateInput!) { staffUpdate(input: $input) { userErrors { code message } } }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_id(kind: str, uuid_text: str) -> str:
    import uuid

    from runxin.graphql.ids import encode_id

    return encode_id(kind, uuid.UUID(uuid_text))


async def fetch(url: str, sql: str, **params: object) -> list:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())
    finally:
        await engine.dispose()


async def admin(sql: str) -> None:
    engine = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


async def city_numerator(engine, city_id: str, year: int) -> float:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT numerator FROM aggregate WHERE tenant_id = :t AND indicator = 'STATION_COVERAGE' AND year = :y"),
                {"t": city_id, "y": year},
            )
        ).first()
    return -1.0 if row is None else float(row[0])


async def run(
    base: str, url: str, token: str, city_id: str, year: int, stations: list[str], staff: list[str], probes: int, rate: float
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    engine = create_async_engine(url)
    rng = random.Random(7)
    stop = asyncio.Event()
    background = 0
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as client:

        async def load() -> None:
            nonlocal background
            interval = 1.0 / rate if rate > 0 else None
            while interval and not stop.is_set():
                started = time.perf_counter()
                body = {"query": STAFF_UPDATE, "variables": {"input": {"id": rng.choice(staff), "active": rng.random() < 0.5}}}
                response = await client.post("/graphql", json=body)
                if response.status_code == 200:
                    background += 1
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))

        loader = asyncio.create_task(load())
        await asyncio.sleep(2)  # let the load settle in
        lags: list[float] = []
        status = {station: "OPERATIONAL" for station in stations}
        load_started = time.perf_counter()
        for i in range(probes):
            station = stations[i % len(stations)]
            before = await city_numerator(engine, city_id, year)
            status[station] = "SUSPENDED" if status[station] == "OPERATIONAL" else "OPERATIONAL"
            expected = before + (1 if status[station] == "OPERATIONAL" else -1)
            body = {"query": STATION_UPDATE, "variables": {"input": {"id": station, "status": status[station]}}}
            response = await client.post("/graphql", json=body)
            committed = time.perf_counter()
            errors = response.json().get("errors") or response.json()["data"]["stationUpdate"]["userErrors"]
            if errors:
                raise SystemExit(f"probe failed: {errors}")
            while await city_numerator(engine, city_id, year) != expected:
                if time.perf_counter() - committed > 30:
                    raise SystemExit("the city aggregate did not follow within 30 s")
                await asyncio.sleep(0.002)
            lags.append(time.perf_counter() - committed)
        elapsed = time.perf_counter() - load_started
        stop.set()
        await loader
    await engine.dispose()
    print(
        f"freshness over {probes} probes: p50 {percentile(lags, 50) * 1000:.0f} ms, p95 {percentile(lags, 95) * 1000:.0f} ms, "
        f"max {max(lags) * 1000:.0f} ms; background load {background / (elapsed + 2):.1f} staff mutations/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--probes", type=int, default=40)
    parser.add_argument("--rate", type=float, default=20.0, help="background staff mutations per second")
    parser.add_argument("--scale", default="city")
    args = parser.parse_args()
    data_dir = ROOT / ".data" / f"bench-freshness-{args.backend}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    if args.backend == "postgres":
        name = "runxin_bench_freshness"
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
        url, broker = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", RABBITMQ
    else:
        url, broker = f"sqlite+aiosqlite:///{data_dir / 'runxin.db'}", ""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RUNXIN_")},
        "RUNXIN_DATA_DIR": str(data_dir),
        "RUNXIN_DATABASE_URL": url,
        "RUNXIN_BROKER_URL": broker,
        "RUNXIN_QUEUE_NAMESPACE": f"bench{os.getpid()}",
        "RUNXIN_COST_BUCKET": "10000000",
        "RUNXIN_COST_PER_SECOND": "1000000",
    }
    started = time.perf_counter()
    subprocess.run([RUNXIN, "seed", "--scale", args.scale], env=env, check=True, capture_output=True)
    print(f"backend {args.backend}: seeded {args.scale} and settled its rollups in {time.perf_counter() - started:.1f} s")
    city = asyncio.run(fetch(url, "SELECT id, code FROM tenant WHERE kind = 'CITY' ORDER BY code LIMIT 1"))[0]
    year = int(asyncio.run(fetch(url, "SELECT max(year) FROM aggregate"))[0][0])
    stations = [
        node_id("Station", str(row[0]))
        for row in asyncio.run(
            fetch(
                url,
                "SELECT s.id FROM station s JOIN school_profile p ON p.tenant_id = s.tenant_id "
                "WHERE s.status = 'OPERATIONAL' AND s.kind IN ('SUNSHINE_STATION', 'COUNSELLING_ROOM') AND p.central_rank "
                "AND (SELECT count(*) FROM station o WHERE o.tenant_id = s.tenant_id) = 1 ORDER BY s.id LIMIT 20",
            )
        )
    ]
    staff = [
        node_id("Staff", str(row[0]))
        for row in asyncio.run(fetch(url, "SELECT id FROM staff WHERE kind = 'FULL_TIME' ORDER BY id LIMIT 2000"))
    ]
    city_id = str(city[0]) if args.backend == "postgres" else str(city[0]).replace("-", "")
    token = subprocess.run(
        [RUNXIN, "token", "--tenant", city[1], "--role", "DATA_OFFICER", "--ttl", "3600"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = free_port()
    processes = [
        subprocess.Popen([RUNXIN, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ]
    if broker:
        processes.append(
            subprocess.Popen([RUNXIN, "worker", "--threads", "4"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        asyncio.run(run(base, url, token, city_id, year, stations, staff, args.probes, args.rate))
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        if args.backend == "postgres":
            asyncio.run(admin('DROP DATABASE IF EXISTS "runxin_bench_freshness" WITH (FORCE)'))


if __name__ == "__main__":
    main()
