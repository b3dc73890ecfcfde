"""Shared fixtures: a real database per test on SQLite and, where reachable, PostgreSQL.

PostgreSQL tests skip with a visible reason on a laptop without a server, and fail in CI
(CI=true), where a server must be running (RUNXIN_TEST_POSTGRES_URL, default 127.0.0.1:5432).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.models import Base
from runxin.tenants.scoping import ScopedSession, as_system

POSTGRES_ADMIN_URL = os.environ.get("RUNXIN_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("RUNXIN_SLOW") or IN_CI:
        return
    skip_slow = pytest.mark.skip(reason="slow test: run with RUNXIN_SLOW=1 (CI runs them)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


async def _postgres_reachable() -> str | None:
    engine = create_async_engine(POSTGRES_ADMIN_URL)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("select 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable", reported below
        return f"{type(exc).__name__}: {exc}"
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    problem = asyncio.run(_postgres_reachable())
    if problem:
        message = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} ({problem})"
        if IN_CI:
            pytest.fail(message + ": CI must run the PostgreSQL tests.")
        pytest.skip(message + ": start it, or set RUNXIN_TEST_POSTGRES_URL.")
    name = f"runxin_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    async def admin(sql: str) -> None:
        engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def _postgres_schema(postgres_url: str) -> str:
    async def create() -> None:
        engine = create_async_engine(postgres_url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
        finally:
            await engine.dispose()

    asyncio.run(create())
    return postgres_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The URL of an empty database with the whole schema, on each backend in turn."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"

        async def create() -> None:
            engine = make_engine(url)
            try:
                async with engine.begin() as conn:
                    await conn.run_sync(Base.metadata.create_all)
            finally:
                await engine.dispose()

        asyncio.run(create())
        return url
    url = request.getfixturevalue("_postgres_schema")
    asyncio.run(_truncate_all(url))
    return url


async def _truncate_all(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    return make_sessionmaker(engine, ScopedSession)


@pytest.fixture
async def system_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session that sees every tenant, for arranging and checking test data.

    Autocommit: each read sees what the API committed since, on SQLite (where an open read
    transaction would keep its snapshot) as on PostgreSQL.
    """
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    async with make_sessionmaker(autocommit, ScopedSession)() as session:
        as_system(session, "test fixture")
        yield session


async def _admin_sql(sql: str) -> None:
    engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The URL of an empty database (no tables at all), for migrations, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    # The session database is not used; asking for it applies the skip-locally, fail-in-CI rule.
    request.getfixturevalue("postgres_url")
    name = f"runxin_empty_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin_sql(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


REDIS_TEST_URL = os.environ.get("RUNXIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_reachable(url: str) -> str | None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable", reported below
        return f"{type(exc).__name__}: {exc}"
    finally:
        client.close()


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis (RUNXIN_TEST_REDIS_URL, default db 15 on 127.0.0.1): skipped locally, required in CI."""
    problem = _redis_reachable(REDIS_TEST_URL)
    if problem:
        message = f"Redis not reachable at {REDIS_TEST_URL} ({problem})"
        if IN_CI:
            pytest.fail(message + ": CI must run the Redis tests.")
        pytest.skip(message + ": start it, or set RUNXIN_TEST_REDIS_URL.")
    return REDIS_TEST_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    import redis

    prefix = f"runxin-test-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
