"""Recognising a write that lost a race with another transaction, on either database."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

# SQLite: a write from a read transaction whose snapshot is stale, or a lock held past the busy
# timeout. PostgreSQL: serialization failure and deadlock (SQLSTATE 40001, 40P01).
_SQLITE_MARKERS = ("database is locked", "database table is locked")
_POSTGRES_STATES = ("40001", "40P01")


def lost_race(exc: BaseException) -> bool:
    """Is `exc` another transaction's write getting there first (safe to send again)?"""
    if isinstance(exc, IntegrityError):
        return True
    if isinstance(exc, OperationalError) and any(m in str(exc.orig) for m in _SQLITE_MARKERS):
        return True
    if isinstance(exc, DBAPIError):
        state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return state in _POSTGRES_STATES
    return False
