"""Home visits and mentorship of the demo schools that keep student files.

Student files are seeded once, for a sample of schools (seed/students.py, with their screening);
this module builds the home-school records and the mentors on those same files, so that every
domain about students describes the same students.

The home-school records cover the first term of the 2025 school year (September 2025 to January
2026) with the gaps a dashboard must find: some students not yet visited, a four-special student
not contacted in one month, an overloaded mentor, a homeroom teacher mentoring nobody, a few
students without a mentor, and a SEVERE student without a mentor team.

A stream of randomness of its own (seeded from the seed and the city), so that adding or changing
these rows does not move any other seeded value.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from runxin.platform.homeschool.calendar import calendar_columns
from runxin.platform.homeschool.models import HomeVisit
from runxin.platform.mentorship.models import MentorAssignment, MentorTeam, MentorTeamMember
from runxin.platform.seed import names
from runxin.platform.seed.rows import Dataset
from runxin.platform.seed.tree import CURRENT_YEAR, CityPlan, SchoolPlan
from runxin.platform.staffing.models import Staff
from runxin.platform.students.models import StudentFile

MENTEES_PER_TEACHER = 13  # the school's plan stays under the 1:15 limit; the overloaded mentor is the gap
TERM_MONTHS = 5  # September to January: the first term


def add_home_school(data: Dataset, city: CityPlan, seed: int) -> None:
    """Visits and contacts, mentors and mentor teams of the city's schools that keep student files."""
    rng = random.Random(f"runxin-seed-home-school/{seed}/{city.code}")
    files: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for row in data.rows[StudentFile]:
        if row["root_id"] == city.id and row["active"]:
            files.setdefault(row["tenant_id"], []).append(row)
    schools = [school for school in city.schools() if school.id in files]
    staff_of: dict[uuid.UUID, list[dict[str, Any]]] = {s.id: [] for s in schools}
    for row in data.rows[Staff]:
        if row["tenant_id"] in staff_of and row["active"]:
            staff_of[row["tenant_id"]].append(row)
    gaps = _Gaps()
    for school in schools:
        students = files[school.id]
        teachers = _mentor_staff(data, city, school, staff_of[school.id], len(students), rng)
        _visits(data, city, school, students, teachers, rng, gaps)
        _mentors(data, city, school, students, teachers, rng, gaps)
        _teams(data, city, school, students, teachers, rng, gaps)


class _Gaps:
    """Which of the demo's deliberate gaps are placed already (each once, in the first school that can hold it)."""

    def __init__(self) -> None:
        self.missed_month = self.overloaded = self.idle_homeroom = self.no_team = False


def _mentor_staff(
    data: Dataset, city: CityPlan, school: SchoolPlan, staff: list[dict[str, Any]], students: int, rng: random.Random
) -> list[dict[str, Any]]:
    """The school's teachers: its mental-health and homeroom staff and its principal (seed/people.py
    gives every school one), plus subject teachers so that every student can have a mentor
    (教师人人是导师)."""
    owned = {"tenant_id": school.id, "root_id": city.id}
    teachers = [row for row in staff if row["kind"] in ("FULL_TIME", "PART_TIME", "HOMEROOM", "PRINCIPAL")]
    needed = -(-students // MENTEES_PER_TEACHER) - len(teachers)
    for kind in ["TEACHER"] * max(needed, 1):
        gender = rng.choice(("FEMALE", "MALE"))
        age = rng.randint(24, 58)
        birth = dt.date(CURRENT_YEAR - age, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        teachers.append(
            data.add(
                Staff, **owned, kind=kind, name=names.person_name(rng, gender), gender=gender, birth_date=birth,
                phone=names.mobile_number(rng), qualifications="TEACHER_CERT", strong_teacher=False,
                employed_since=dt.date(rng.randint(birth.year + 22, CURRENT_YEAR), 9, 1), active=True,
            )  # fmt: skip
        )
    return teachers


def _day(school_month: int, rng: random.Random) -> dt.date:
    month = (school_month + 7) % 12 + 1
    return dt.date(CURRENT_YEAR if month >= 9 else CURRENT_YEAR + 1, month, rng.randint(3, 27))


def _visit(data: Dataset, city: CityPlan, student: dict, teacher: dict, day: dt.date, mode: str) -> None:
    data.add(
        HomeVisit, tenant_id=student["tenant_id"], root_id=city.id, student_file_id=student["id"], staff_id=teacher["id"],
        visited_on=day, mode=mode, note="", **calendar_columns(day),
    )  # fmt: skip


def _visits(data: Dataset, city: CityPlan, school: SchoolPlan, students: list[dict], teachers: list[dict], rng: random.Random, gaps: _Gaps) -> None:
    homeroom = [t for t in teachers if t["kind"] == "HOMEROOM"] or teachers
    # Some schools have visited every student in the first term, others not yet all.
    rate = rng.choice((1.0, 1.0, 0.97, 0.9))
    for student in students:
        months = list(range(1, TERM_MONTHS + 1))
        if student["four_special"] and not gaps.missed_month:
            months.remove(rng.randint(2, TERM_MONTHS))  # the month this student was not contacted
            gaps.missed_month = True
        if rng.random() < rate:
            _visit(data, city, student, rng.choice(homeroom), _day(rng.choice(months), rng), "IN_PERSON")
        if student["four_special"]:
            # Four-special students: a contact every month of the term, by visit or call.
            for month in months:
                _visit(data, city, student, rng.choice(homeroom), _day(month, rng), rng.choice(("IN_PERSON", "PHONE", "PHONE", "ONLINE")))


def _mentors(data: Dataset, city: CityPlan, school: SchoolPlan, students: list[dict], teachers: list[dict], rng: random.Random, gaps: _Gaps) -> None:
    mentors = list(teachers)
    if not gaps.idle_homeroom and any(t["kind"] == "HOMEROOM" for t in mentors):
        mentors.remove(next(t for t in mentors if t["kind"] == "HOMEROOM"))
        gaps.idle_homeroom = True
    overloaded = None
    if not gaps.overloaded and len(students) > 40:
        overloaded, gaps.overloaded = mentors[0], True
    unmatched = rng.choice((0.0, 0.0, 0.02))  # some schools have not matched every student yet
    for n, student in enumerate(students):
        if rng.random() < unmatched:
            continue
        mentor = overloaded if overloaded is not None and n < 18 else mentors[n % len(mentors)]
        data.add(
            MentorAssignment, tenant_id=school.id, root_id=city.id, student_file_id=student["id"], mentor_staff_id=mentor["id"],
            school_year=CURRENT_YEAR, note="",
        )  # fmt: skip


def _teams(data: Dataset, city: CityPlan, school: SchoolPlan, students: list[dict], teachers: list[dict], rng: random.Random, gaps: _Gaps) -> None:
    key = [t for t in teachers if t["kind"] in ("HOMEROOM", "FULL_TIME", "PART_TIME")]
    others = [t for t in teachers if t not in key]
    for student in (s for s in students if s["concern_level"] == "SEVERE"):
        if not gaps.no_team or not key or not others:
            gaps.no_team = True
            continue
        team = data.add(MentorTeam, tenant_id=school.id, root_id=city.id, student_file_id=student["id"], note="")
        lead = rng.choice(key)
        role = "HOMEROOM_TEACHER" if lead["kind"] == "HOMEROOM" else "MENTAL_HEALTH_TEACHER"
        for member, member_role in ((lead, role), (rng.choice(others), "TEACHER_MOTHER")):
            data.add(MentorTeamMember, tenant_id=school.id, root_id=city.id, team_id=team["id"], staff_id=member["id"], role=member_role)
