"""The load test's harness, shared by tests/load/test_load.py (60 s in CI) and bench/soak.py (10 min).

A real `runxin serve` (one process, the worker embedded) over a seeded city on PostgreSQL, driven
by closed-loop clients — as many requests as the server can take, which is its capacity — with the
four queries of bench/compare.py mixed: Q1 a city's counties with their indicators, Q2 a county's
first 100 schools with staff counts, Q3 a school's own page, Q4 a school's station write followed
by its county's figure read back; the schools, their counties and the readers are drawn at random,
so writes come from many tenants. What it measures and checks:

- every answer: HTTP 200 without `errors` and without `userErrors` (else an error, with a sample);
- the server's resident memory every second: after the warm-up it must not grow by 5 % or more;
- at the end, once the chain has drained, every stored figure equals the full recompute
  (`runxin rollup --full --check` exits 0).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from runxin.graphql.ids import encode_id
from runxin.platform.config import Settings
from runxin.tenants.tokens import token_service
from tests.served import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import compare_queries as queries  # noqa: E402 - the benchmark's documents, one source for both

RUNXIN = str(Path(sys.executable).with_name("runxin"))
SCHOOLS_DRAWN = 200  # schools whose pages are read and whose stations are written
WARM_UP_SHARE = 1 / 3  # of the run; memory is compared from its end to the end of the run


@dataclass
class LoadReport:
    seconds: float
    requests: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    status: Counter[int] = field(default_factory=Counter)
    rss_kb: list[tuple[float, int]] = field(default_factory=list)  # (seconds since start, RSS)
    check_output: str = ""
    check_exit: int | None = None

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    @property
    def server_errors(self) -> int:
        return sum(n for code, n in self.status.items() if code >= 500)

    def rss_growth(self) -> float:
        """Growth of resident memory from the end of the warm-up to the end, as a fraction."""
        after_warm_up = [kb for t, kb in self.rss_kb if t >= self.seconds * WARM_UP_SHARE]
        if len(after_warm_up) < 6:
            return 0.0
        start = statistics.median(after_warm_up[:3])
        end = statistics.median(after_warm_up[-3:])
        return (end - start) / start

    def lines(self) -> list[str]:
        out = [f"{self.total} requests in {self.seconds:.0f} s ({self.total / self.seconds:.1f} req/s), "
               f"{len(self.errors)} errors, {self.server_errors} 5xx"]
        for name in sorted(self.requests):
            values = sorted(self.latencies[name])
            p50 = values[len(values) // 2] * 1000
            p99 = values[min(len(values) - 1, int(len(values) * 0.99))] * 1000
            out.append(f"  {name}: {self.requests[name]} requests, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        if self.rss_kb:
            out.append(f"  RSS {self.rss_kb[0][1] / 1024:.0f} MB at start, {self.rss_kb[-1][1] / 1024:.0f} MB at the end, "
                       f"{self.rss_growth() * 100:+.1f} % after the warm-up")
        out.append(f"  rollup --full --check: exit {self.check_exit}")
        return out


@dataclass
class Targets:
    city: str
    counties: list[str]
    schools: list[tuple[str, str, str]]  # (school code, county code, station global id)
    tokens: dict[str, str]


def runxin_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNXIN_")}
    return {**env, "RUNXIN_DATABASE_URL": database_url, "RUNXIN_DATA_DIR": str(data_dir)}


def seed(env: dict[str, str], scale: str) -> None:
    subprocess.run([RUNXIN, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([RUNXIN, "seed", "--scale", scale], env=env, check=True, capture_output=True)


async def targets_of(database_url: str, settings: Settings, rng: random.Random) -> Targets:
    """The first city, its counties, and schools with a station, each with a token of its own."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            city = (await conn.execute(text("SELECT id, code FROM tenant WHERE kind = 'CITY' ORDER BY code LIMIT 1"))).one()
            counties = (await conn.execute(text("SELECT id, code FROM tenant WHERE parent_id = :c ORDER BY code"), {"c": city.id})).all()
            rows = (
                await conn.execute(
                    text(
                        "SELECT s.id AS school_id, s.code, c.code AS county, min(st.id::text) AS station "
                        "FROM tenant s JOIN tenant c ON c.id = s.parent_id JOIN station st ON st.tenant_id = s.id "
                        "WHERE c.parent_id = :c GROUP BY s.id, s.code, c.code"
                    ),
                    {"c": city.id},
                )
            ).all()
    finally:
        await engine.dispose()
    rows = rng.sample(list(rows), min(SCHOOLS_DRAWN, len(rows)))
    issue = token_service(settings).issue
    ttl = 3600
    tokens = {city.code: issue(subject=f"load@{city.code}", tenant_id=city.id, roles=["ADMIN"], ttl_seconds=ttl)}
    for county in counties:
        tokens[county.code] = issue(subject=f"load@{county.code}", tenant_id=county.id, roles=["ADMIN"], ttl_seconds=ttl)
    for row in rows:
        tokens[row.code] = issue(subject=f"load@{row.code}", tenant_id=row.school_id, roles=["ADMIN"], ttl_seconds=ttl)
    schools = [(row.code, row.county, encode_id("Station", uuid.UUID(row.station))) for row in rows]
    return Targets(city.code, [c.code for c in counties], schools, tokens)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def school_year(today: dt.date | None = None) -> int:
    today = today or dt.date.today()
    return today.year if today.month >= 9 else today.year - 1


