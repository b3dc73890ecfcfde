"""Retention: the one way audit events are ever deleted.

`prune` lifts the append-only guard for the length of one transaction, deletes the events older
than the cutoff and puts the guard back. On PostgreSQL only the table's owner (the migration role)
may disable a trigger, so the application role cannot call this to erase history; the
ALTER TABLE also holds an exclusive lock, so no event is written while the guard is down. On
SQLite, DDL is transactional: the triggers are dropped and recreated in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine

from runxin.platform.audit.models import SQLITE_GUARD, SQLITE_UNGUARD, TRIGGER, AuditEvent
from runxin.platform.errors import Invalid

# China's Cybersecurity Law (网络安全法, art. 21) requires network logs be kept at least six months.
MIN_RETENTION_DAYS = 180
MAX_RETENTION_DAYS = 3650


def check_retention(days: int, field: str = "older_than_days") -> int:
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise Invalid(
            field,
            "RETENTION_RANGE",
            f"{days} days is outside {MIN_RETENTION_DAYS}-{MAX_RETENTION_DAYS}: logs are kept at least six months "
            "(Cybersecurity Law, art. 21); choose a value in that range.",
        )
    return days


async def prune(engine: AsyncEngine, older_than_days: int, *, now: dt.datetime | None = None) -> int:
    """Delete the audit events that occurred more than `older_than_days` ago; return how many."""
    check_retention(older_than_days)
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=older_than_days)
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # The table forces row-level security even on its owner: prune acts in the system scope.
            await conn.execute(text("SELECT set_config('runxin.system', 'on', true)"))
            await conn.execute(text(f"ALTER TABLE audit_event DISABLE TRIGGER {TRIGGER}"))
            result = await conn.execute(delete(AuditEvent).where(AuditEvent.occurred_at < cutoff))
            await conn.execute(text(f"ALTER TABLE audit_event ENABLE TRIGGER {TRIGGER}"))
        else:
            for statement in SQLITE_UNGUARD:
                await conn.execute(text(statement))
            result = await conn.execute(delete(AuditEvent).where(AuditEvent.occurred_at < cutoff))
            for statement in SQLITE_GUARD:
                await conn.execute(text(statement))
        return result.rowcount
