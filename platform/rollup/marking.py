"""Marking tenants dirty in the writing transaction: the rollup's transactional outbox.

Every flush that inserts, changes or deletes a row of a table the indicators read (see inputs.py)
upserts its tenant's `rollup_dirty` row in the same transaction: `generation + 1`, the time it went
pending, and the writer's trace context. The mark commits or rolls back with the write, so no
committed write goes unmarked and no rolled-back write leaves a mark. After the commit the
doorbell rings for the marked tenants (a hint to the workers; the row is the truth).

Why the written tenant and not its parent: a school's own figures are a rollup row too (its county
is recomputed from its schools' rows), and marking one's own row means that many schools writing at
once never contend on their county's row. The worker that recomputes the school marks the county.

Writes that bypass the unit of work (bulk Core statements: seeding, tree moves) mark explicitly with
`mark_dirty`, or are followed by a full rollup.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from itertools import chain
from typing import Any

from sqlalchemy import case, event, inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from runxin.platform.doorbell import ring_after_commit
from runxin.platform.rollup.inputs import input_tables
from runxin.platform.rollup.models import RollupDirty
from runxin.platform.telemetry import current_traceparent
from runxin.platform.tree.models import Tenant

ROLLUP = "rollup"  # the doorbell kind: keys are tenant ids
_MARKED = "rollup_marked"  # tenant ids already marked in this transaction


async def mark_dirty(session: AsyncSession, tenants: Mapping[uuid.UUID, uuid.UUID], *, now: dt.datetime | None = None) -> None:
    """Mark tenants ({tenant id: root id}) dirty in the async session's current transaction."""
    await session.run_sync(lambda sync: mark_dirty_sync(sync, tenants, now=now))


def mark_dirty_sync(sync: Session, tenants: Mapping[uuid.UUID, uuid.UUID], *, now: dt.datetime | None = None) -> None:
    """`mark_dirty` for a sync Session (the flush listener, and code already inside one)."""
    already: set[uuid.UUID] = sync.info.setdefault(_MARKED, set())
    fresh = {tenant_id: root_id for tenant_id, root_id in tenants.items() if tenant_id not in already}
    if not fresh:
        return
    connection = sync.connection()
    connection.execute(_upsert(connection.dialect.name, fresh, now or dt.datetime.now(dt.UTC), current_traceparent()))
    already.update(fresh)
    ring_after_commit(sync, ROLLUP, fresh)


def _upsert(dialect: str, tenants: Mapping[uuid.UUID, uuid.UUID], now: dt.datetime, traceparent: str | None) -> Any:
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = RollupDirty.__table__
    # Sorted: concurrent transactions marking overlapping sets lock the rows in one order (no deadlock).
    rows = [
        {"tenant_id": t, "root_id": r, "generation": 1, "done_generation": 0, "dirty_since": now, "traceparent": traceparent}
        for t, r in sorted(tenants.items())
    ]
    statement = insert(table).values(rows)
    return statement.on_conflict_do_update(
        index_elements=[table.c.tenant_id],
        set_={
            "generation": table.c.generation + 1,
            # Pending since the first unprocessed mark: freshness is measured from there.
            "dirty_since": case(
                (table.c.generation > table.c.done_generation, table.c.dirty_since), else_=statement.excluded.dirty_since
            ),
            "traceparent": statement.excluded.traceparent,
            "root_id": statement.excluded.root_id,
        },
    )


@event.listens_for(Session, "after_flush")
def _mark_written_tenants(session: Session, _flush_context: Any) -> None:
    # After the flush, so that root_id is filled and new tenants exist; the state still shows what
    # was flushed (new, dirty, deleted and attribute history).
    tables = input_tables()
    tenants: dict[uuid.UUID, uuid.UUID] = {}
    dirty = session.dirty  # a new set on every access: take it once, not once per object
    for obj in chain(session.new, dirty, session.deleted):
        if getattr(type(obj), "__table__", None) not in tables:
            continue
        if isinstance(obj, Tenant):
            if obj in session.new:  # a new tenant changes its parent's denominators
                tenants[obj.id] = obj.root_id
            continue  # a rename changes no figure; moves mark explicitly (tree services)
        if obj in dirty and not session.is_modified(obj):
            continue
        tenants[obj.tenant_id] = obj.root_id
        # A record moved to another tenant leaves a gap where it was.
        for old in inspect(obj).attrs.tenant_id.history.deleted or ():
            if old is not None and old != obj.tenant_id:
                tenants[old] = obj.root_id
    if tenants:
        mark_dirty_sync(session, tenants)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_marks(session: Session) -> None:
    session.info.pop(_MARKED, None)
