"""Mentor assignments, mentor teams and their members (seeds/002 全员导师制)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, SchoolPrivate
from runxin.platform.staffing.models import MENTAL_HEALTH_TEACHER_KINDS

# "导师与学生之间的配置比例原则上不超过1:15" (seeds/002 §四(二)): a mentor's mentees in a school year.
MAX_MENTEES = 15
# Roles in a mentor team (导师团, seeds/002 §四(二)): homeroom teacher, "teacher mother" (教师妈妈),
# mental-health teacher, and any other teacher.
TEAM_ROLES = ("HOMEROOM_TEACHER", "TEACHER_MOTHER", "MENTAL_HEALTH_TEACHER", "OTHER")
MIN_TEAM_MEMBERS = 2
# The staff kinds a team role asks for; a role not listed may be held by any staff member.
ROLE_KINDS: dict[str, tuple[str, ...]] = {"HOMEROOM_TEACHER": ("HOMEROOM",), "MENTAL_HEALTH_TEACHER": MENTAL_HEALTH_TEACHER_KINDS}
# A team needs one member in one of these roles (mentorship/services.py explains the rule).
KEY_ROLES = tuple(ROLE_KINDS)


class MentorAssignment(SchoolPrivate, Base):
    """A student's mentor for one school year: one per student per year (学生人人有导师)."""

    __tablename__ = "mentor_assignment"

    student_file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("student_file.id", ondelete="CASCADE"))
    mentor_staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"), index=True)
    school_year: Mapped[int] = mapped_column()
    note: Mapped[str] = mapped_column(String(2000), default="")

    __table_args__ = (UniqueConstraint("student_file_id", "school_year"),)


class MentorTeam(SchoolPrivate, Base):
    """The mentor team (导师团) of a student of serious concern: one per student, while it is needed."""

    __tablename__ = "mentor_team"

    student_file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("student_file.id", ondelete="CASCADE"), unique=True)
    note: Mapped[str] = mapped_column(String(2000), default="")


class MentorTeamMember(SchoolPrivate, Base):
    """One staff member of a mentor team. Student-level too: being on a team says who is of concern."""

    __tablename__ = "mentor_team_member"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mentor_team.id", ondelete="CASCADE"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(32), default="OTHER")

    __table_args__ = (UniqueConstraint("team_id", "staff_id"),)
