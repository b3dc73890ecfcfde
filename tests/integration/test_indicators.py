"""The indicator engine and the gap finder on real databases, with facts and expected values
worked out by hand."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import event

from runxin.platform.indicators import INDICATORS
from runxin.platform.centres.models import CounsellingCentre
from runxin.platform.hotlines.models import Hotline
from runxin.platform.indicators import INDICATORS, TenantRef, ValueState, compute_indicators, school_gaps
from runxin.platform.indicators.facts import FAMILIES, UNIT_KIND
from runxin.platform.models import tenant_owned_models
from runxin.platform.recognitions.models import ModelSchoolRecognition
from runxin.platform.schools.models import SchoolEnrolment, SchoolProfile
from runxin.platform.staffing.models import Staff
from runxin.platform.standards import STANDARDS
from runxin.platform.stations.models import Station
from runxin.platform.training.models import TrainingAttendance, TrainingProgramme, TrainingSession
from runxin.platform.tree.models import Tenant, TenantKind
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import bind_principal
from tests.e2e.counting import RLS_SCOPE_PREFIX
from tests.factories.tree import make_tree

YEAR = 2025
STRICT, LENIENT = STANDARDS["2023"], STANDARDS["2023-lenient"]


# --- arranging facts ---------------------------------------------------------------------------


def profile(school: Tenant, *, model_school_level: str = "NONE", **fields) -> SchoolProfile | list:  # type: ignore[no-untyped-def]
    """The school's profile; with a model-school level, also the recognition that gives it (in force)."""
    row = SchoolProfile(tenant_id=school.id, category=school.code[:2], **fields)
    return row if model_school_level == "NONE" else [row, recognition(school, model_school_level)]


def recognition(school: Tenant, level: str, **fields) -> ModelSchoolRecognition:  # type: ignore[no-untyped-def]
    values = {"title": f"{level}特色学校", "recognised_on": dt.date(YEAR - 1, 6, 1), "awarded_by": "教育局"} | fields
    return ModelSchoolRecognition(tenant_id=school.id, level=level, **values)


def station(  # type: ignore[no-untyped-def]
    school: Tenant, *, area: str = "20", hours: str = "10", kind: str = "SUNSHINE_STATION", **flags
) -> Station:
    functions = {"individual_counselling": True, "assessment": True, "sandplay": True} | flags
    return Station(
        tenant_id=school.id, name="辅导站", kind=kind, area_m2=Decimal(area), weekly_open_hours=Decimal(hours), **functions
    )


def staff(tenant: Tenant, kind: str, count: int = 1, *, active: bool = True) -> list[Staff]:
    return [Staff(tenant_id=tenant.id, kind=kind, name=f"{kind}-{n}", active=active) for n in range(count)]


def enrol(school: Tenant, students: int, year: int = YEAR) -> SchoolEnrolment:
    return SchoolEnrolment(tenant_id=school.id, school_year=year, students=students)


def hotline(tenant: Tenant, status: str = "ACTIVE") -> Hotline:
    return Hotline(tenant_id=tenant.id, number="12355", status=status)


def centre(county: Tenant, status: str = "OPERATIONAL", volunteers: int = 0) -> CounsellingCentre:
    return CounsellingCentre(tenant_id=county.id, name="辅导中心", status=status, volunteer_team_size=volunteers)


async def add(session, *objects) -> None:  # type: ignore[no-untyped-def]
    for obj in objects:
        session.add_all(obj if isinstance(obj, list) else [obj])
    await session.commit()


def refs(*tenants: Tenant) -> list[TenantRef]:
    return [TenantRef.of(t) for t in tenants]


def principal_for(tenant: Tenant) -> Principal:
    return Principal(
        subject=f"user-of-{tenant.code}",
        tenant_id=tenant.id,
        tenant_path=tenant.path,
        tenant_kind=tenant.kind,
        roles=frozenset({"ADMIN"}),
    )


