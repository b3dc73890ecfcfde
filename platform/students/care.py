"""Screening rounds and results, the warning network's follow-ups, hospital referrals and the
school's crisis intervention plan (seeds/001 §(五)1-2, §(六)5).

A screening round and a crisis plan are institutional (a bureau may see that a school screened in
October, or adopted its plan): `TenantOwned`. A result, a follow-up and a referral are about one
student: `SchoolPrivate`, so only the school reads or writes them.

School years (2025 is 2025-26, 1 September to 31 August) are stored beside the dates they derive
from: the indicator engine binds the year as a parameter, and comparing integers keeps its
correlated counts the same on both databases.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, SchoolPrivate, TenantOwned

SCREENING_LEVELS = ("NONE", "MILD", "MODERATE", "SEVERE")
# Students a teacher must follow (一名教师挂点帮扶, seeds/001 §(五)1).
FOLLOWED_LEVELS = ("MODERATE", "SEVERE")
REFERRAL_STATES = ("REFERRED", "IN_TREATMENT", "RETURNED", "CLOSED")
OPEN_REFERRAL_STATES = ("REFERRED", "IN_TREATMENT")


def school_year_of(day: dt.date) -> int:
    """The school year a day falls in: 1 September 2025 to 31 August 2026 is 2025."""
    return day.year if day.month >= 9 else day.year - 1


class ScreeningRound(TenantOwned, Base):
    """One mental-health screening of the school's students (每学年开展1次, seeds/001 §(五)1)."""

    __tablename__ = "screening_round"

    school_year: Mapped[int] = mapped_column()
    held_on: Mapped[dt.date] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    # The questionnaire used, e.g. MHT, SCL-90, PHQ-9 (free text: schools use provincial tools).
    instrument: Mapped[str] = mapped_column(String(100), default="")

    __table_args__ = (Index("ix_screening_round_tenant_year", "tenant_id", "school_year"),)


class ScreeningResult(SchoolPrivate, Base):
    """Where one round placed one student."""

    __tablename__ = "screening_result"

    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("screening_round.id", ondelete="RESTRICT"), index=True)
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("student_file.id", ondelete="RESTRICT"), index=True)
    level: Mapped[str] = mapped_column(String(12))

    __table_args__ = (UniqueConstraint("round_id", "student_id"),)


class ConcernFollowUp(SchoolPrivate, Base):
    """A teacher of the school following a student of concern (挂点帮扶); open until ended_on."""

    __tablename__ = "concern_follow_up"

    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("student_file.id", ondelete="RESTRICT"), index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"), index=True)
    started_on: Mapped[dt.date] = mapped_column()
    ended_on: Mapped[dt.date | None] = mapped_column()


class Referral(SchoolPrivate, Base):
    """A student referred to a hospital (转介), tracked until return with a certificate or closure."""

    __tablename__ = "referral"

    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("student_file.id", ondelete="RESTRICT"), index=True)
    hospital: Mapped[str] = mapped_column(String(200))
    referred_on: Mapped[dt.date] = mapped_column()
    referred_year: Mapped[int] = mapped_column()  # school_year_of(referred_on)
    state: Mapped[str] = mapped_column(String(16), default="REFERRED")
    # The hospital's certificate that the student may return (专业医院出具相关证明方可复学, seeds/001 §(六)5).
    certificate_received_on: Mapped[dt.date | None] = mapped_column()
    certificate_year: Mapped[int | None] = mapped_column()  # school_year_of(certificate_received_on)


class CrisisPlan(TenantOwned, Base):
    """The school's psychological-crisis emergency plan (心理危机紧急处置预案, seeds/001 §(五)2)."""

    __tablename__ = "crisis_plan"

    title: Mapped[str] = mapped_column(String(200))
    adopted_on: Mapped[dt.date] = mapped_column()
    adopted_year: Mapped[int] = mapped_column()  # school_year_of(adopted_on)
    reviewed_on: Mapped[dt.date | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)  # false once withdrawn or replaced

    __table_args__ = (UniqueConstraint("tenant_id"),)
