"""Engines and session factories. Nothing connects until a session is used."""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

# Execution option for a session's connection: this transaction will write (see _on_begin).
WRITE_TRANSACTION = "write_transaction"


def _quiet_driver_logs() -> None:
    """aiosqlite logs every call with its arguments at DEBUG (every statement's parameters, secrets
    among them): its logger stays at INFO whatever level the rest of the process logs at."""
    driver = logging.getLogger("aiosqlite")
    if driver.level < logging.INFO:  # unset (inheriting the root's level) or DEBUG
        driver.setLevel(logging.INFO)


def make_engine(
    url: str, *, echo: bool = False, pool_size: int = 10, statement_timeout_ms: int | None = None, pre_ping: bool = True
) -> AsyncEngine:
    """Create the async engine for a database URL, with per-dialect settings that matter.

    `statement_timeout_ms` bounds each statement on PostgreSQL (the API sets it; seeding and
    migrations do not). `pre_ping` checks each connection taken from the pool with a round trip of
    its own; callers that retry a statement on a dropped connection may save it.
    """
    _quiet_driver_logs()
    if url.startswith("sqlite"):
        # hide_parameters: statement parameters carry secrets (signing secrets, hashes) and personal
        # data; they stay out of SQLAlchemy's log lines and of the text of its exceptions.
        engine = create_async_engine(url, echo=echo, hide_parameters=True, connect_args={"timeout": 30})
        _sqlite_pragmas(engine)
    else:
        engine = create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=pre_ping,
            # Read paths re-run the same statements; asyncpg's prepared-statement cache pays off.
            connect_args={
                "server_settings": {
                    "application_name": "runxin",
                    # Row-level security makes the planner's cost estimates of the indicator
                    # statements cross jit_above_cost; compiling then took longer (30-150 ms)
                    # than running them (8 ms). These are short OLTP statements: no JIT.
                    "jit": "off",
                    **({"statement_timeout": str(statement_timeout_ms)} if statement_timeout_ms else {}),
                }
            },
        )
    return engine


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        # WAL lets the API read while a writer commits; foreign keys are off by default in SQLite.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # The sqlite3 driver starts transactions lazily and mishandles SAVEPOINT (a released
        # savepoint commits the whole transaction). Take transaction control back, as the
        # SQLAlchemy docs advise: the driver emits no BEGIN, we emit our own below.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        options = connection.get_execution_options()
        if options.get("isolation_level") != "AUTOCOMMIT":
            # A transaction that will write takes the write lock up front (WRITE_TRANSACTION): a
            # deferred one that reads first and then writes fails at once with SQLITE_BUSY when
            # another writer committed in between, where an immediate one just waits its turn.
            connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_TRANSACTION) else "BEGIN")


def make_sessionmaker(engine: AsyncEngine, sync_session_class: type[Session] = Session) -> async_sessionmaker[AsyncSession]:
    """A session factory; `tenants.scoping` passes its scoped Session class here."""
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=sync_session_class)
