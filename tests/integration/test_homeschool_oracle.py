"""Home-school and mentorship indicators against a plain-Python oracle, on both databases.

Hypothesis draws a random set of student files, visits and contacts, mentor assignments and mentor
teams (rule-breaking ones included: overloaded mentors, teams whose members left) over a fixed tree;
`expected` recomputes every new indicator from those raw rows as the seed clauses read, without the
engine's statements; the engine (for every tenant, under "2023" and "2023-strict") and the rollup
chain (drained by the workers' recompute) must agree with it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from runxin.platform.homeschool.calendar import calendar_columns
from runxin.platform.homeschool.models import HomeVisit
from runxin.platform.indicators import TenantRef, compute_indicators
from runxin.platform.mentorship.models import MentorAssignment, MentorTeam, MentorTeamMember
from runxin.platform.rollup.marking import mark_dirty
from runxin.platform.rollup.models import Aggregate, RollupDirty
from runxin.platform.staffing.models import Staff
from runxin.platform.standards import STANDARDS
from runxin.platform.students.models import StudentFile
from runxin.platform.tree.models import Tenant
from tests.factories.rollup import drain
from tests.factories.tree import make_tree

YEAR = 2025
CODES = (
    "HOME_VISIT_COVERAGE",
    "FOUR_SPECIAL_MONTHLY",
    "MENTOR_STUDENT_COVERAGE",
    "SERIOUS_CONCERN_TEAMS",
    "TEACHERS_MENTORING",
    "MENTOR_LOAD_WITHIN_LIMIT",
    "HOMEROOM_MENTORING",
    "STUDENTS_WITH_MENTOR",
    "STUDENTS_VISITED",
)
# Written from the seed clauses, not imported: the oracle must not share the code's constants.
LIMIT = 15
TEACHERS = {"FULL_TIME", "PART_TIME", "HOMEROOM", "TEACHER", "PRINCIPAL"}
# (kind, active) of each school's staff; a hired counsellor is staff but no teacher.
STAFF = [("HOMEROOM", True), ("TEACHER", True), ("FULL_TIME", True), ("PRINCIPAL", True), ("HIRED_COUNSELLOR", True), ("HOMEROOM", False)]
KEY_ROLE_KINDS = {"HOMEROOM_TEACHER": {"HOMEROOM"}, "MENTAL_HEALTH_TEACHER": {"FULL_TIME", "PART_TIME"}}


@dataclass
class World:
    tree: Any
    staff: dict[Any, list[Any]] = field(default_factory=dict)  # school id -> its staff ids, in STAFF order


@pytest.fixture
async def world(system_session) -> World:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    result = World(tree)
    for school in tree.all_schools():
        rows = [Staff(tenant_id=school.id, kind=kind, name=f"{kind}{i}", active=active) for i, (kind, active) in enumerate(STAFF)]
        system_session.add_all(rows)
        await system_session.flush()
        result.staff[school.id] = [row.id for row in rows]
    # A county centre's teacher: a teacher, but no school's, so never a mentor.
    system_session.add(Staff(tenant_id=tree.counties[0].id, kind="FULL_TIME", name="centre"))
    await system_session.commit()
    return result


student_st = st.fixed_dictionaries(
    {
        "school": st.integers(0, 3),
        "active": st.booleans() | st.just(True),
        "four_special": st.sampled_from(["", "", "FAMILY", "PSYCHOLOGICAL,BEHAVIOUR"]),
        "concern": st.sampled_from(["NONE", "MILD", "SEVERE"]),
        # visits: (school month 1-12, mode, staff index, in the year asked or the one before)
        "visits": st.lists(
            st.tuples(st.integers(1, 8), st.sampled_from(["IN_PERSON", "PHONE", "ONLINE"]), st.integers(0, 5), st.booleans() | st.just(True)),
            max_size=5,
        ),
        # a run of monthly calls from September on, so that a school can meet the monthly rule
        "monthly": st.integers(0, 8),
        # the mentor (staff index) this year, or none; a mentor last year does not count
        "mentor": st.none() | st.integers(0, 5),
        "mentor_last_year": st.none() | st.integers(0, 5),
        # the team: (staff index, role) pairs, or none
        "team": st.none()
        | st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["HOMEROOM_TEACHER", "TEACHER_MOTHER", "MENTAL_HEALTH_TEACHER", "OTHER"])), max_size=4),
    }
)
# Heavy mentors: extra students of one school all mentored by its staff member 1 (16 reach the limit + 1).
plan_st = st.fixed_dictionaries({"students": st.lists(student_st, max_size=25), "crowd": st.sampled_from([0, 3, 16])})


def month_date(year: int, school_month: int) -> dt.date:
    month = (school_month + 7) % 12 + 1
    return dt.date(year if month >= 9 else year + 1, month, 10)


async def write(session, world: World, plan: dict) -> list[dict]:  # type: ignore[no-untyped-def]
    """Insert the plan's rows (as a system job: the rules are bypassed on purpose) and return them."""
    schools = world.tree.all_schools()
    school_ids = [school.id for school in schools]
    students = list(plan["students"]) + [
        {"school": 0, "active": True, "four_special": "", "concern": "NONE", "visits": [], "monthly": 0, "mentor": 1, "mentor_last_year": None, "team": None}
    ] * plan["crowd"]
    written = []
    for n, s in enumerate(students):
        s = {**s, "visits": [*s["visits"], *((month, "PHONE", 0, True) for month in range(1, s["monthly"] + 1))]}
        school_id = school_ids[s["school"]]
        staff = world.staff[school_id]
        file = StudentFile(
            tenant_id=school_id, student_ref=f"S{n}", name=f"学生{n}", gender="MALE", grade=7,
            four_special=s["four_special"], concern_level=s["concern"], active=s["active"],
        )
        session.add(file)
        await session.flush()
        file_id = file.id
        for month, mode, who, this_year in s["visits"]:
            day = month_date(YEAR if this_year else YEAR - 1, month)
            session.add(HomeVisit(tenant_id=school_id, student_file_id=file_id, staff_id=staff[who], visited_on=day, mode=mode, **calendar_columns(day)))
        if s["mentor"] is not None:
            session.add(MentorAssignment(tenant_id=school_id, student_file_id=file_id, mentor_staff_id=staff[s["mentor"]], school_year=YEAR))
        if s["mentor_last_year"] is not None:
            session.add(MentorAssignment(tenant_id=school_id, student_file_id=file_id, mentor_staff_id=staff[s["mentor_last_year"]], school_year=YEAR - 1))
        if s["team"] is not None:
            team = MentorTeam(tenant_id=school_id, student_file_id=file_id)
            session.add(team)
            await session.flush()
            team_id = team.id
            for who in dict.fromkeys(w for w, _ in s["team"]):
                role = next(r for w, r in s["team"] if w == who)
                session.add(MentorTeamMember(tenant_id=school_id, team_id=team_id, staff_id=staff[who], role=role))
        written.append({**s, "school_id": school_id})
    await session.commit()
    return written


