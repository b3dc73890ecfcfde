"""The load test: Q1-Q4 mixed with writes from many tenants at the server's capacity, for 60 s
(RUNXIN_LOAD_SECONDS), on PostgreSQL: no error, no 5xx, memory flat after the warm-up, and every
stored figure equal to the full recompute at the end. `bench/soak.py` runs the same for 10 minutes.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from tests.conftest import POSTGRES_ADMIN_URL, _admin_sql
from tests.load.harness import run_load

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def load_database(postgres_url: str):  # type: ignore[no-untyped-def]
    # postgres_url: skips locally without a server, fails in CI.
    name = f"runxin_load_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin_sql(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_mixed_load_holds_without_errors_or_growth(load_database: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Given a seeded city served by one process; When Q1-Q4 run mixed at capacity for a minute
    report = run_load(load_database, tmp_path / "data", seconds=float(os.environ.get("RUNXIN_LOAD_SECONDS", "60")))
    print("\n".join(report.lines()))
    # Then every request was answered without an error, memory stayed flat, and the figures are exact
    assert report.total > 100, report.lines()
    assert report.errors == [], report.errors[:5]
    assert report.server_errors == 0
    assert report.rss_growth() < 0.05, report.rss_kb
    assert report.check_exit == 0, report.check_output[-2000:]
    assert {"Q1", "Q2", "Q3", "Q4 write", "Q4 read"} <= set(report.requests)
