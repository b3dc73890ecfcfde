"""Home visit and mentorship rules: the school calendar, visits, mentors and mentor teams."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.homeschool.calendar import calendar_columns, school_month_of, school_year_of, term_of
from runxin.platform.homeschool.services import validate_home_visit
from runxin.platform.mentorship.services import Member, validate_assignment, validate_team
from runxin.platform.staffing.models import Staff
from runxin.platform.students.models import StudentFile
from runxin.platform.standards import STANDARDS
from tests.unit.rules import SCHOOL, SIBLING_SCHOOL, TODAY, codes, problems


def staff(kind: str = "HOMEROOM", *, tenant=SCHOOL, active: bool = True) -> Staff:  # type: ignore[no-untyped-def]
    return Staff(id=uuid.uuid4(), tenant_id=tenant.id, kind=kind, name=f"{kind}老师", active=active)


def student(*, active: bool = True) -> StudentFile:
    return StudentFile(id=uuid.uuid4(), tenant_id=SCHOOL.id, student_ref="20250001", name="学生", gender="MALE", grade=7, active=active)


@pytest.mark.parametrize(
    ("day", "year", "month", "term"),
    [
        (dt.date(2025, 9, 1), 2025, 1, 1),
        (dt.date(2026, 1, 31), 2025, 5, 1),
        (dt.date(2026, 2, 1), 2025, 6, 2),
        (dt.date(2026, 8, 31), 2025, 12, 2),
        (dt.date(2026, 9, 1), 2026, 1, 1),
    ],
)
def test_the_school_calendar(day: dt.date, year: int, month: int, term: int) -> None:
    assert (school_year_of(day), school_month_of(day), term_of(school_month_of(day))) == (year, month, term)


@given(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
def test_every_day_has_one_place_in_its_school_year(day: dt.date) -> None:
    columns = calendar_columns(day)
    start = dt.date(columns["school_year"], 9, 1)
    # the day falls in its school year, and its month number counts the months since September
    assert start <= day < dt.date(columns["school_year"] + 1, 9, 1)
    assert columns["school_month"] == (day.year - start.year) * 12 + day.month - 9 + 1


def test_the_strict_standard_asks_a_visit_every_term() -> None:
    assert STANDARDS["2023"].home_visit_every_term is False
    assert STANDARDS["2023-strict"].home_visit_every_term is True


VISIT = {"student_file_id": uuid.uuid4(), "staff_id": uuid.uuid4(), "visited_on": TODAY, "mode": "IN_PERSON", "note": ""}


def test_a_good_visit_passes() -> None:
    assert codes(validate_home_visit, VISIT, SCHOOL, student=student(), staff=staff()) == {}


def test_visit_dates_modes_and_people_are_checked() -> None:
    bad = {**VISIT, "visited_on": TODAY + dt.timedelta(days=1), "mode": "LETTER", "note": "x" * 2001}
    assert codes(validate_home_visit, bad, SCHOOL) == {"visited_on": "DATE_IN_FUTURE", "mode": "NOT_ALLOWED", "note": "TOO_LONG"}
    assert codes(validate_home_visit, {**VISIT, "visited_on": dt.date(1999, 12, 31)}, SCHOOL) == {"visited_on": "TOO_EARLY"}
    assert codes(validate_home_visit, VISIT, SCHOOL, student=student(active=False)) == {"student_file_id": "STUDENT_LEFT"}
    assert codes(validate_home_visit, VISIT, SCHOOL, staff=staff(tenant=SIBLING_SCHOOL)) == {"staff_id": "STAFF_OF_OTHER_TENANT"}
    assert codes(validate_home_visit, VISIT, SCHOOL, staff=staff(active=False)) == {"staff_id": "STAFF_INACTIVE"}
    assert codes(validate_home_visit, {"note": ""}, SCHOOL) == dict.fromkeys(("student_file_id", "staff_id", "visited_on", "mode"), "REQUIRED")


ASSIGNMENT = {"student_file_id": uuid.uuid4(), "mentor_staff_id": uuid.uuid4(), "school_year": 2024, "note": ""}


@pytest.mark.parametrize("kind", ["FULL_TIME", "PART_TIME", "HOMEROOM", "TEACHER", "PRINCIPAL"])
def test_every_teacher_may_mentor(kind: str) -> None:
    assert codes(validate_assignment, ASSIGNMENT, SCHOOL, mentor=staff(kind)) == {}


def test_a_counsellor_is_no_mentor_and_the_year_is_near() -> None:
    assert codes(validate_assignment, ASSIGNMENT, SCHOOL, mentor=staff("HIRED_COUNSELLOR")) == {"mentor_staff_id": "STAFF_KIND"}
    # TODAY is in school year 2024: the next year may be planned, not the one after
    assert codes(validate_assignment, {**ASSIGNMENT, "school_year": 2026}, SCHOOL) == {"school_year": "TOO_LARGE"}
    assert codes(validate_assignment, {**ASSIGNMENT, "school_year": 2025}, SCHOOL) == {}


def team_problems(*members: tuple[Staff, str]) -> set[tuple[str, str]]:
    listed = [Member(s.id, role) for s, role in members]
    return problems(validate_team, {"student_file_id": uuid.uuid4()}, SCHOOL, members=listed, staff={s.id: s for s, _ in members})


def test_a_team_of_a_homeroom_teacher_and_a_teacher_mother_passes() -> None:
    assert team_problems((staff("HOMEROOM"), "HOMEROOM_TEACHER"), (staff("TEACHER"), "TEACHER_MOTHER")) == set()
    assert team_problems((staff("PART_TIME"), "MENTAL_HEALTH_TEACHER"), (staff("PRINCIPAL"), "OTHER")) == set()


def test_a_team_needs_two_people_and_a_key_member_in_a_role_their_post_allows() -> None:
    homeroom = staff("HOMEROOM")
    assert ("members", "TEAM_TOO_SMALL") in team_problems((homeroom, "HOMEROOM_TEACHER"))
    assert team_problems((staff("TEACHER"), "TEACHER_MOTHER"), (staff("TEACHER"), "OTHER")) == {("members", "TEAM_NEEDS_KEY_MEMBER")}
    # a subject teacher cannot be listed as the homeroom teacher
    assert ("members.0.staff_id", "STAFF_KIND") in team_problems((staff("TEACHER"), "HOMEROOM_TEACHER"), (staff("TEACHER"), "OTHER"))
    assert ("members", "DUPLICATE_MEMBER") in team_problems((homeroom, "HOMEROOM_TEACHER"), (homeroom, "OTHER"))
    assert ("members.1.staff_id", "STAFF_INACTIVE") in team_problems((homeroom, "HOMEROOM_TEACHER"), (staff(active=False), "OTHER"))
    assert ("members.1.role", "NOT_ALLOWED") in team_problems((homeroom, "HOMEROOM_TEACHER"), (staff("TEACHER"), "AUNT"))
