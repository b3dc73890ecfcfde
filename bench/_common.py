"""Helpers the benchmarks share: the `runxin` command, seeding once, sample tenants, servers, figures.

Imported by the scripts of `bench/` as a sibling module (`python bench/<script>.py` puts this folder
on sys.path); the benchmarks are scripts, not part of the installed package.
"""

from __future__ import annotations

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def runxin_exe() -> str:
    """The `runxin` command of the interpreter running the benchmark (the project's .venv)."""
    return str(Path(sys.executable).with_name("runxin"))


def runxin(*args: str, env: dict[str, str]) -> str:
    return subprocess.run([runxin_exe(), *args], env=env, check=True, capture_output=True, text=True).stdout.strip()


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def runxin_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production-mode `runxin` over `database_url`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "RUNXIN_DATA_DIR": str(data_dir),
        "RUNXIN_DATABASE_URL": database_url,
        "RUNXIN_MODE": "production",
        **extra,
    }


def migrate_and_seed(env: dict[str, str], scale: str) -> str:
    """Migrate, then seed at `scale` unless the database is seeded already; says which it did."""
    runxin("db", "upgrade", env=env)
    started = time.perf_counter()
    seeded = subprocess.run([runxin_exe(), "seed", "--scale", scale], check=False, env=env, capture_output=True, text=True)
    if seeded.returncode == 0:
        return f"seeded {scale} in {time.perf_counter() - started:.1f} s"
    if "already seeded" not in seeded.stderr:
        raise SystemExit(seeded.stderr)
    return "reused the seeded database"


def wait_healthy(
    base_url: str, process: subprocess.Popen, path: str = "/healthz", seconds: float = 30.0, log: Path | None = None
) -> None:
    """Wait until `path` answers (any status below 500), or stop with the server's own output
    (its stderr pipe, or the `log` file it writes to)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(base_url + path, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    output = log.read_bytes() if log is not None and log.exists() else (process.communicate()[1] or b"")
    raise SystemExit(f"server at {base_url} did not start:\n{output.decode(errors='replace')[-3000:]}")


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
                city = (
                    await session.execute(select(Tenant).where(Tenant.kind == "CITY").order_by(Tenant.code).limit(1))
                ).scalar_one()
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
