"""Home visits (家访) and contacts: one model for both.

Every home-school contact of a teacher with a student's family is a `HomeVisit` row whose `mode`
says how it happened. Only an IN_PERSON visit is a home visit (入户家访) for the visit rules
(seeds/001 §(六)5 once a school year, seeds/000 §三(二)5 once a term); a "four special" student's
monthly contact (seeds/000 §三(二)5) is met by a row of any mode in that month. One table rather
than a separate contact log: the teacher records one event once, and the two rules read it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, SchoolPrivate

VISIT_MODES = ("IN_PERSON", "PHONE", "ONLINE")
# The mode that counts as a home visit; the others are contacts.
HOME_VISIT_MODE = "IN_PERSON"


class HomeVisit(SchoolPrivate, Base):
    __tablename__ = "home_visit"

    student_file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("student_file.id", ondelete="CASCADE"))
    # The teacher who visited or called (a Staff of the same school).
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"), index=True)
    visited_on: Mapped[dt.date] = mapped_column()
    mode: Mapped[str] = mapped_column(String(16), default=HOME_VISIT_MODE)
    note: Mapped[str] = mapped_column(String(2000), default="")
    # Derived from visited_on by the services (homeschool/calendar.py), never set by a client.
    school_year: Mapped[int] = mapped_column()
    school_month: Mapped[int] = mapped_column()

    __table_args__ = (Index("ix_home_visit_student_year", "student_file_id", "school_year"),)
