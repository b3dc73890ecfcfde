"""The course indicators and gaps on real databases, with facts and expected values worked out by
hand; the rollup outbox and the period locks on the course tables; the figures through approval,
delivery and ADX."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from runxin.platform.courses.models import ClassTermHours, SchoolActivity, SchoolClass
from runxin.platform.courses.services import create_activity, create_class, record_term_hours
from runxin.platform.delivery.adx import adx_for_city
from runxin.platform.delivery.payload import figures_for_city
from runxin.platform.errors import Invalid
from runxin.platform.indicators import TenantRef, compute_indicators, school_gaps
from runxin.platform.reporting.models import AggregateSnapshot
from runxin.platform.reporting.services import Actor, accept_report, approve_reports
from runxin.platform.rollup.inputs import input_tables
from runxin.platform.rollup.models import RollupDirty
from runxin.platform.standards import STANDARDS
from tests.factories.tree import make_tree
from tests.integration.test_indicators import NA, NR, add, fraction, profile
from tests.integration.test_reporting_chain import acting_as, submit

YEAR = 2025
DEFAULT, STRICT = STANDARDS["2023"], STANDARDS["2023-strict"]


def school_class(school, name: str = "一年级(1)班", year: int = YEAR, boys=None, girls=None) -> SchoolClass:  # type: ignore[no-untyped-def]
    return SchoolClass(tenant_id=school.id, school_year=year, grade=1, name=name, health_committee_boys=boys, health_committee_girls=girls)


def hours(klass: SchoolClass, term: str, weeks: int, mh: int, meetings: int) -> ClassTermHours:
    return ClassTermHours(
        tenant_id=klass.tenant_id, class_id=klass.id, term=term, teaching_weeks=weeks, mental_health_hours=mh, class_meeting_hours=meetings
    )


def activity(school, kind: str, held_on: dt.date) -> SchoolActivity:  # type: ignore[no-untyped-def]
    # As the service derives them (tests/unit/test_courses_rules.py checks the derivation).
    school_year = held_on.year if held_on.month >= 9 else held_on.year - 1
    term = 1 if held_on.month >= 9 or held_on.month == 1 else 2 if held_on.month <= 7 else None
    return SchoolActivity(tenant_id=school.id, kind=kind, held_on=held_on, title="活动", school_year=school_year, term=term)


def refs(*tenants) -> list[TenantRef]:  # type: ignore[no-untyped-def]
    return [TenantRef.of(t) for t in tenants]


CLASS_CODES = ["CLASS_HOUR_COMPLIANCE", "CLASS_MEETING_COMPLIANCE", "HEALTH_COMMITTEE_COMPLETE"]
SCHOOL_CODES = ["THEME_MONTHS_HELD", "ADAPTATION_ACTIVITIES", "PARENT_TRAINING_HELD"]


async def test_class_indicators_by_hand(system_session) -> None:  # type: ignore[no-untyped-def]
    # Given two schools of one county
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    a, b = tree.all_schools()
    county = tree.counties[0]
    c1 = school_class(a, "一年级(1)班", boys=2, girls=2)
    c2 = school_class(a, "一年级(2)班", boys=2, girls=1)
    c3 = school_class(a, "一年级(3)班")
    c4 = school_class(b, "一年级(1)班", boys=3, girls=None)
    old = school_class(b, "一年级(1)班", year=YEAR - 1, boys=2, girls=2)
    await add(system_session, profile(a), profile(b), c1, c2, c3, c4, old)
    await add(
        system_session,
        # C1: 19 weeks, 10 hours (1 every 2 weeks: 9.5 -> 10 needed), 4 meetings (4 complete months): meets both
        hours(c1, f"{YEAR}T1", 19, 10, 4),
        hours(c1, f"{YEAR}T2", 18, 9, 4),
        # C2: autumn fine, spring 19 weeks with 9 hours (short) and 3 meetings (short of 4)
        hours(c2, f"{YEAR}T1", 20, 10, 5),
        hours(c2, f"{YEAR}T2", 19, 9, 3),
        # C3: nothing recorded
        # C4: one term, 16 weeks: 8 hours meet the norm, 4 meetings do
        hours(c4, f"{YEAR}T1", 16, 8, 4),
        # last year's class does not count this year
        hours(old, f"{YEAR - 1}T1", 19, 0, 0),
    )
    # When the class indicators are computed for the schools, the county and the city
    values = await compute_indicators(system_session, refs(a, b, county, tree.city), year=YEAR, standard=DEFAULT, codes=CLASS_CODES)
    strict = await compute_indicators(system_session, refs(a, b, county), year=YEAR, standard=STRICT, codes=CLASS_CODES)
    # Then, by hand: A has 3 classes of which C3 reported no term; B one class
    assert fraction(values, a, "CLASS_HOUR_COMPLIANCE") == (1, 2)
    assert fraction(values, b, "CLASS_HOUR_COMPLIANCE") == (1, 1)
    assert fraction(values, county, "CLASS_HOUR_COMPLIANCE") == (2, 3)
    hour = values[county.id, "CLASS_HOUR_COMPLIANCE"]
    assert (hour.units_total, hour.units_not_reported) == (4, 1)
    assert fraction(values, a, "CLASS_MEETING_COMPLIANCE") == (1, 2)
    assert fraction(values, tree.city, "CLASS_MEETING_COMPLIANCE") == (2, 3)
    # committees: C1 complete, C2 one girl short, C3 and C4 (a girl count missing) not reported
    assert fraction(values, a, "HEALTH_COMMITTEE_COMPLETE") == (1, 2)
    assert fraction(values, b, "HEALTH_COMMITTEE_COMPLETE") is NR
    assert fraction(values, county, "HEALTH_COMMITTEE_COMPLETE") == (1, 2)
    # Under the strict standard (1 hour a week) no class holds enough; the meeting norm is the same
    assert fraction(strict, county, "CLASS_HOUR_COMPLIANCE") == (0, 3)
    assert fraction(strict, county, "CLASS_MEETING_COMPLIANCE") == fraction(values, county, "CLASS_MEETING_COMPLIANCE")
    assert strict[county.id, "CLASS_HOUR_COMPLIANCE"].standards_version == "2023-strict"
    # and last year has B's one class, which held nothing
    last = await compute_indicators(system_session, refs(b, a), year=YEAR - 1, standard=DEFAULT, codes=CLASS_CODES)
    assert fraction(last, b, "CLASS_HOUR_COMPLIANCE") == (0, 1)
    assert fraction(last, a, "CLASS_HOUR_COMPLIANCE") is NA


async def test_school_activity_indicators_by_hand(system_session) -> None:  # type: ignore[no-untyped-def]
    # Given six schools of one county
    tree = await make_tree(system_session, counties=1, schools_per_county=6)
    s1, s2, s3, s4, s5, s6 = tree.all_schools()
    county = tree.counties[0]
    t1 = [("ADAPTATION_TERM_START", dt.date(YEAR, 9, 5)), ("ADAPTATION_PRE_EXAM", dt.date(YEAR + 1, 1, 8))]
    t2 = [("ADAPTATION_TERM_START", dt.date(YEAR + 1, 2, 26)), ("ADAPTATION_PRE_EXAM", dt.date(YEAR + 1, 6, 15))]
    await add(system_session, *(profile(s) for s in (s1, s2, s3, s4, s5)))  # S6 has no profile
    await add(
        system_session,
        # S1: everything, both terms
        *(activity(s1, kind, day) for kind, day in t1 + t2),
        activity(s1, "THEME_MONTH_MENTAL_HEALTH", dt.date(YEAR + 1, 5, 12)),
        activity(s1, "THEME_MONTH_LIFE_HEALTH", dt.date(YEAR, 10, 10)),
        activity(s1, "PARENT_TRAINING", dt.date(YEAR, 9, 1)),  # the first day of the school year
        # S2: the autumn term's adaptation and nothing recorded in spring: judged on autumn only, met;
        # October's theme month only; its parent training on 31 August, the last day of the school year before
        *(activity(s2, kind, day) for kind, day in t1),
        activity(s2, "THEME_MONTH_LIFE_HEALTH", dt.date(YEAR, 10, 20)),
        activity(s2, "PARENT_TRAINING", dt.date(YEAR, 8, 31)),
        # S3: the autumn term's adaptation; the spring term begun by a parent training in March, without its adaptation
        *(activity(s3, kind, day) for kind, day in t1),
        activity(s3, "PARENT_TRAINING", dt.date(YEAR + 1, 3, 14)),
        # S4: the autumn term's adaptation; the spring term begun by a class's term hours
        *(activity(s4, kind, day) for kind, day in t1),
        # S5: a term start only
        activity(s5, "ADAPTATION_TERM_START", dt.date(YEAR, 9, 5)),
        # S6 (no profile) holds everything, but cannot be placed in a population
        *(activity(s6, kind, day) for kind, day in t1),
    )
    spring = school_class(s4)
    await add(system_session, spring)
    await add(system_session, hours(spring, f"{YEAR}T2", 18, 9, 4))
    # When computed
    values = await compute_indicators(system_session, refs(s1, s2, s3, s4, s5, s6, county), year=YEAR, standard=DEFAULT, codes=SCHOOL_CODES)
    # Then, by hand
    expected = {
        "THEME_MONTHS_HELD": {s1: (1, 1), s2: (0, 1), s3: (0, 1), s4: (0, 1), s5: (0, 1), s6: NR, county: (1, 5)},
        "ADAPTATION_ACTIVITIES": {s1: (1, 1), s2: (1, 1), s3: (0, 1), s4: (0, 1), s5: (0, 1), s6: NR, county: (2, 5)},
        "PARENT_TRAINING_HELD": {s1: (1, 1), s2: (0, 1), s3: (1, 1), s4: (0, 1), s5: (0, 1), s6: NR, county: (2, 5)},
    }
    for code, per_tenant in expected.items():
        for tenant, want in per_tenant.items():
            assert fraction(values, tenant, code) == want, (code, tenant.code)
    assert values[county.id, "ADAPTATION_ACTIVITIES"].units_not_reported == 1
    # and S2's 31 August training counts in the school year before
    before = await compute_indicators(system_session, refs(s2), year=YEAR - 1, standard=DEFAULT, codes=["PARENT_TRAINING_HELD"])
    assert fraction(before, s2, "PARENT_TRAINING_HELD") == (1, 1)

    # And the gaps say what each school missed
    gaps = await school_gaps(system_session, [s.id for s in (s1, s2, s3, s4, s5)], year=YEAR, standard=DEFAULT)
    course = {"THEME_MONTH_NOT_HELD", "ADAPTATION_ACTIVITY_MISSING", "NO_PARENT_TRAINING"}
    by_school = {s: {g.code: g for g in gaps[s.id] if g.code in course} for s in (s1, s2, s3, s4, s5)}
    assert by_school[s1] == {}
    assert set(by_school[s2]) == {"THEME_MONTH_NOT_HELD", "NO_PARENT_TRAINING"}
    assert by_school[s2]["THEME_MONTH_NOT_HELD"].detail["missing"] == ["MAY"]
    assert "No May mental-health education theme month" in by_school[s2]["THEME_MONTH_NOT_HELD"].message
    assert "2025-2026" in by_school[s2]["NO_PARENT_TRAINING"].message
    assert by_school[s3]["ADAPTATION_ACTIVITY_MISSING"].detail["missing"] == [
        {"kind": "ADAPTATION_TERM_START", "term": f"{YEAR}T2"},
        {"kind": "ADAPTATION_PRE_EXAM", "term": f"{YEAR}T2"},
    ]
    assert by_school[s3]["THEME_MONTH_NOT_HELD"].detail["missing"] == ["MAY", "OCTOBER"]
    assert by_school[s4]["ADAPTATION_ACTIVITY_MISSING"].detail["missing"] == by_school[s3]["ADAPTATION_ACTIVITY_MISSING"].detail["missing"]
    # S5 is judged on the autumn term only (nothing in spring): its missing exam activity
    assert by_school[s5]["ADAPTATION_ACTIVITY_MISSING"].detail["missing"] == [{"kind": "ADAPTATION_PRE_EXAM", "term": f"{YEAR}T1"}]
    assert f"before the important exams of term {YEAR}T1" in by_school[s5]["ADAPTATION_ACTIVITY_MISSING"].message


def test_the_rollup_reads_the_course_tables() -> None:
    # A write to any of them marks its tenant dirty (marking.py reads the families' tables).
    assert {"school_class", "class_term_hours", "school_activity"} <= {t.name for t in input_tables()}


@pytest.fixture
def acting(sessionmaker):  # type: ignore[no-untyped-def]
    return acting_as(sessionmaker)


async def test_writes_through_the_services_mark_the_school_and_term_hours_lock_with_the_term(system_session, acting) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    await add(system_session, profile(school))

    async def generation() -> int:
        row = (await system_session.execute(select(RollupDirty.generation).where(RollupDirty.tenant_id == school.id))).scalar_one_or_none()
        return row or 0

    before = await generation()
    # When the school records a class, its term hours and an activity, each in a transaction
    async with acting(school) as session:
        klass = await create_class(session, tenant_id=school.id, values={"school_year": YEAR, "grade": 2, "name": "二年级(1)班"})
    async with acting(school) as session:
        await record_term_hours(session, klass.id, f"{YEAR}T1", 19, 10, 4)
    async with acting(school) as session:
        await create_activity(session, tenant_id=school.id, values={"kind": "PARENT_TRAINING", "held_on": dt.date(YEAR, 11, 2), "title": "家长课"})
    # Then each write marked the school for the rollups
    assert await generation() == before + 3
    # And once the school submits its autumn term report, the term's hours are locked
    await submit(acting, school, period=f"{YEAR}T1")
    with pytest.raises(Invalid) as refused:
        async with acting(school) as session:
            await record_term_hours(session, klass.id, f"{YEAR}T1", 19, 11, 4)
    assert (refused.value.field, refused.value.code) == ("term", "PERIOD_LOCKED")
    # while the spring term is not
    async with acting(school) as session:
        await record_term_hours(session, klass.id, f"{YEAR}T2", 18, 9, 4)


async def test_the_course_figures_are_frozen_at_approval_delivered_and_exported(system_session, acting) -> None:  # type: ignore[no-untyped-def]
    # Given a school whose one class met the norm, and which held both theme months
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school, county, city = tree.all_schools()[0], tree.counties[0], tree.city
    klass = school_class(school, boys=2, girls=2)
    await add(system_session, profile(school), klass)
    await add(
        system_session,
        hours(klass, f"{YEAR}T1", 19, 10, 4),
        activity(school, "THEME_MONTH_LIFE_HEALTH", dt.date(YEAR, 10, 9)),
        activity(school, "THEME_MONTH_MENTAL_HEALTH", dt.date(YEAR + 1, 5, 9)),
    )
    period = f"{YEAR}SY"
    # When the school, the county and the city go through the reporting chain
    await submit(acting, school, period=period)
    async with acting(county) as session:
        await approve_reports(session, tenant_ids=[school.id], period=period, actor=Actor(f"user@{county.code}", county.id), standard=DEFAULT)
    await submit(acting, county, period=period)
    async with acting(city) as session:
        await approve_reports(session, tenant_ids=[county.id], period=period, actor=Actor(f"user@{city.code}", city.id), standard=DEFAULT)
    async with acting(city) as session:
        await accept_report(session, tenant_id=city.id, period=period, actor=Actor(f"user@{city.code}", city.id), standard=DEFAULT)
    # Then each snapshot holds the course figures as the engine computes them
    live = await compute_indicators(system_session, refs(school, county, city), year=YEAR, standard=DEFAULT, codes=CLASS_CODES + SCHOOL_CODES)
    frozen = {
        (row.tenant_id, row.indicator): row
        for row in (await system_session.execute(select(AggregateSnapshot).where(AggregateSnapshot.period == period))).scalars()
    }
    for (tenant_id, code), value in live.items():
        assert (frozen[tenant_id, code].state, frozen[tenant_id, code].value) == (value.state.value, value.value), code
    assert frozen[city.id, "CLASS_HOUR_COMPLIANCE"].value == 1.0 and frozen[city.id, "PARENT_TRAINING_HELD"].value == 0.0
    # And the delivery to the city platform carries them for the city and the county, as does ADX
    figures = {(f.tenant_code, f.indicator): f.value for f in await figures_for_city(system_session, city.id, period)}
    for code in CLASS_CODES + SCHOOL_CODES:
        assert figures[city.code, code] == live[city.id, code].value and figures[county.code, code] == live[county.id, code].value
    document = await adx_for_city(system_session, city.id, period)
    assert 'dataElement="CLASS_HOUR_COMPLIANCE" value="1"' in document and 'dataElement="THEME_MONTHS_HELD" value="1"' in document
