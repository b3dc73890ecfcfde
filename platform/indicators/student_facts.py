"""Per-unit facts read off student-level records: home visits and contacts, mentors and teams.

The school family (facts.py `school_facts`) adds `school_columns` (correlated to Tenant), the
teacher family `teacher_columns` (correlated to Staff). Each is a count of students of the school,
one probe of `ix_student_file_tenant_active` per school and then of each student's index
(`ix_home_visit_student_year`, the mentor assignment's unique key, the team's) per student, so the
cost follows the students of the subtree asked for. The engine reads these rows in its counting
statements only (facts.COUNTING): for a bureau they are sums, never rows.

"So far" in the school year (the four-special monthly contact, the second term of 2023-strict) is
read off the school's own records, not the clock: the months due are September up to the latest
month in which the school recorded any home-school contact that year (at least September). A
figure is thus a function of the records alone, so the incremental rollups, the approval snapshots
and the nightly full check agree without anyone marking every school dirty when a month turns. The
cost: a school that stops recording altogether is measured only on the months it recorded, which
HOME_VISIT_COVERAGE (every student visited in the year) still shows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from runxin.platform.homeschool.calendar import FIRST_TERM_MONTHS
from runxin.platform.homeschool.models import HOME_VISIT_MODE, HomeVisit
from runxin.platform.mentorship.models import KEY_ROLES, MIN_TEAM_MEMBERS, MentorAssignment, MentorTeam, MentorTeamMember
from runxin.platform.staffing.models import Staff
from runxin.platform.standards import Standard
from runxin.platform.students.models import StudentFile
from runxin.platform.tree.models import Tenant, TenantKind

SEVERE = "SEVERE"


def _students(*criteria: ColumnElement[bool]) -> ColumnElement[int]:
    """How many active students of the outer school match `criteria` (each a student-level test)."""
    return (
        select(func.count(StudentFile.id))
        .where(StudentFile.tenant_id == Tenant.id, StudentFile.active, *criteria)
        .correlate(Tenant)
        .scalar_subquery()
    )


def _visited(year: Any, *criteria: ColumnElement[bool], in_person: bool = True) -> ColumnElement[bool]:
    """The outer student has a visit (an in-person one unless `in_person` is false) in the school year."""
    mode = [HomeVisit.mode == HOME_VISIT_MODE] if in_person else []
    return (
        select(HomeVisit.id)
        .where(HomeVisit.student_file_id == StudentFile.id, HomeVisit.school_year == year, *mode, *criteria)
        .correlate(StudentFile)
        .exists()
    )


def months_due(year: Any) -> ColumnElement[int]:
    """The months of the school year so far at the outer school: 1 up to its latest recorded month."""
    latest = (
        select(func.max(HomeVisit.school_month))
        .where(HomeVisit.tenant_id == Tenant.id, HomeVisit.school_year == year)
        .correlate(Tenant)
        .scalar_subquery()
    )
    return func.coalesce(latest, 1)


def _unvisited_in_a_term(year: Any, due: ColumnElement[int]) -> ColumnElement[bool]:
    # The first term is always due (as the year's one visit is); the second once the school's
    # records reach it.
    first = _visited(year, HomeVisit.school_month <= FIRST_TERM_MONTHS)
    second = _visited(year, HomeVisit.school_month > FIRST_TERM_MONTHS)
    return or_(not_(first), and_(due > FIRST_TERM_MONTHS, not_(second)))


def _missed_a_month(year: Any, due: ColumnElement[int]) -> ColumnElement[bool]:
    # Contacted in every due month: as many distinct months with a contact (any mode) as are due.
    months = (
        select(func.count(func.distinct(HomeVisit.school_month)))
        .where(HomeVisit.student_file_id == StudentFile.id, HomeVisit.school_year == year, HomeVisit.school_month <= due)
        .correlate(StudentFile)
        .scalar_subquery()
    )
    return months < due


def _has_team() -> ColumnElement[bool]:
    """The outer student has a mentor team that still meets the rule with its active members."""
    active_members = (
        select(func.count(MentorTeamMember.id))
        .join(Staff, Staff.id == MentorTeamMember.staff_id)
        .where(MentorTeamMember.team_id == MentorTeam.id, Staff.active)
        .correlate(MentorTeam)
        .scalar_subquery()
    )
    key_member = (
        select(MentorTeamMember.id)
        .join(Staff, Staff.id == MentorTeamMember.staff_id)
        .where(MentorTeamMember.team_id == MentorTeam.id, Staff.active, MentorTeamMember.role.in_(KEY_ROLES))
        .correlate(MentorTeam)
        .exists()
    )
    return (
        select(MentorTeam.id)
        .where(MentorTeam.student_file_id == StudentFile.id, active_members >= MIN_TEAM_MEMBERS, key_member)
        .correlate(StudentFile)
        .exists()
    )


def _mentored(year: Any) -> ColumnElement[bool]:
    return (
        select(MentorAssignment.id)
        .where(MentorAssignment.student_file_id == StudentFile.id, MentorAssignment.school_year == year)
        .correlate(StudentFile)
        .exists()
    )


def school_columns(year: Any, standard: Standard) -> list[ColumnElement[Any]]:
    """The school family's student-level facts (see the module docstring)."""
    due = months_due(year)
    four_special = StudentFile.four_special != ""
    columns = [
        _students().label("students_on_file"),
        _students(not_(_visited(year))).label("students_unvisited_in_year"),
    ]
    if standard.home_visit_every_term:
        columns.append(_students(_unvisited_in_a_term(year, due)).label("students_unvisited_in_a_term"))
    return [
        *columns,
        _students(four_special).label("four_special_students"),
        _students(four_special, _missed_a_month(year, due)).label("four_special_missed"),
        _students(not_(_mentored(year))).label("students_without_mentor"),
        _students(StudentFile.concern_level == SEVERE).label("severe_students"),
        _students(StudentFile.concern_level == SEVERE, not_(_has_team())).label("severe_without_team"),
    ]


def teacher_columns(year: Any) -> list[ColumnElement[Any]]:
    """The teacher family's mentorship facts: where the teacher works, and its mentees in the year."""
    mentees = (
        select(func.count(MentorAssignment.id))
        .where(MentorAssignment.mentor_staff_id == Staff.id, MentorAssignment.school_year == year)
        .correlate(Staff)
        .scalar_subquery()
    )
    # A school that keeps no student file has not reported its mentorship yet (as for the school
    # indicators): its teachers are not-reported units, not teachers mentoring nobody.
    keeps_files = select(StudentFile.id).where(StudentFile.tenant_id == Staff.tenant_id, StudentFile.active).correlate(Staff).exists()
    return [(Tenant.kind == TenantKind.SCHOOL.value).label("at_school"), mentees.label("mentees"), keeps_files.label("keeps_files")]
