"""The student file: who the student is at the school, and the flags other records hang off.

Every table about individual students (screening results, follow-ups, referrals, home visits,
mentor assignments) uses `SchoolPrivate`, so only the school reads and writes it; the bureaus see
counts (platform/indicators, suppressed when small).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, SchoolPrivate

GENDERS = ("FEMALE", "MALE")
# Levels of concern a screening or an assessment places a student at (NONE: no concern found).
CONCERN_LEVELS = ("NONE", "MILD", "MODERATE", "SEVERE")
# The "four special" (四特) categories: special family situation, mental health, behaviour, physical
# health (seeds/000 §三(二)5 and 10: monthly home visits, one file and one plan per student).
FOUR_SPECIAL_KINDS = ("FAMILY", "PSYCHOLOGICAL", "BEHAVIOUR", "PHYSICAL")

PERSONAL = {"personal": True}


class StudentFile(SchoolPrivate, Base):
    __tablename__ = "student_file"

    # The school's own student number: the key a roster import matches rows by, unique in the school.
    student_ref: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100), info=PERSONAL)
    gender: Mapped[str] = mapped_column(String(12), info=PERSONAL)
    birth_date: Mapped[dt.date | None] = mapped_column(info=PERSONAL)
    grade: Mapped[int] = mapped_column()  # 1-12: primary 1-6, junior 7-9, senior 10-12
    class_name: Mapped[str] = mapped_column(String(64), default="")
    # Comma-separated FOUR_SPECIAL_KINDS; empty when the student is not a "four special" student.
    four_special: Mapped[str] = mapped_column(String(64), default="")
    # The latest level of concern (screening or assessment); NONE until one places the student.
    concern_level: Mapped[str] = mapped_column(String(12), default="NONE")
    active: Mapped[bool] = mapped_column(default=True)  # false once the student has left the school

    __table_args__ = (
        UniqueConstraint("tenant_id", "student_ref"),
        Index("ix_student_file_tenant_active", "tenant_id", "active"),
    )
