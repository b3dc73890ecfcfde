"""Raising the data versions (platform/dataversion.py) at the end of every writing transaction.

Which tables a transaction wrote is seen where every statement passes, the engine's
`after_cursor_execute` (ORM flushes, bulk ORM statements and Core statements alike), and kept on
the connection for the length of its transaction. Who wrote is known here, in the tenants layer:
the session's principal, or for a system session the tenants it declared (else the EPOCH row).

The counters are raised in `before_commit`, after the last flush, as the transaction's last
statement; in an autocommit session (tests, scripts) each written statement is already committed,
so the EPOCH row is raised right after it instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, SessionTransaction

from runxin.platform.dataversion import UNVERSIONED_TABLES, declared_writes, forget_declared, raise_statement
from runxin.platform.tree.models import Tenant
from runxin.tenants.scoping import ScopedSession, principal_of

_WRITTEN = "data_version_written"  # connection.info: tables written in the current transaction
_SCOPED = "data_version_scoped"  # connection.info: the connection serves ScopedSessions
_CONNECTION = "data_version_connection"  # session.info: the connection of the current transaction


@event.listens_for(Engine, "after_cursor_execute")
def _note_written_table(conn: Connection, _cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool) -> None:
    if context is None or not (context.isinsert or context.isupdate or context.isdelete):
        return
    table = getattr(getattr(context.compiled, "statement", None), "table", None)
    name = getattr(table, "name", "?")
    if name in UNVERSIONED_TABLES:
        return
    if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        conn.info.setdefault(_WRITTEN, set()).add(name)
    elif conn.info.get(_SCOPED):
        # Already committed by the driver: raise the EPOCH row at once (only scripts and tests
        # write in autocommit; other connections, such as the migrations', are not ours to count).
        conn.execute(raise_statement(conn.dialect.name, [], own=None))


@event.listens_for(ScopedSession, "after_begin")
def _track_transaction(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    connection.info.pop(_WRITTEN, None)
    connection.info[_SCOPED] = True
    session.info[_CONNECTION] = connection


@event.listens_for(ScopedSession, "before_commit")
def _raise_versions(session: Session) -> None:
    # The commit's own flush comes after this hook, and may be what begins the transaction.
    session.flush()
    if session.info.get(_CONNECTION) is None:
        return  # the transaction ran no statement
    conn: Connection = session.info.pop(_CONNECTION)
    if conn.info.pop(_WRITTEN, None):
        _raise(session, conn)
    forget_declared(session)


@event.listens_for(ScopedSession, "after_rollback")
@event.listens_for(ScopedSession, "after_commit")
def _end_transaction(session: Session) -> None:
    session.info.pop(_CONNECTION, None)
    forget_declared(session)


def _raise(session: Session, conn: Connection) -> None:
    principal = principal_of(session)
    if principal is not None:
        statement = raise_statement(conn.dialect.name, [principal.tenant_path], own=principal.tenant_id)
    else:
        declared = declared_writes(session)
        paths = list(conn.execute(select(Tenant.path).where(Tenant.id.in_(declared))).scalars()) if declared else []
        statement = raise_statement(conn.dialect.name, paths, own=None)
    conn.execute(statement)