def fraction(values, tenant: Tenant, code: str) -> tuple[float, float] | ValueState:  # type: ignore[no-untyped-def]
    """(numerator, denominator) of a reported value, or its state when there is no value."""
    value = values[tenant.id, code]
    if value.state is not ValueState.REPORTED:
        assert value.value is None
        return value.state
    assert value.value == pytest.approx(value.numerator / value.denominator)
    return value.numerator, value.denominator


NA, NR = ValueState.NOT_APPLICABLE, ValueState.NOT_REPORTED
# The gaps of the course rules, which a school without activity records always has.
COURSE_GAPS = {"THEME_MONTH_NOT_HELD", "ADAPTATION_ACTIVITY_MISSING", "NO_PARENT_TRAINING"}


# --- county indicators -------------------------------------------------------------------------


async def test_county_indicators_at_county_city_and_school_level(system_session) -> None:  # type: ignore[no-untyped-def]
    # Given three counties: A runs everything; B's centre is being built, its hotline is only
    # planned and an active hotline belongs to one of its schools (not the county's own); C has an
    # operational centre without volunteers and no hotline
    tree = await make_tree(system_session, counties=3, schools_per_county=1)
    a, b, c = tree.counties
    school_b = tree.schools[b.code][0]
    await add(
        system_session,
        centre(a, volunteers=12),
        hotline(a),
        centre(b, status="UNDER_CONSTRUCTION", volunteers=5),
        hotline(b, status="PLANNED"),
        hotline(school_b),
        centre(c, volunteers=0),
    )
    # When the city, its counties and a school are computed in one call
    values = await compute_indicators(system_session, refs(tree.city, a, b, c, school_b), year=YEAR, standard=STRICT)
    # Then each county is 1/1 or a real 0/1, and the city is the count over its three counties
    expected = {
        "CENTRE_COVERAGE": {a: (1, 1), b: (0, 1), c: (1, 1), tree.city: (2, 3)},
        "COUNTY_HOTLINE_COVERAGE": {a: (1, 1), b: (0, 1), c: (0, 1), tree.city: (1, 3)},
        "VOLUNTEER_TEAM_COVERAGE": {a: (1, 1), b: (0, 1), c: (0, 1), tree.city: (1, 3)},
    }
    for code, per_tenant in expected.items():
        for tenant, want in per_tenant.items():
            assert fraction(values, tenant, code) == want, (code, tenant.code)
        # and a school is its own one-unit subtree, with no county in it
        assert fraction(values, school_b, code) is NA
    assert values[tree.city.id, "CENTRE_COVERAGE"].units_total == 3


# --- school indicators -------------------------------------------------------------------------


async def school_tree(session):  # type: ignore[no-untyped-def]
    """Two counties of two schools each, with the facts the expected values below rest on."""
    tree = await make_tree(session, counties=2, schools_per_county=2)
    a, b = tree.counties
    s1, s2 = tree.schools[a.code]
    s3, s4 = tree.schools[b.code]
    await add(
        session,
        # S1: central school meeting every standard, 700 students, 1 full-time, counsellor, city model school
        profile(s1, central_rank=True, model_school_level="CITY"),
        station(s1),
        hotline(s1),
        staff(s1, "FULL_TIME"),
        staff(s1, "HIRED_COUNSELLOR"),
        enrol(s1, 700),
        # S2: ordinary school, 300 students, one part-time teacher only, county model school
        profile(s2, model_school_level="COUNTY"),
        staff(s2, "PART_TIME"),
        enrol(s2, 300),
        # S3: central school with a 15 m² room without sandplay, no hotline, 1000 students with one
        # full-time and one part-time teacher, a counsellor who left, a provincial model school
        profile(s3, central_rank=True, model_school_level="PROVINCE"),
        station(s3, area="15", kind="COUNSELLING_ROOM", sandplay=False),
        staff(s3, "FULL_TIME") + staff(s3, "PART_TIME") + staff(s3, "HIRED_COUNSELLOR", active=False),
        enrol(s3, 1000),
        # S4: vocational school, not independently set up, with a basic place only (not a station)
        profile(s4, vocational=True, independent=False),
        station(s4, kind="BASIC_PLACE"),
    )
    return tree


