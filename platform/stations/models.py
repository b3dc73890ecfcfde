"""Stations and rooms, with what the MoE guide for counselling rooms asks of them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned

STATION_KINDS = ("SUNSHINE_STATION", "COUNSELLING_ROOM", "BASIC_PLACE")
STATION_STATUSES = ("PLANNED", "OPERATIONAL", "SUSPENDED")


class Station(TenantOwned, Base):
    __tablename__ = "station"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="SUNSHINE_STATION")
    status: Mapped[str] = mapped_column(String(16), default="OPERATIONAL")
    opened_on: Mapped[dt.date | None] = mapped_column()
    area_m2: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    weekly_open_hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    # Room functions (individual counselling, assessment, sandplay) and appointment channels.
    individual_counselling: Mapped[bool] = mapped_column(default=False)
    assessment: Mapped[bool] = mapped_column(default=False)
    sandplay: Mapped[bool] = mapped_column(default=False)
    appointment_in_person: Mapped[bool] = mapped_column(default=True)
    appointment_phone: Mapped[bool] = mapped_column(default=False)
    appointment_online: Mapped[bool] = mapped_column(default=False)
    duty_roster: Mapped[bool] = mapped_column(default=False)
    records_kept: Mapped[bool] = mapped_column(default=False)
    shown_to_new_students: Mapped[bool] = mapped_column(default=False)
