"""The demo's student-level rows: a sample of schools only, the rules' inputs consistent, and the
gaps a dashboard must find present (each recomputed here from the rows)."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from runxin.platform.homeschool.calendar import calendar_columns
from runxin.platform.homeschool.models import HomeVisit
from runxin.platform.mentorship.models import MentorAssignment, MentorTeam, MentorTeamMember
from runxin.platform.seed import SCALES
from runxin.platform.seed.generator import generate
from runxin.platform.seed.students import SAMPLE_SCHOOLS, STUDENTS
from runxin.platform.staffing.models import Staff
from runxin.platform.students.models import StudentFile


@pytest.fixture(scope="module")
def rows():  # type: ignore[no-untyped-def]
    return generate(SCALES["city"], 7).rows


def test_only_a_sample_of_schools_holds_student_rows(rows) -> None:  # type: ignore[no-untyped-def]
    schools = {r["tenant_id"] for r in rows[StudentFile]}
    assert len(schools) == SAMPLE_SCHOOLS
    assert STUDENTS[0] * SAMPLE_SCHOOLS <= len(rows[StudentFile]) <= STUDENTS[1] * SAMPLE_SCHOOLS
    for model in (HomeVisit, MentorAssignment, MentorTeam, MentorTeamMember):
        assert {r["tenant_id"] for r in rows[model]} <= schools


def test_visits_name_staff_and_students_of_their_own_school(rows) -> None:  # type: ignore[no-untyped-def]
    school_of = {r["id"]: r["tenant_id"] for model in (StudentFile, Staff) for r in rows[model]}
    for visit in rows[HomeVisit]:
        assert school_of[visit["student_file_id"]] == school_of[visit["staff_id"]] == visit["tenant_id"]
        assert {k: visit[k] for k in ("school_year", "school_month")} == calendar_columns(visit["visited_on"])


def test_the_demo_holds_its_gaps(rows) -> None:  # type: ignore[no-untyped-def]
    active = {r["id"] for r in rows[StudentFile] if r["active"]}
    visited = {v["student_file_id"] for v in rows[HomeVisit] if v["mode"] == "IN_PERSON"}
    assert active - visited, "some students not visited yet"
    months = defaultdict(set)
    for v in rows[HomeVisit]:
        months[v["student_file_id"]].add(v["school_month"])
    special = [r for r in rows[StudentFile] if r["four_special"] and r["active"]]
    due = max((max(months[s["id"]]) for s in special if months[s["id"]]), default=0)
    assert special and due and any(len(months[r["id"]]) < due for r in special), "a missed month"
    loads = Counter(a["mentor_staff_id"] for a in rows[MentorAssignment])
    assert max(loads.values()) > 15, "an overloaded mentor"
    assert active - {a["student_file_id"] for a in rows[MentorAssignment]}, "students without a mentor"
    severe = {r["id"] for r in rows[StudentFile] if r["concern_level"] == "SEVERE"}
    assert severe - {t["student_file_id"] for t in rows[MentorTeam]}, "a SEVERE student without a team"
    kinds = {r["id"]: r["kind"] for r in rows[Staff]}
    homeroom_at_demo = {r["id"] for r in rows[Staff] if r["kind"] == "HOMEROOM" and r["tenant_id"] in {s["tenant_id"] for s in rows[StudentFile]} and r["active"]}
    assert homeroom_at_demo - set(loads), "a homeroom teacher mentoring nobody"
    assert all(kinds[m] in ("FULL_TIME", "PART_TIME", "HOMEROOM", "TEACHER", "PRINCIPAL") for m in loads)