async def test_school_indicators_at_school_county_and_city_level(system_session) -> None:  # type: ignore[no-untyped-def]
    # Given the school tree
    tree = await school_tree(system_session)
    a, b = tree.counties
    s1, s2, s3, s4 = tree.all_schools()
    # When everything is computed for all seven tenants under the strict standard
    values = await compute_indicators(system_session, refs(tree.city, a, b, s1, s2, s3, s4), year=YEAR, standard=STRICT)
    # Then, by hand:
    expected = {
        # central schools S1, S3; S1 has a hotline
        "SCHOOL_HOTLINE_COVERAGE": {s1: (1, 1), s2: NA, s3: (0, 1), s4: NA, a: (1, 1), b: (0, 1), tree.city: (1, 2)},
        # S1, S3 central, S4 vocational; S1 and S3 have a station, S4's basic place does not count
        "STATION_COVERAGE": {s1: (1, 1), s2: NA, s3: (1, 1), s4: (0, 1), a: (1, 1), b: (1, 2), tree.city: (2, 3)},
        # of those, only S1's station meets the standard (S3's is 15 m² without sandplay)
        "STATION_STANDARD_RATE": {s1: (1, 1), s2: NA, s3: (0, 1), s4: (0, 1), a: (1, 1), b: (0, 2), tree.city: (1, 3)},
        # independent S1, S2, S3; S2 has no full-time teacher
        "FULL_TIME_TEACHER_COVERAGE": {s1: (1, 1), s2: (0, 1), s3: (1, 1), s4: NA, a: (1, 2), b: (1, 1), tree.city: (2, 3)},
        # strict: S1 700 ≤ 1×800; S2 300 students, 0 full-time; S3 1000 students need 2 full-time, has 1
        "STAFF_RATIO_COMPLIANCE": {s1: (1, 1), s2: (0, 1), s3: (0, 1), s4: NA, a: (1, 2), b: (0, 1), tree.city: (1, 3)},
        # S3's counsellor is no longer active
        "COUNSELLOR_COVERAGE": {s1: (1, 1), s2: NA, s3: (0, 1), s4: NA, a: (1, 1), b: (0, 1), tree.city: (1, 2)},
        # city level or above: S1 (CITY), S3 (PROVINCE); S2's county recognition does not count
        "MODEL_SCHOOL_SHARE": {s1: (1, 1), s2: (0, 1), s3: (1, 1), s4: (0, 1), a: (1, 2), b: (1, 2), tree.city: (2, 4)},
    }
    for code, per_tenant in expected.items():
        for tenant, want in per_tenant.items():
            assert fraction(values, tenant, code) == want, (code, tenant.code)
    value = values[tree.city.id, "STATION_COVERAGE"]
    assert (value.units_total, value.units_not_reported, value.year, value.standards_version) == (3, 0, YEAR, "2023")


async def test_lenient_standard_lets_part_time_teachers_fill_the_ratio(system_session) -> None:  # type: ignore[no-untyped-def]
    # Given the school tree, where S2 (300 students) has one part-time teacher and S3 (1000
    # students) one full-time and one part-time
    tree = await school_tree(system_session)
    a, b = tree.counties
    s1, s2, s3, _ = tree.all_schools()
    tenants = refs(tree.city, s2, s3)
    # When STAFF_RATIO_COMPLIANCE is computed under each version
    strict = await compute_indicators(system_session, tenants, year=YEAR, standard=STRICT, codes=["STAFF_RATIO_COMPLIANCE"])
    lenient = await compute_indicators(system_session, tenants, year=YEAR, standard=LENIENT, codes=["STAFF_RATIO_COMPLIANCE"])
    # Then strict counts full-time teachers only (S2 0 for 1 needed, S3 1 for 2 needed), lenient
    # counts both (S2 1 for 1, S3 2 for 2 with its one full-time teacher above 800 students)
    assert [fraction(strict, t, "STAFF_RATIO_COMPLIANCE") for t in (s2, s3, tree.city)] == [(0, 1), (0, 1), (1, 3)]
    assert [fraction(lenient, t, "STAFF_RATIO_COMPLIANCE") for t in (s2, s3, tree.city)] == [(1, 1), (1, 1), (3, 3)]
    assert lenient[tree.city.id, "STAFF_RATIO_COMPLIANCE"].standards_version == "2023-lenient"
    # and only the asked-for code comes back
    assert {code for _, code in strict} == {"STAFF_RATIO_COMPLIANCE"}


