"""Hotlines and their per-period call counts."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned

HOTLINE_STATUSES = ("PLANNED", "ACTIVE", "SUSPENDED")


class Hotline(TenantOwned, Base):
    __tablename__ = "hotline"

    number: Mapped[str] = mapped_column(String(32))
    always_open: Mapped[bool] = mapped_column(default=False)  # 24 h
    schedule: Mapped[str] = mapped_column(String(200), default="")  # when not 24 h
    status: Mapped[str] = mapped_column(String(16), default="PLANNED")


class HotlineCallCount(TenantOwned, Base):
    __tablename__ = "hotline_call_count"

    hotline_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hotline.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    calls: Mapped[int] = mapped_column(default=0)
    crisis_calls: Mapped[int] = mapped_column(default=0)
    referrals: Mapped[int] = mapped_column(default=0)

    __table_args__ = (UniqueConstraint("hotline_id", "period"),)
