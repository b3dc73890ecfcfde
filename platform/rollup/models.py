"""Rolled-up indicator figures, and the outbox that says which tenants must be recomputed.

`RollupDirty` is the transactional outbox of the chain: a write to a record that feeds the indicators
bumps its tenant's `generation` in the write's own transaction (see `marking.py`). A tenant is pending
while `generation > done_generation`; the worker that recomputes it records the generation it saw,
so a write that lands during a recompute leaves the tenant pending. One row per tenant, so repeated
triggers coalesce and concurrent schools never contend on one row.

`Aggregate` holds the live figures of every tenant (its subtree), per year and indicator, as raw
sums: a parent is recomputed as its own units plus the sums of its children, never by adding deltas.
`AggregateFigures` is shared with the frozen per-period snapshots of approved reports.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned, utcnow


class RollupDirty(Base):
    __tablename__ = "rollup_dirty"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), primary_key=True)
    root_id: Mapped[uuid.UUID] = mapped_column()
    generation: Mapped[int] = mapped_column(Integer, default=1)
    done_generation: Mapped[int] = mapped_column(Integer, default=0)
    # When the tenant last went from done to pending (freshness is measured from here).
    dirty_since: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The W3C traceparent of the write that made it pending, so the worker's span joins its trace.
    traceparent: Mapped[str | None] = mapped_column(String(64))
    # When the sweeper last re-rang the doorbell for it (it leaves fresh marks to the writer's ring).
    rung_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (
        # The sweeper's question ("what is still pending?") reads only pending rows, on both databases.
        Index(
            "ix_rollup_dirty_pending",
            "dirty_since",
            sqlite_where=text("generation > done_generation"),
            postgresql_where=text("generation > done_generation"),
        ),
    )


class AggregateFigures:
    """One indicator over one tenant's subtree: the raw sums and what they mean."""

    year: Mapped[int] = mapped_column()
    indicator: Mapped[str] = mapped_column(String(48))
    standards_version: Mapped[str] = mapped_column(String(32))
    units_total: Mapped[int] = mapped_column(Integer, default=0)  # eligible units, reported or not
    units_not_reported: Mapped[int] = mapped_column(Integer, default=0)
    numerator: Mapped[float] = mapped_column(Float, default=0.0)  # summed over reported eligible units
    denominator: Mapped[float] = mapped_column(Float, default=0.0)  # reported eligible units
    value: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16))  # REPORTED, NOT_REPORTED, NOT_APPLICABLE, SUPPRESSED
    as_of: Mapped[dt.datetime] = mapped_column()
    # The tenant's outbox generation the figures were computed at: the version of their inputs.
    input_version: Mapped[int] = mapped_column(Integer, default=0)


class Aggregate(AggregateFigures, TenantOwned, Base):
    __tablename__ = "aggregate"

    __table_args__ = (UniqueConstraint("tenant_id", "year", "indicator"),)