async def test_above_800_students_a_full_time_teacher_is_needed_even_when_lenient(system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a school of 900 students with three part-time teachers and no full-time one
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    await add(system_session, profile(school), staff(school, "PART_TIME", 3), enrol(school, 900))
    # When computed under the lenient standard
    values = await compute_indicators(system_session, refs(school), year=YEAR, standard=LENIENT, codes=["STAFF_RATIO_COMPLIANCE"])
    # Then the ratio is met (3 ≥ 2) but the full-time rule is not
    assert fraction(values, school, "STAFF_RATIO_COMPLIANCE") == (0, 1)


# --- value states ------------------------------------------------------------------------------


async def test_reported_zero_not_reported_and_not_applicable_stay_distinct(system_session) -> None:  # type: ignore[no-untyped-def]
    # Given county A whose two independent schools reported no enrolment for the year (one did for
    # last year), county B with one school of 500 students and no teacher, and a third school in B
    # with enrolment but no profile; no county has a central school
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    a, b = tree.counties
    a1, a2 = tree.schools[a.code]
    b1, b2 = tree.schools[b.code]
    await add(system_session, profile(a1), profile(a2), enrol(a1, 400, year=YEAR - 1), profile(b1), enrol(b1, 500), enrol(b2, 200))
    # When the staff ratio, counsellor coverage and model-school share are computed
    values = await compute_indicators(
        system_session,
        refs(a, b, tree.city),
        year=YEAR,
        standard=STRICT,
        codes=["STAFF_RATIO_COMPLIANCE", "COUNSELLOR_COVERAGE", "MODEL_SCHOOL_SHARE"],
    )
    # Then A's staff ratio is not reported: both eligible schools lack the data
    ratio_a = values[a.id, "STAFF_RATIO_COMPLIANCE"]
    assert (ratio_a.state, ratio_a.value, ratio_a.units_total, ratio_a.units_not_reported) == (NR, None, 2, 2)
    # B's is a real zero: one school reported and is below the ratio; the profile-less school is
    # a unit whose data is missing, not a silent zero
    ratio_b = values[b.id, "STAFF_RATIO_COMPLIANCE"]
    assert (ratio_b.state, ratio_b.value, ratio_b.numerator, ratio_b.denominator) == (ValueState.REPORTED, 0.0, 0, 1)
    assert (ratio_b.units_total, ratio_b.units_not_reported) == (2, 1)
    # the city adds them up: 0 of 1 reported, 3 of 4 schools without the data
    ratio_city = values[tree.city.id, "STAFF_RATIO_COMPLIANCE"]
    assert (ratio_city.value, ratio_city.units_total, ratio_city.units_not_reported) == (0.0, 4, 3)
    # A has no central school: counsellor coverage does not apply; in B the school without a
    # profile might be central, so it is not reported rather than not applicable
    assert fraction(values, a, "COUNSELLOR_COVERAGE") is NA
    assert fraction(values, b, "COUNSELLOR_COVERAGE") is NR
    assert fraction(values, b, "MODEL_SCHOOL_SHARE") == (0, 1)


async def test_an_empty_subtree_is_not_applicable_everywhere(system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a county with no schools and no centre records
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    county = tree.counties[0]
    # When computed
    values = await compute_indicators(system_session, refs(county), year=YEAR, standard=STRICT)
    # Then the county itself is a unit (a real zero), and everything below it does not apply
    assert fraction(values, county, "CENTRE_COVERAGE") == (0, 1)
    for code in ("STATION_COVERAGE", "MODEL_SCHOOL_SHARE", "TRAINING_COVERAGE", "CREDITS_PER_TEACHER"):
        assert fraction(values, county, code) is NA


# --- teacher indicators and aggregation --------------------------------------------------------


async def training_tree(session):  # type: ignore[no-untyped-def]
    """County A: a big school of 9 teachers all trained (4 credits each) and a small school with
    one untrained teacher; county B: one teacher trained only last year, one whose attendance was
    not completed, and teachers who do not count (a homeroom teacher, a retired one)."""
    tree = await make_tree(session, counties=2, schools_per_county=2)
    a, b = tree.counties
    big, small = tree.schools[a.code]
    b1, _ = tree.schools[b.code]
    programme = TrainingProgramme(tenant_id=a.id, name="县级培训", level="COUNTY", year=YEAR)
    old_programme = TrainingProgramme(tenant_id=b.id, name="去年培训", level="COUNTY", year=YEAR - 1)
    await add(session, programme, old_programme)
    this_year = TrainingSession(
        tenant_id=a.id, programme_id=programme.id, title="春季", starts_on=dt.date(YEAR, 3, 1), ends_on=dt.date(YEAR, 3, 2),
        hours=Decimal(12), credits=Decimal(4),
    )
    last_year = TrainingSession(
        tenant_id=b.id, programme_id=old_programme.id, title="冬季", starts_on=dt.date(YEAR - 1, 12, 20),
        ends_on=dt.date(YEAR - 1, 12, 22), hours=Decimal(12), credits=Decimal(4),
    )
    b_this_year = TrainingSession(
        tenant_id=b.id, programme_id=old_programme.id, title="秋季", starts_on=dt.date(YEAR, 10, 1), ends_on=dt.date(YEAR, 10, 1),
        hours=Decimal(6), credits=Decimal(2),
    )
    big_staff = staff(big, "FULL_TIME", 4) + staff(big, "PART_TIME", 5)
    small_staff = staff(small, "PART_TIME")
    b_old, b_incomplete = staff(b1, "FULL_TIME", 2)
    await add(session, this_year, last_year, b_this_year, big_staff, small_staff, [b_old, b_incomplete])
    await add(
        session,
        [
            TrainingAttendance(tenant_id=big.id, session_id=this_year.id, staff_id=s.id, credits_awarded=Decimal(4), credit_year=YEAR)
            for s in big_staff
        ],
        TrainingAttendance(
            tenant_id=b1.id, session_id=last_year.id, staff_id=b_old.id, credits_awarded=Decimal(4), credit_year=YEAR - 1
        ),
        TrainingAttendance(
            tenant_id=b1.id, session_id=b_this_year.id, staff_id=b_incomplete.id, completed=False, credits_awarded=Decimal(2),
            credit_year=YEAR,
        ),
        staff(b1, "HOMEROOM"),
        staff(b1, "FULL_TIME", active=False),
    )
    return tree


async def test_training_is_a_sum_over_sum_not_a_mean_of_ratios(system_session) -> None:  # type: ignore[no-untyped-def]
    # Given the training tree
    tree = await training_tree(system_session)
    a, b = tree.counties
    big, small = tree.schools[a.code]
    # When computed for schools, counties and city
    values = await compute_indicators(
        system_session, refs(tree.city, a, b, big, small), year=YEAR, standard=STRICT, codes=["TRAINING_COVERAGE", "CREDITS_PER_TEACHER"]
    )
    # Then the big school is 9/9 and the small 0/1, and county A is 9/10 = 0.9 (the mean of the
    # two schools' ratios would be 0.5)
    assert fraction(values, big, "TRAINING_COVERAGE") == (9, 9)
    assert fraction(values, small, "TRAINING_COVERAGE") == (0, 1)
    assert values[a.id, "TRAINING_COVERAGE"].value == pytest.approx(0.9)
    # credits: 36 over 10 teachers = 3.6 (the mean of school means would be 2.0)
    assert fraction(values, a, "CREDITS_PER_TEACHER") == (36, 10)
    assert values[a.id, "CREDITS_PER_TEACHER"].value == pytest.approx(3.6)
    # B: last year's session and an uncompleted attendance count for nothing: a real 0 of 2
    assert fraction(values, b, "TRAINING_COVERAGE") == (0, 2)
    assert fraction(values, b, "CREDITS_PER_TEACHER") == (0, 2)
    # the city: 9 trained of 12 teachers, 36 credits
    assert fraction(values, tree.city, "TRAINING_COVERAGE") == (9, 12)
    assert fraction(values, tree.city, "CREDITS_PER_TEACHER") == (36, 12)
    # and for the previous year, only B's teacher trained in December counts
    last = await compute_indicators(system_session, refs(tree.city), year=YEAR - 1, standard=STRICT, codes=["TRAINING_COVERAGE"])
    assert fraction(last, tree.city, "TRAINING_COVERAGE") == (1, 12)


# --- scoping -----------------------------------------------------------------------------------


async def test_a_county_principal_sees_nothing_of_a_sibling_county(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given the school tree and the county facts of two counties
    tree = await school_tree(system_session)
    a, b = tree.counties
    await add(system_session, centre(a), centre(b, volunteers=3), hotline(b))
    now = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    system = await compute_indicators(system_session, refs(a, b), year=YEAR, standard=STRICT, now=now)
    # When county A's principal computes on county A and on county B
    async with sessionmaker() as session:
        bind_principal(session, principal_for(a))
        scoped = await compute_indicators(session, refs(a, b), year=YEAR, standard=STRICT, now=now)
    # Then county B has zero units for every indicator, and A's own values are unchanged
    for (tenant_id, code), value in scoped.items():
        if tenant_id == b.id:
            assert (value.state, value.units_total, value.numerator) == (NA, 0, 0), code
        else:
            assert value == system[tenant_id, code], code
    assert system[b.id, "STATION_COVERAGE"].units_total == 2  # B does have data


async def test_a_county_principal_computing_the_city_gets_its_own_subtree_only(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given the school tree (A: 2 schools, B: 2 schools)
    tree = await school_tree(system_session)
    a, _ = tree.counties
    # When county A's principal computes the city
    async with sessionmaker() as session:
        bind_principal(session, principal_for(a))
        values = await compute_indicators(session, refs(tree.city), year=YEAR, standard=STRICT, codes=["MODEL_SCHOOL_SHARE"])
    # Then only A's schools are counted (the scoping hook filters the units, not the engine)
    assert fraction(values, tree.city, "MODEL_SCHOOL_SHARE") == (1, 2)


async def test_every_table_the_engine_reads_is_scoped(system_session, sessionmaker, engine) -> None:  # type: ignore[no-untyped-def]
    # Given a tree, and a county principal
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    school = tree.all_schools()[0]
    # When every indicator and the gaps are computed on a principal-bound session
    statements: list[str] = []
    capture = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with sessionmaker() as session:
            bind_principal(session, principal_for(tree.counties[0]))
            await compute_indicators(session, refs(tree.counties[0], school), year=YEAR, standard=STRICT)
            await add(system_session, profile(school, central_rank=True), station(school, area="10"))
            await school_gaps(session, [school.id], year=YEAR, standard=STRICT)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    # Then each tenant-owned table, wherever it is read (correlated subqueries included), carries
    # the hook's tenant criteria: a subquery the ORM did not recognise would run unscoped
    sql = "\n".join(s for s in statements if s.lstrip().upper().startswith(("WITH", "SELECT")))
    read = set()
    for model in tenant_owned_models():
        table = model.__tablename__
        occurrences = len(re.findall(rf"(?:\bFROM|\bJOIN|,)\s+{table}(?![.\w])", sql))
        if occurrences:
            read.add(table)
            assert sql.count(f"{table}.tenant_id IN (SELECT tenant.id") == occurrences, table
    assert read >= {
        "school_profile", "station", "hotline", "staff", "school_enrolment",
        "counselling_centre", "training_attendance",
    }


async def test_a_school_principal_sees_its_teachers_training_in_county_sessions(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    tree = await training_tree(system_session)
    big = tree.schools[tree.counties[0].code][0]
    async with sessionmaker() as session:
        bind_principal(session, principal_for(big))
        values = await compute_indicators(session, refs(big), year=YEAR, standard=STRICT, codes=["TRAINING_COVERAGE"])
    assert fraction(values, big, "TRAINING_COVERAGE") == (9, 9)


# --- statements per call -----------------------------------------------------------------------


class StatementCounter:
    """Counts the queries sent; transaction control (the SQLite engine's own BEGIN) is not one."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.engine, self.count = engine.sync_engine, 0

    def _count(self, _conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and not statement.startswith(RLS_SCOPE_PREFIX):
            self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:  # type: ignore[no-untyped-def]
        event.remove(self.engine, "before_cursor_execute", self._count)


async def test_statements_per_call_do_not_grow_with_tenants(system_session, engine) -> None:  # type: ignore[no-untyped-def]
    # Given a city of 12 counties with a school each, and some facts in each
    tree = await make_tree(system_session, counties=12, schools_per_county=1)
    for county in tree.counties:
        await add(system_session, centre(county), profile(tree.schools[county.code][0], central_rank=True))
    # (Counted from the families, so that a new family of facts does not rewrite this test: a county
    # subtree holds every family's units, a school's subtree all but the county family's.)
    families = len(FAMILIES)
    school_families = sum(1 for unit in FAMILIES if UNIT_KIND[unit] in (TenantKind.SCHOOL, None))
    counts = {}
    # When all indicators are computed for 2, 6 and 12 sibling counties
    for n in (2, 6, 12):
        with StatementCounter(engine) as counter:
            values = await compute_indicators(system_session, refs(*tree.counties[:n]), year=YEAR, standard=STRICT)
        counts[n] = counter.count
        assert len(values) == n * len(INDICATORS)
    # Then it is one statement per fact family (school, county, teacher, ...), whatever the number
    assert counts == {2: families, 6: families, 12: families}
    # and 12 sibling schools need no county statement
    with StatementCounter(engine) as counter:
        await compute_indicators(system_session, refs(*tree.all_schools()), year=YEAR, standard=STRICT)
    assert counter.count == school_families == families - 1
    # a city with its counties is two depths: one statement per family each
    with StatementCounter(engine) as counter:
        values = await compute_indicators(system_session, refs(tree.city, *tree.counties), year=YEAR, standard=STRICT)
    assert counter.count == 2 * families
    assert fraction(values, tree.city, "CENTRE_COVERAGE") == (12, 12)
    # and only the families of the asked-for codes are queried
    with StatementCounter(engine) as counter:
        await compute_indicators(system_session, refs(*tree.counties), year=YEAR, standard=STRICT, codes=["CENTRE_COVERAGE"])
    assert counter.count == 1


# --- gaps --------------------------------------------------------------------------------------


async def test_gaps_name_what_is_missing_against_which_number(system_session, engine) -> None:  # type: ignore[no-untyped-def]
    # Given six schools in one county
    tree = await make_tree(system_session, counties=1, schools_per_county=6)
    g1, g2, g3, g4, g5, g6 = tree.all_schools()
    await add(
        system_session,
        # G1: central, a 15 m² room open 6 h without assessment or sandplay, one part-time teacher
        # for 1000 students, no hotline, no counsellor
        profile(g1, central_rank=True),
        station(g1, area="15", hours="6", kind="COUNSELLING_ROOM", assessment=False, sandplay=False),
        staff(g1, "PART_TIME"),
        enrol(g1, 1000),
        # G2: vocational with a basic place only, one full-time teacher, enrolment not reported
        profile(g2, vocational=True),
        station(g2, kind="BASIC_PLACE"),
        staff(g2, "FULL_TIME"),
        # G3: small vocational school covered by cluster centre G1, not independently set up
        profile(g3, vocational=True, small_scale=True, cluster_centre_id=g1.id, independent=False),
        # G4: no profile
        # G5: a central school meeting everything
        profile(g5, central_rank=True),
        station(g5),
        hotline(g5),
        staff(g5, "FULL_TIME") + staff(g5, "HIRED_COUNSELLOR"),
        enrol(g5, 800),
        # G6: central with two rooms, one too small and one up to standard, which is enough
        profile(g6, central_rank=True),
        station(g6, area="12"),
        station(g6, area="25", kind="COUNSELLING_ROOM"),
        hotline(g6),
        staff(g6, "FULL_TIME") + staff(g6, "HIRED_COUNSELLOR"),
        enrol(g6, 100),
    )
    # When the gaps of all six (and of the county, which is not a school) are asked for
    ids = [s.id for s in (g1, g2, g3, g4, g5, g6)] + [tree.counties[0].id]
    with StatementCounter(engine) as counter:
        gaps = await school_gaps(system_session, ids, year=YEAR, standard=STRICT)
    # Then two statements were enough, and the county is not in the answer
    assert counter.count == 2
    assert set(gaps) == set(ids[:-1])
    # (The schools record no activities: their course gaps are tested in test_courses_indicators.py.)
    gaps = {school_id: [g for g in found if g.code not in COURSE_GAPS] for school_id, found in gaps.items()}
    codes = {school: [gap.code for gap in gaps[school.id]] for school in (g1, g2, g3, g4, g5, g6)}
    assert codes == {
        g1: [
            "STATION_AREA_BELOW_STANDARD",
            "STATION_HOURS_BELOW_STANDARD",
            "STATION_MISSING_FUNCTION",
            "NO_FULL_TIME_TEACHER",
            "STAFF_RATIO_BELOW_STANDARD",
            "NO_HOTLINE",
            "NO_COUNSELLOR",
        ],
        g2: ["NO_STATION", "ENROLMENT_NOT_REPORTED"],
        g3: [],
        g4: ["PROFILE_NOT_REPORTED"],
        g5: [],
        g6: [],
    }
    by_code = {gap.code: gap for gap in gaps[g1.id]}
    assert by_code["STATION_AREA_BELOW_STANDARD"].message == "Counselling room is 15.0 m²; the standard asks for at least 18 m²."
    assert by_code["STATION_AREA_BELOW_STANDARD"].detail["area_m2"] == 15.0
    assert by_code["STATION_HOURS_BELOW_STANDARD"].message == (
        "Counselling room is open 6.0 hours a week; the standard asks for at least 8."
    )
    assert by_code["STATION_MISSING_FUNCTION"].detail["missing"] == ["ASSESSMENT", "SANDPLAY"]
    assert "assessment and sandplay" in by_code["STATION_MISSING_FUNCTION"].message
    ratio = by_code["STAFF_RATIO_BELOW_STANDARD"]
    assert ratio.message == (
        "1,000 students need 2 mental-health teachers at 1 per 800; the school counts 0 (full-time only). "
        "A school above 800 students needs at least one full-time teacher; it has none."
    )
    assert (ratio.detail["required_teachers"], ratio.detail["counted_teachers"]) == (2, 0)
    assert gaps[g2.id][0].detail["required_because"] == ["VOCATIONAL"]
    assert "2025-2026" in gaps[g2.id][1].message


async def test_gaps_follow_the_standard_and_the_indicators(system_session) -> None:  # type: ignore[no-untyped-def]
    # Given the school tree (S3: 1000 students, one full-time and one part-time teacher)
    tree = await school_tree(system_session)
    s3 = tree.schools[tree.counties[1].code][0]
    # When its gaps are listed under each standard
    strict = await school_gaps(system_session, [s3.id], year=YEAR, standard=STRICT)
    lenient = await school_gaps(system_session, [s3.id], year=YEAR, standard=LENIENT)
    # Then the ratio gap is there under strict only, as the indicator says
    assert "STAFF_RATIO_BELOW_STANDARD" in [g.code for g in strict[s3.id]]
    assert "STAFF_RATIO_BELOW_STANDARD" not in [g.code for g in lenient[s3.id]]
    assert [g.code for g in lenient[s3.id] if g.code not in COURSE_GAPS] == [
        "STATION_AREA_BELOW_STANDARD",
        "STATION_MISSING_FUNCTION",
        "NO_HOTLINE",
        "NO_COUNSELLOR",
    ]
    assert await school_gaps(system_session, [], year=YEAR, standard=STRICT) == {}