async def drive(base_url: str, targets: Targets, report: LoadReport, *, seconds: float, concurrency: int, pid: int, seed: int) -> None:
    """Closed-loop clients for `seconds`, sampling the server's memory every second."""
    year = school_year()
    started = time.monotonic()
    deadline = started + seconds

    async def post(client: httpx.AsyncClient, name: str, document: str, variables: dict[str, Any], code: str) -> dict[str, Any] | None:
        began = time.perf_counter()
        try:
            response = await client.post(
                "/graphql", json={"query": document, "variables": variables}, headers={"Authorization": f"Bearer {targets.tokens[code]}"}
            )
        except httpx.HTTPError as exc:
            report.errors.append(f"{name}: {type(exc).__name__}: {exc}")
            return None
        report.latencies[name].append(time.perf_counter() - began)
        report.requests[name] += 1
        report.status[response.status_code] += 1
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code != 200 or body.get("errors"):
            report.errors.append(f"{name} as {code}: {response.status_code} {response.text[:300]}")
            return None
        return body

    async def client_loop(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            while time.monotonic() < deadline:
                pick = rng.random()
                if pick < 0.25:
                    await post(client, "Q1", queries.RUNXIN_Q1, {"code": targets.city, "codes": queries.Q1_CODES, "year": year}, targets.city)
                elif pick < 0.5:
                    county = rng.choice(targets.counties)
                    await post(client, "Q2", queries.RUNXIN_Q2, {"code": county}, county)
                elif pick < 0.8:
                    school = rng.choice(targets.schools)[0]
                    await post(client, "Q3", queries.RUNXIN_Q3, {"code": school, "year": year}, school)
                else:
                    school, county, station = rng.choice(targets.schools)
                    hours = float(rng.randint(4, 20))
                    body = await post(client, "Q4 write", queries.RUNXIN_Q4_WRITE, {"id": station, "hours": hours}, school)
                    if body is not None and body["data"]["stationUpdate"]["userErrors"]:
                        report.errors.append(f"Q4 write as {school}: {body['data']['stationUpdate']['userErrors']}")
                    await post(client, "Q4 read", queries.RUNXIN_Q4_READ, {"code": county, "codes": [queries.Q4_CODE], "year": year}, county)

    async def sample_memory() -> None:
        while time.monotonic() < deadline:
            report.rss_kb.append((time.monotonic() - started, rss_kb(pid)))
            await asyncio.sleep(1.0)

    await asyncio.gather(sample_memory(), *(client_loop(n) for n in range(concurrency)))
    report.seconds = time.monotonic() - started


async def drained(database_url: str, seconds: float = 120.0) -> bool:
    """Wait until no tenant is pending in the rollup outbox."""
    engine = create_async_engine(database_url)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            async with engine.connect() as conn:
                pending = (await conn.execute(text("SELECT count(*) FROM rollup_dirty WHERE generation > done_generation"))).scalar_one()
            if pending == 0:
                return True
            await asyncio.sleep(0.5)
        return False
    finally:
        await engine.dispose()


def run_load(database_url: str, data_dir: Path, *, seconds: float, concurrency: int = 8, scale: str = "city", seed_value: int = 7) -> LoadReport:
    """Seed, serve, drive, drain and check; the report says what happened."""
    env = runxin_env(database_url, data_dir)
    seed(env, scale)
    settings = Settings.from_env(env_file=None, data_dir=data_dir, database_url=database_url)
    targets = asyncio.run(targets_of(database_url, settings, random.Random(seed_value)))
    port = free_port()
    log = (data_dir / "serve.log").open("wb")
    server = subprocess.Popen([RUNXIN, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    report = LoadReport(seconds=seconds)
    try:
        wait_until_serving(base_url, data_dir / "serve.log")
        asyncio.run(drive(base_url, targets, report, seconds=seconds, concurrency=concurrency, pid=server.pid, seed=seed_value))
        if not asyncio.run(drained(database_url)):
            report.errors.append("the rollup chain did not drain within 120 s")
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    check = subprocess.run([RUNXIN, "rollup", "--full", "--check"], env=env, capture_output=True, text=True)
    report.check_exit, report.check_output = check.returncode, check.stdout + check.stderr
    return report