def school_facts(world: World, students: list[dict], school: Tenant, strict: bool) -> dict[str, tuple[bool, bool, float]]:
    """(eligible, reported, numerator) of each school indicator, from the raw rows."""
    mine = [s for s in students if s["school_id"] == school.id and s["active"]]
    this_year = [v for s in students if s["school_id"] == school.id for v in s["visits"] if v[3]]
    due = max((v[0] for v in this_year), default=1)  # the months so far: up to the latest recorded

    def visited(s: dict, months: range) -> bool:
        return any(v[3] and v[1] == "IN_PERSON" and v[0] in months for v in s["visits"])

    def unvisited(s: dict) -> bool:
        if not strict:
            return not visited(s, range(1, 13))
        return not visited(s, range(1, 6)) or (due >= 6 and not visited(s, range(6, 13)))

    def missed(s: dict) -> bool:
        # contacted (any mode) in every month from September to the month due
        return not {v[0] for v in s["visits"] if v[3]} >= set(range(1, due + 1))

    def has_team(s: dict) -> bool:
        if s["team"] is None:
            return False
        members = {w: r for w, r in reversed(s["team"])}  # the first role given for a member is the one stored
        active = [w for w in members if STAFF[w][1]]
        return len(active) >= 2 and any(members[w] in KEY_ROLE_KINDS for w in active)

    files = len(mine) > 0
    four = [s for s in mine if s["four_special"]]
    severe = [s for s in mine if s["concern"] == "SEVERE"]
    return {
        "HOME_VISIT_COVERAGE": (True, files, float(not any(unvisited(s) for s in mine))),
        "FOUR_SPECIAL_MONTHLY": (not files or bool(four), files, float(not any(missed(s) for s in four))),
        "MENTOR_STUDENT_COVERAGE": (True, files, float(all(s["mentor"] is not None for s in mine))),
        "SERIOUS_CONCERN_TEAMS": (not files or bool(severe), files, float(all(has_team(s) for s in severe))),
        "STUDENTS_WITH_MENTOR": (True, files, float(sum(s["mentor"] is not None for s in mine))),
        "STUDENTS_VISITED": (True, files, float(sum(visited(s, range(1, 13)) for s in mine))),
    }


