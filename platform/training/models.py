"""Programmes are run by a tenant at a level; sessions earn credits; attendance registers them per
teacher. Attendance belongs to the teacher's tenant, so a school sees its teachers' credits even
when the county ran the session."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned

PROGRAMME_LEVELS = ("NATIONAL", "PROVINCIAL", "CITY", "COUNTY", "SCHOOL")
AUDIENCES = ("MENTAL_HEALTH_TEACHERS", "HOMEROOM_TEACHERS", "PRINCIPALS", "NEW_TEACHERS", "ALL_STAFF")


class TrainingProgramme(TenantOwned, Base):
    __tablename__ = "training_programme"

    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    audience: Mapped[str] = mapped_column(String(32), default="MENTAL_HEALTH_TEACHERS")
    year: Mapped[int] = mapped_column()


class TrainingSession(TenantOwned, Base):
    __tablename__ = "training_session"

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_programme.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[dt.date] = mapped_column()
    ends_on: Mapped[dt.date] = mapped_column()
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    credits: Mapped[Decimal] = mapped_column(Numeric(5, 1))


class TrainingAttendance(TenantOwned, Base):
    __tablename__ = "training_attendance"

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    completed: Mapped[bool] = mapped_column(default=True)
    credits_awarded: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal(0))
    # The year the session ended, copied from it: credits count in that year, and a school reads
    # its teachers' credits without reading the county's or city's session records.
    credit_year: Mapped[int] = mapped_column()

    __table_args__ = (
        UniqueConstraint("session_id", "staff_id"),
        Index("ix_training_attendance_staff_year", "staff_id", "credit_year"),
    )
