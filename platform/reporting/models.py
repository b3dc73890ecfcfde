"""Reports per tenant and period, their history and comments, entry windows, and frozen snapshots.

A `Report` row is the current state of one tenant's report for one period (no row: open, version 1).
`ReportEvent` is its append-only history (submit, approve, return, accept, reopen, comment).
`ReportingWindow` is the entry window a bureau sets for a period over its subtree.
`AggregateSnapshot` freezes the tenant's figures when a version is approved (or accepted).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned, utcnow
from runxin.platform.rollup.models import AggregateFigures


class Report(TenantOwned, Base):
    __tablename__ = "report"

    period: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(16), default="OPEN")  # OPEN, SUBMITTED, APPROVED, RETURNED
    submitted_at: Mapped[dt.datetime | None] = mapped_column()
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_by_tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"))
    return_reason: Mapped[str | None] = mapped_column(String(2000))

    __table_args__ = (UniqueConstraint("tenant_id", "period"), Index("ix_report_root_period", "root_id", "period"))


class ReportEvent(TenantOwned, Base):
    __tablename__ = "report_event"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # SUBMIT, APPROVE, RETURN, ACCEPT, REOPEN, COMMENT
    actor: Mapped[str] = mapped_column(String(200))
    actor_tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReportingWindow(TenantOwned, Base):
    """`tenant_id` is the bureau that set it; it applies to the bureau's subtree (the nearest wins)."""

    __tablename__ = "reporting_window"

    period: Mapped[str] = mapped_column(String(8))
    opens_on: Mapped[dt.date] = mapped_column()
    closes_on: Mapped[dt.date] = mapped_column()

    __table_args__ = (UniqueConstraint("tenant_id", "period"),)


class AggregateSnapshot(AggregateFigures, TenantOwned, Base):
    __tablename__ = "aggregate_snapshot"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("tenant_id", "period", "version", "indicator"),)
