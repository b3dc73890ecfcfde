"""The student-care figures flow like every other: writes to the new tables mark the school dirty
for the rollup, and an approved snapshot, the city's delivery figures and ADX carry the new codes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from runxin.platform.delivery.adx import adx_for_city
from runxin.platform.delivery.payload import figures_for_city
from runxin.platform.indicators import INDICATORS
from runxin.platform.reporting.models import Report
from runxin.platform.reporting.snapshots import freeze
from runxin.platform.rollup.inputs import input_tables
from runxin.platform.rollup.models import RollupDirty
from runxin.platform.schools.models import SchoolProfile
from runxin.platform.standards import STANDARDS
from runxin.platform.students.crisis import create_crisis_plan
from runxin.platform.students.screening import create_round, record_result
from runxin.platform.students.services import create_student_file
from runxin.tenants.scoping import as_system, bind_principal
from tests.factories.tree import make_tree
from tests.integration.test_scoping import principal_for

STUDENT_TABLES = {"student_file", "screening_round", "screening_result", "concern_follow_up", "referral", "crisis_plan"}


def test_the_rollup_reads_every_student_table() -> None:
    assert STUDENT_TABLES <= {t.name for t in input_tables()}


async def _generation(sessionmaker, tenant_id) -> int:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        as_system(session, "test check")
        row = (
            await session.execute(select(RollupDirty.generation).where(RollupDirty.tenant_id == tenant_id))
        ).scalar_one_or_none()
        return row or 0


async def test_each_student_write_marks_the_school_and_the_figures_travel(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school, county, city = tree.all_schools()[0], tree.counties[0], tree.city
    system_session.add(SchoolProfile(tenant_id=school.id, category=school.code[:2]))
    await system_session.commit()
    generations = [await _generation(sessionmaker, school.id)]

    async def as_school(write):  # type: ignore[no-untyped-def]
        async with sessionmaker() as session:
            bind_principal(session, principal_for(school))
            result = await write(session)
            await session.commit()
        generations.append(await _generation(sessionmaker, school.id))
        return result

    # When the school opens a file, holds a round, records a result and adopts a plan
    student = await as_school(
        lambda s: create_student_file(
            s, tenant_id=school.id, values={"student_ref": "S1", "name": "学生", "gender": "MALE", "grade": 7}
        )
    )
    screening = await as_school(
        lambda s: create_round(s, tenant_id=school.id, values={"held_on": dt.date(2025, 10, 9), "title": "筛查"})
    )
    await as_school(lambda s: record_result(s, round_id=screening.id, student_id=student.id, level="SEVERE"))
    await as_school(
        lambda s: create_crisis_plan(s, tenant_id=school.id, values={"title": "预案", "adopted_on": dt.date(2025, 9, 1)})
    )
    # Then every write moved the school's rollup generation on
    assert all(b > a for a, b in zip(generations, generations[1:], strict=False)), generations
    # And when the city's report is approved, its snapshot, delivery figures and ADX carry the codes
    period = "2025SY"
    reports = [(t, Report(tenant_id=t.id, root_id=city.id, period=period, version=1, state="APPROVED")) for t in (city, county)]
    system_session.add_all([r for _, r in reports])
    await system_session.flush()
    frozen = await freeze(system_session, reports, standard=STANDARDS["2023"])
    await system_session.commit()
    assert {s.indicator for s in frozen} == {i.code for i in INDICATORS}
    figures = {(f.tenant_code, f.indicator): f for f in await figures_for_city(system_session, city.id, period)}
    # (What a student-derived figure shows above the school is the suppression's business: here,
    # that every code is there, and the school-unit ratios' values.)
    assert {code for _, code in figures} == {i.code for i in INDICATORS}
    assert figures[city.code, "CRISIS_PLAN_IN_PLACE"].value == 1.0
    assert figures[county.code, "SCREENING_DONE"].value == 1.0  # the one active student has a result
    assert figures[county.code, "CONCERN_FOLLOWED"].value == 0.0  # the severe student has no follower
    document = await adx_for_city(system_session, city.id, period)
    assert 'dataElement="CRISIS_PLAN_IN_PLACE" value="1"' in document
    assert 'dataElement="CONCERN_FOLLOWED" value="0"' in document