def teacher_facts(world: World, students: list[dict], school: Tenant) -> list[dict[str, tuple[bool, bool, float]]]:
    rows = []
    # a school without an active student file has not reported its mentorship
    files = any(s["school_id"] == school.id and s["active"] for s in students)
    for i, (kind, active) in enumerate(STAFF):
        if not active or kind not in TEACHERS:
            continue
        mentees = sum(1 for s in students if s["school_id"] == school.id and s["mentor"] == i)
        rows.append(
            {
                "TEACHERS_MENTORING": (True, files, float(mentees >= 1)),
                "MENTOR_LOAD_WITHIN_LIMIT": (mentees >= 1, True, float(mentees <= LIMIT)),
                "HOMEROOM_MENTORING": (kind == "HOMEROOM", files, float(mentees >= 1)),
            }
        )
    return rows


def expected(world: World, students: list[dict], strict: bool) -> dict[tuple[Any, str], tuple[str, int, int, float]]:
    """(state, units, not reported, numerator) per (tenant, code), summed over each subtree."""
    units: dict[tuple[Any, str], list[int | float]] = defaultdict(lambda: [0, 0, 0.0])
    tree = world.tree
    for county in tree.counties:
        for school in tree.schools[county.code]:
            rows = [school_facts(world, students, school, strict), *teacher_facts(world, students, school)]
            for row in rows:
                for code, (eligible, reported, numerator) in row.items():
                    if not eligible:
                        continue
                    for tenant in (school, county, tree.city):
                        cell = units[tenant.id, code]
                        cell[0] += 1
                        cell[1] += 0 if reported else 1
                        cell[2] += numerator if reported else 0.0
    result = {}
    for tenant in [tree.city, *tree.counties, *tree.all_schools()]:
        for code in CODES:
            u, m, n = units[tenant.id, code]
            state = "NOT_APPLICABLE" if u == 0 else "NOT_REPORTED" if u == m else "REPORTED"
            result[tenant.id, code] = (state, int(u), int(m), round(float(n), 6))
    return result


async def clear(session) -> None:  # type: ignore[no-untyped-def]
    for model in (MentorTeamMember, MentorTeam, MentorAssignment, HomeVisit, StudentFile, Aggregate, RollupDirty):
        await session.execute(delete(model))
    await session.commit()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=plan_st)
async def test_engine_and_rollups_agree_with_the_oracle(system_session, sessionmaker, world, plan) -> None:  # type: ignore[no-untyped-def]
    # Given a random set of student-level records over a fixed tree
    await clear(system_session)
    students = await write(system_session, world, plan)
    tenants = [world.tree.city, *world.tree.counties, *world.tree.all_schools()]
    for version, strict in (("2023", False), ("2023-strict", True)):
        # When the engine computes every tenant's subtree
        values = await compute_indicators(system_session, [TenantRef.of(t) for t in tenants], year=YEAR, standard=STANDARDS[version], codes=CODES)
        got = {key: (v.state.value, v.units_total, v.units_not_reported, round(v.numerator, 6)) for key, v in values.items()}
        # Then it agrees with the oracle at every level
        assert got == expected(world, students, strict), version
    # And when the workers roll the marks up (every tenant marked: the stored cells were cleared
    # with the previous example's rows), the stored figures agree with the oracle too
    await mark_dirty(system_session, {t.id: t.root_id for t in tenants})
    await system_session.commit()
    await drain(sessionmaker, years=(YEAR,))
    stored = {
        (row.tenant_id, row.indicator): (row.state, row.units_total, row.units_not_reported, round(row.numerator, 6))
        for row in (await system_session.execute(Aggregate.__table__.select().where(Aggregate.year == YEAR))).all()
        if row.indicator in CODES
    }
    assert stored == expected(world, students, strict=False)
