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
from runxin.platform.staffing.models import ALL_TEACHER_KINDS, MENTAL_HEALTH_TEACHER_KINDS, STAFF_KINDS

PROGRAMME_LEVELS = ("NATIONAL", "PROVINCIAL", "CITY", "COUNTY", "SCHOOL")
AUDIENCES = ("MENTAL_HEALTH_TEACHERS", "HOMEROOM_TEACHERS", "PRINCIPALS", "NEW_TEACHERS", "ALL_STAFF")
# The staff kinds a programme's audience is meant for: a session completed by a member of one of
# them trains that member in the mental-health basics their post needs (seeds/001 §(二)2: the basics
# belong in principals' qualification training, homeroom-teacher training and new-teacher induction;
# seeds/003 §四2: homeroom teachers, "不漏一校、不漏一人"). New-teacher induction is for a new teacher
# of any post; an all-staff programme is for everyone.
AUDIENCE_KINDS: dict[str, tuple[str, ...]] = {
    "MENTAL_HEALTH_TEACHERS": MENTAL_HEALTH_TEACHER_KINDS,
    "HOMEROOM_TEACHERS": ("HOMEROOM",),
    "PRINCIPALS": ("PRINCIPAL",),
    "NEW_TEACHERS": ALL_TEACHER_KINDS,
    "ALL_STAFF": STAFF_KINDS,
}


def audiences_for(kind: str) -> tuple[str, ...]:
    """The audiences whose programmes are meant for staff of `kind`."""
    return tuple(audience for audience, kinds in AUDIENCE_KINDS.items() if kind in kinds)


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
    # The programme's audience, copied from it for the same reason (and kept in step when the
    # programme's audience changes): the coverage of homeroom teachers and principals counts
    # attendance by audience without reading the ancestor-owned programme.
    audience: Mapped[str] = mapped_column(String(32), default="MENTAL_HEALTH_TEACHERS")

    __table_args__ = (
        UniqueConstraint("session_id", "staff_id"),
        Index("ix_training_attendance_staff_year", "staff_id", "credit_year"),
    )
