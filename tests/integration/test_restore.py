"""The restore drill: infra/scripts/restore-check.sh restores a dump into a fresh database and
finds 0 differences between the restored figures and the raw records, and it fails when they differ.

Runs against the test PostgreSQL server (skipped locally without one, required in CI), on a
database of its own seeded at the tiny scale; the script's own restored databases are dropped.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from runxin.cli.seeding import run_seed
from runxin.platform.config import Settings
from tests.conftest import IN_CI, POSTGRES_ADMIN_URL, _admin_sql

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # about a minute: a seed and three restores

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "infra" / "scripts" / "restore-check.sh"


@pytest.fixture(scope="module")
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A tiny seeded database with settled rollups (what `runxin seed` leaves); its libpq URL."""
    request.getfixturevalue("postgres_url")  # skip locally / fail in CI without a server
    for tool in ("pg_dump", "pg_restore", "psql"):
        if shutil.which(tool) is None:
            message = f"{tool} is not installed"
            if IN_CI:
                pytest.fail(message + ": CI must run the restore drill (apt-get install postgresql-client).")
            pytest.skip(message + ": install the PostgreSQL client tools.")
    name = f"runxin_restore_src_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin_sql(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        settings = Settings.from_env(env_file=None, data_dir=tmp_path_factory.mktemp("seed"), database_url=url)
        run_seed(settings, "tiny", 7, Console(file=io.StringIO()))
        yield url.replace("postgresql+asyncpg://", "postgresql://", 1)
    finally:
        asyncio.run(_admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def restore_check(*args: str) -> subprocess.CompletedProcess[str]:
    # runxin from this interpreter's environment, first on PATH.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    env = {k: v for k, v in env.items() if not k.startswith("RUNXIN_")}
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=300, check=False)


def leftover_restores() -> list[str]:
    done = subprocess.run(
        [
            "psql",
            "-X",
            "-At",
            "-d",
            POSTGRES_ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://", 1),
            "-c",
            "SELECT datname FROM pg_database WHERE datname LIKE 'runxin_restore_2%'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()


def test_a_dump_restores_with_zero_differences(seeded: str) -> None:
    before = set(leftover_restores())
    done = restore_check(seeded)
    output = done.stdout + done.stderr  # runxin reports on stderr
    assert done.returncode == 0, output
    assert "; 0 differ" in output and "OK, 0 differences" in done.stdout
    # And the restored database is gone again
    assert set(leftover_restores()) == before


def test_a_restore_whose_figures_differ_fails(seeded: str, tmp_path: Path) -> None:
    # Given a dump in which one stored figure no longer matches the raw records
    dump = tmp_path / "runxin.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), "-d", seeded], check=True, capture_output=True)
    subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            "-d",
            seeded,
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "UPDATE aggregate SET numerator = numerator + 1 WHERE ctid = (SELECT ctid FROM aggregate LIMIT 1)",
        ],
        check=True,
        capture_output=True,
    )
    tampered = tmp_path / "tampered.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(tampered), "-d", seeded], check=True, capture_output=True)
    # When the drill restores it, then it fails and says so
    done = restore_check(seeded, "--dump", str(tampered))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "; 1 differ" in output and "restore-check: FAILED" in done.stderr
    # And the untampered dump still passes
    assert restore_check(seeded, "--dump", str(dump)).returncode == 0


def test_a_bad_call_says_what_to_give() -> None:
    done = restore_check("mysql://db")
    assert done.returncode == 2 and "postgresql://" in done.stderr
