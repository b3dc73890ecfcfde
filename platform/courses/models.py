"""Classes, their per-term class hours, and a school's activity records.

All three are institutional records of a school: counts and dates, never a student. The health
committee members of a class (seeds/001 §(五)1) are counted here; who they are is student data and
is not stored.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned

ACTIVITY_KINDS = (
    "THEME_MONTH_MENTAL_HEALTH",  # May: 心理健康教育主题月 (seeds/001 §(三)4)
    "THEME_MONTH_LIFE_HEALTH",  # October: 生命健康主题月 (seeds/001 §(三)4)
    "ADAPTATION_TERM_START",  # 开学初入学适应心理讲座或心理拓展活动 (seeds/001 §(三)1)
    "ADAPTATION_PRE_EXAM",  # 重要考试前 (seeds/001 §(三)1)
    "PARENT_TRAINING",  # 家长心理健康知识培训 (seeds/001 §(六)5)
)


class SchoolClass(TenantOwned, Base):
    """A class (班级) of a school in one school year (2025 is 2025-26)."""

    __tablename__ = "school_class"

    school_year: Mapped[int] = mapped_column()
    grade: Mapped[int] = mapped_column()  # 1-12: 一年级 ... 高三
    name: Mapped[str] = mapped_column(String(50))  # as the school writes it, e.g. 初一(3)班
    homeroom_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    students: Mapped[int | None] = mapped_column()  # enrolled in the class; an institutional count
    # Student health committee members (健康委员); None: not reported.
    health_committee_boys: Mapped[int | None] = mapped_column()
    health_committee_girls: Mapped[int | None] = mapped_column()

    # Also the index the class facts probe: (tenant_id, school_year) is its prefix.
    __table_args__ = (UniqueConstraint("tenant_id", "school_year", "name"),)


class ClassTermHours(TenantOwned, Base):
    """What a class held in one term (2025T1, 2025T2) of its school year."""

    __tablename__ = "class_term_hours"

    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    term: Mapped[str] = mapped_column(String(8))  # the period id, e.g. 2025T1
    teaching_weeks: Mapped[int] = mapped_column()
    mental_health_hours: Mapped[int] = mapped_column()  # 心理健康教育课 held
    class_meeting_hours: Mapped[int] = mapped_column()  # 心理班会课 held

    __table_args__ = (UniqueConstraint("class_id", "term"),)


class SchoolActivity(TenantOwned, Base):
    """One activity a school held: a theme month, an adaptation lecture or activity, a parent training."""

    __tablename__ = "school_activity"

    kind: Mapped[str] = mapped_column(String(32))
    held_on: Mapped[dt.date] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    participants: Mapped[int | None] = mapped_column()
    # Derived from held_on by the service (never an input), so the indicators count by school year
    # and term without date arithmetic in SQL: the school year it falls in (2025 from 1 Sep 2025 to
    # 31 Aug 2026) and its term (1: Sep-Jan, 2: Feb-Jul, None: August, in no term).
    school_year: Mapped[int] = mapped_column()
    term: Mapped[int | None] = mapped_column()

    __table_args__ = (Index("ix_school_activity_tenant_year", "tenant_id", "school_year"),)
