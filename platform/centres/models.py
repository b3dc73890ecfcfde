"""Counselling centres and what they deliver per period."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned

CENTRE_STATUSES = ("PLANNED", "UNDER_CONSTRUCTION", "OPERATIONAL", "SUSPENDED")


class CounsellingCentre(TenantOwned, Base):
    __tablename__ = "counselling_centre"

    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32), default="PLANNED")
    opening_date: Mapped[dt.date | None] = mapped_column()
    address: Mapped[str] = mapped_column(String(300), default="")
    online: Mapped[bool] = mapped_column(default=False)
    offline: Mapped[bool] = mapped_column(default=True)
    volunteer_team_size: Mapped[int] = mapped_column(default=0)


class CentreActivity(TenantOwned, Base):
    """Guidance visits to schools and trainings delivered by a centre in one period."""

    __tablename__ = "centre_activity"

    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("counselling_centre.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    guidance_visits: Mapped[int] = mapped_column(default=0)
    trainings_delivered: Mapped[int] = mapped_column(default=0)

    __table_args__ = (UniqueConstraint("centre_id", "period"),)
