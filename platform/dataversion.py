"""Data versions: counters that every committed write raises, so that an answer computed from the
database can be cached under the version of the data it was computed from and is never served
once that data has changed (the response cache, graphql/response_cache.py).

Who may read what bounds what a write can change for whom: a principal at tenant W writes only in
W's subtree, and a reader at R reads only R's subtree and, of its ancestors, what they decided for
it (names, policies, targets). So each tenant has two counters:

- `subtree_writes`: raised by every write made at the tenant or anywhere below it;
- `own_writes`: raised by every write made by a principal of the tenant itself, which may reach
  anywhere in its subtree.

A write by W raises `subtree_writes` of W and of each of its ancestors, and `own_writes` of W. The
version of everything R can see is `subtree_writes(R)` with `own_writes(A)` of each strict ancestor
A of R: a write below R or at R moves the first, a write made above R the second, a sibling's write
neither. System jobs declare which tenants' figures they wrote (`declare_writes`: the worker that
recomputes a tenant); those raise `subtree_writes` up the chain only, since a tenant's figures are
read at the tenant and above it. A system write that declares nothing raises the EPOCH row, which
is part of every version: safe for the rare jobs whose reach is unknown.

Counters only grow and rows are never deleted, so a version never comes back. The write happens at
the very end of the writing transaction, in tenant-id order (see tenants/versions.py): ancestors'
rows are shared by every writer below them, and taking them last keeps the lock short and in one
order (no deadlock with the rollup outbox, whose rows are always locked earlier).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BigInteger, Uuid, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base
from runxin.platform.tree.paths import ancestor_ids

# The row of writes whose reach is unknown (no tenant has the nil UUID).
EPOCH = uuid.UUID(int=0)
# Tables whose writes change no answer of the API: the audit log (its reader, auditEvents, is
# never cached), the rollup outbox (it decides how a figure is read, not its value) and these
# counters themselves.
UNVERSIONED_TABLES = frozenset({"audit_event", "rollup_dirty", "data_version"})
_DECLARED = "data_version_declared"


class DataVersion(Base):
    __tablename__ = "data_version"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    own_writes: Mapped[int] = mapped_column(BigInteger, default=0)
    subtree_writes: Mapped[int] = mapped_column(BigInteger, default=0)


def declare_writes(session: Any, tenant_ids: Iterable[uuid.UUID]) -> None:
    """Say that this (system) session's transaction writes figures of these tenants only."""
    session.info.setdefault(_DECLARED, set()).update(tenant_ids)


def declared_writes(session: Any) -> set[uuid.UUID] | None:
    return session.info.get(_DECLARED)


def forget_declared(session: Any) -> None:
    session.info.pop(_DECLARED, None)


def raise_statement(dialect: str, chains: Sequence[str], *, own: uuid.UUID | None) -> Any:
    """The upsert that raises the counters for writes at the tenants with these paths.

    `own`: the writing principal's tenant (its `own_writes` goes up too); None for a system job.
    An empty path list raises the EPOCH row.
    """
    counts: dict[uuid.UUID, list[int]] = {}
    for path in chains:
        for tenant_id in ancestor_ids(path):
            counts.setdefault(tenant_id, [0, 1])
    if not chains:
        counts[EPOCH] = [1, 0]
    if own is not None:
        counts.setdefault(own, [0, 1])[0] = 1
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = DataVersion.__table__
    # Sorted: concurrent writers lock the shared ancestors' rows in one order.
    rows = [{"tenant_id": t, "own_writes": o, "subtree_writes": s} for t, (o, s) in sorted(counts.items())]
    statement = insert(table).values(rows)
    return statement.on_conflict_do_update(
        index_elements=[table.c.tenant_id],
        set_={
            "own_writes": table.c.own_writes + statement.excluded.own_writes,
            "subtree_writes": table.c.subtree_writes + statement.excluded.subtree_writes,
        },
    )


def reader_statement(path: str) -> Any:
    """The select of the counters that make up the version of what a reader at `path` can see."""
    return select(DataVersion.tenant_id, DataVersion.own_writes, DataVersion.subtree_writes).where(
        DataVersion.tenant_id.in_(reader_ids(path))
    )


# `reader_statement` for asyncpg itself: the response cache looks the version up on every request,
# and the driver's own pool and prepared statement make it a small fraction of SQLAlchemy's cost.
READER_SQL_POSTGRESQL = "SELECT tenant_id, own_writes, subtree_writes FROM data_version WHERE tenant_id = ANY($1::uuid[])"


def reader_ids(path: str) -> list[uuid.UUID]:
    """The ids whose counters make up the version of what a reader at `path` can see."""
    return [EPOCH, *ancestor_ids(path)]


def reader_version(path: str, rows: Iterable[Any], *, whole_tree: bool = False) -> tuple[int, ...]:
    """The version of what a reader at `path` can see, from rows (tenant_id, own_writes, subtree_writes).

    `whole_tree`: the answer holds student-derived figures, whose suppression pattern is the whole
    tree's (platform/disclosure/patterns.py): a write anywhere under the root can change which of
    the reader's figures are hidden, so the root's `subtree_writes` is part of the version too.
    """
    found = {row[0]: (row[1], row[2]) for row in rows}
    chain = ancestor_ids(path)
    own_above = [found.get(a, (0, 0))[0] for a in chain[:-1]]
    tree = (found.get(chain[0], (0, 0))[1],) if whole_tree else ()
    return (found.get(EPOCH, (0, 0))[0], found.get(chain[-1], (0, 0))[1], *own_above, *tree)
