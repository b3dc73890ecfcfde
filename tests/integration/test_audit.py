"""The audit log is append-only in the database itself, on both backends and both ways of building
the schema (metadata and migrations); only retention pruning by the owner deletes, and only old rows."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from runxin.platform.audit.models import AuditEvent
from runxin.platform.audit.retention import prune
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.db.migrate import upgrade
from runxin.platform.errors import Invalid
from runxin.platform.ids import new_id
from runxin.tenants.scoping import ScopedSession, as_system
from tests.factories.tree import make_tree

NOW = dt.datetime.now(dt.UTC)


def event_row(tenant, *, days_ago: float = 0) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": new_id(),
        "occurred_at": NOW - dt.timedelta(days=days_ago),
        "subject": f"user@{tenant.code}",
        "client_id": None,
        "tenant_id": tenant.id,
        "tenant_path": tenant.path,
        "operation_type": "query",
        "operation_name": "Q",
        "document_hash": "0" * 64,
        "writes": [],
        "personal_fields_read": [],
        "personal_reads": 0,
        "masked_reads": 0,
        "outcome": "ok",
        "client_ip": "127.0.0.1",
        "user_agent": "test",
        "trace_id": "1" * 32,
    }


async def add_events(engine: AsyncEngine, tenant, *ages: float) -> None:  # type: ignore[no-untyped-def]
    async with engine.begin() as conn:
        await conn.execute(insert(AuditEvent.__table__), [event_row(tenant, days_ago=age) for age in ages])


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(AuditEvent))).scalar_one()


async def assert_append_only(engine: AsyncEngine) -> None:
    """Neither UPDATE nor DELETE of an audit row gets through, even for whoever owns the table."""
    for statement in (update(AuditEvent).values(outcome="ok", subject="someone else"), delete(AuditEvent)):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(statement)
    # and raw SQL fares no better than the ORM
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM audit_event WHERE outcome = 'ok'"))


@pytest.fixture
async def tree(system_session):  # type: ignore[no-untyped-def]
    return await make_tree(system_session, counties=1, schools_per_county=1)


async def test_audit_rows_cannot_be_changed_or_deleted(engine, tree) -> None:  # type: ignore[no-untyped-def]
    # Given an audit event
    await add_events(engine, tree.city, 0)
    # Then changing or deleting it fails, and it is still there
    await assert_append_only(engine)
    assert await count(engine) == 1


async def test_prune_removes_only_rows_past_retention(engine, tree) -> None:  # type: ignore[no-untyped-def]
    # Given events 1, 399, 401 and 800 days old
    await add_events(engine, tree.all_schools()[0], 1, 399, 401, 800)
    # When the log is pruned to 400 days
    removed = await prune(engine, 400)
    # Then the two older events are gone and the two younger ones stay
    assert removed == 2
    async with engine.connect() as conn:
        ages = sorted(round((NOW - r.occurred_at.replace(tzinfo=dt.UTC)).days) for r in await conn.execute(select(AuditEvent.occurred_at)))
    assert ages == [1, 399]
    # And the guard is back in place afterwards
    await assert_append_only(engine)


async def test_prune_refuses_retention_below_six_months(engine, tree) -> None:  # type: ignore[no-untyped-def]
    await add_events(engine, tree.city, 200)
    with pytest.raises(Invalid, match="six months"):
        await prune(engine, 30)
    assert await count(engine) == 1


async def test_the_scoped_session_cannot_delete_audit_rows_either(sessionmaker, engine, tree) -> None:  # type: ignore[no-untyped-def]
    # Given an event, and a system session (which the ORM hook lets do anything)
    await add_events(engine, tree.city, 0)
    async with sessionmaker() as session:
        as_system(session, "test")
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(delete(AuditEvent))
            await session.commit()
    assert await count(engine) == 1


def test_the_migrated_schema_is_append_only_too(empty_database_url: str) -> None:
    # Given a database built by the migrations rather than by metadata.create_all
    upgrade(empty_database_url)

    async def check() -> None:
        engine = make_engine(empty_database_url)
        try:
            async with make_sessionmaker(engine, ScopedSession)() as session:
                as_system(session, "test")
                tree = await make_tree(session, counties=1, schools_per_county=1)
            await add_events(engine, tree.city, 1, 500)
            # Then the guard holds, and prune still works
            await assert_append_only(engine)
            assert await prune(engine, 400) == 1
            await assert_append_only(engine)
        finally:
            await engine.dispose()

    asyncio.run(check())


def test_runxin_audit_prune_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Given a migrated SQLite database with an old and a new event
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)

    async def arrange() -> None:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine, ScopedSession)() as session:
                as_system(session, "test")
                tree = await make_tree(session, counties=1, schools_per_county=0)
            await add_events(engine, tree.city, 1, 500)
        finally:
            await engine.dispose()

    asyncio.run(arrange())
    # When the command runs with the default retention (400 days)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "runxin"), "audit", "prune", "--database-url", url, "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Then it removed the old one
    assert result.returncode == 0, result.stderr
    assert "removed 1 audit events older than 400 days" in result.stderr
