"""A target set by a tenant for a subtree (its own or a descendant's)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned


class Target(TenantOwned, Base):
    """`tenant_id` is the root of the subtree the target applies to (so it is scoped like every other
    record: the subtree and its ancestors' principals see it); `set_by_id` is the tenant that set it."""

    __tablename__ = "target"

    indicator: Mapped[str] = mapped_column(String(48))
    set_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"))
    value: Mapped[float] = mapped_column(Float)
    due_date: Mapped[dt.date] = mapped_column()
    note: Mapped[str] = mapped_column(String(300), default="")
