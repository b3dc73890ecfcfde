"""Per-unit facts: one row per county, school, teacher or class, with what the indicators ask of it.

Each family is a SELECT over the ORM-mapped classes, so the session's scoping hook adds its tenant
criteria to every table it touches, correlated subqueries included. The indicator definitions say
what to count over these columns; the engine and the gap finder share them, so "a school has a
standard station" means the same thing in a county total and in a school's list of gaps.

Why correlated subqueries rather than pre-aggregated derived tables joined on tenant_id: a
`GROUP BY tenant_id` derived table is computed over the whole table on both engines (PostgreSQL
does not push the outer tenant filter into an aggregated subquery without LATERAL, which SQLite
lacks; SQLite materialises it), so its cost grows with the deployment. A correlated EXISTS or
COUNT is one probe of the `tenant_id` (or `staff_id`) index per unit in the requested subtree, on
both engines, so the cost grows with the subtree only. Measured on 2 cities of 1,200 schools each,
the school family for one county: 3.5 ms against 24 ms on SQLite, 8 ms against 23 ms on
PostgreSQL; for all 12 counties of a city the two are level.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from sqlalchemy import Float, Select, and_, case, cast, extract, false, func, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from runxin.platform.centres.models import CounsellingCentre
from runxin.platform.hotlines.models import Hotline
from runxin.platform.indicators import student_facts
from runxin.platform.recognitions.models import COUNTED_LEVELS, ModelSchoolRecognition
from runxin.platform.indicators.courses import class_facts, course_school_columns
from runxin.platform.schools.models import SchoolEnrolment, SchoolProfile
from runxin.platform.staffing.models import ALL_TEACHER_KINDS, Staff
from runxin.platform.standards import Standard
from runxin.platform.stations.models import Station
from runxin.platform.students.care import (
    FOLLOWED_LEVELS,
    OPEN_REFERRAL_STATES,
    ConcernFollowUp,
    CrisisPlan,
    Referral,
    ScreeningResult,
    ScreeningRound,
)
from runxin.platform.students.models import StudentFile
from runxin.platform.training.models import AUDIENCES, TrainingAttendance
from runxin.platform.tree.models import Tenant, TenantKind


# Execution options of the engine's and the gap finder's statements. They only aggregate, so they
# may count the student-level rows (SchoolPrivate) of the subtree asked for, which no other
# statement of a bureau's principal reads (tenants/scoping.py COUNTING_KEY, platform/db/rls.py).
COUNTING = {"counting": True}


class Unit(enum.StrEnum):
    """What an indicator counts; each unit is one fact family."""

    COUNTY = "COUNTY"
    SCHOOL = "SCHOOL"
    TEACHER = "TEACHER"
    CLASS = "CLASS"  # a class of a school in the school year (platform/courses)


# Kinds of station that count as the standardised station (a BASIC_PLACE does not).
STATION_KINDS = ("SUNSHINE_STATION", "COUNSELLING_ROOM")
# Standard room functions (standards.py names) and the Station flags that record them.
ROOM_FUNCTIONS = {
    "INDIVIDUAL_COUNSELLING": Station.individual_counselling,
    "ASSESSMENT": Station.assessment,
    "SANDPLAY": Station.sandplay,
}
MODEL_SCHOOL_LEVELS = COUNTED_LEVELS


def _flag(column: ColumnElement[bool]) -> ColumnElement[bool]:
    # Profile columns are NULL for a school without a profile; facts are never NULL, so that
    # CASE WHEN and NOT in the aggregates cannot swallow a unit.
    return func.coalesce(column, false())


# Every subquery selects an ORM-mapped column: that is what marks it ORM-enabled, and only then
# does the scoping hook's `with_loader_criteria` reach it. A bare `exists().where(and_(...))` or
# `select(func.count()).where(and_(...))` compiles as Core and would run unscoped.


def _exists(entity: type, outer: type, *criteria: ColumnElement[bool]) -> ColumnElement[bool]:
    return select(entity.id).where(*criteria).correlate(outer).exists()  # type: ignore[attr-defined]


def station_checks(standard: Standard) -> dict[str, ColumnElement[bool]]:
    """Each condition the standard sets on a Station row, by name (AREA, HOURS, then functions)."""
    checks: dict[str, ColumnElement[bool]] = {
        "AREA": Station.area_m2 >= standard.min_room_area_m2,
        "HOURS": Station.weekly_open_hours >= standard.min_open_hours_per_week,
    }
    for name in standard.required_room_functions:
        if name not in ROOM_FUNCTIONS:
            raise ValueError(f"Standard {standard.version} asks for room function {name}, which Station does not record.")
        checks[name] = ROOM_FUNCTIONS[name].is_(True)
    return checks


def recognised_at_year_end(year: int | ColumnElement[int]) -> ColumnElement[bool]:
    """A ModelSchoolRecognition row in force on 31 December of `year` (recognitions/models.py
    `in_force_on`): granted by then, not revoked on or before it, valid through it.

    Year-end, not "some day of the year": the target is a share reached by the end of its year,
    and a title withdrawn or lapsed in the year does not count for it. The day is compared as
    a number (yyyymmdd) built with EXTRACT, which both engines compile, because `year` may be a
    bound parameter and neither engine makes a date from one the same way.
    """
    until = ModelSchoolRecognition.valid_until
    until_key = extract("year", until) * 10000 + extract("month", until) * 100 + extract("day", until)
    return and_(
        extract("year", ModelSchoolRecognition.recognised_on) <= year,
        or_(ModelSchoolRecognition.revoked_on.is_(None), extract("year", ModelSchoolRecognition.revoked_on) > year),
        or_(until.is_(None), until_key >= year * 10000 + 1231),
    )


def counted_station() -> ColumnElement[bool]:
    """A Station row that counts as the school's station: operational, and not a basic place."""
    return and_(Station.status == "OPERATIONAL", Station.kind.in_(STATION_KINDS))


def school_facts(*, year: int, standard: Standard, where: Sequence[ColumnElement[bool]]) -> Select:
    """One row per school tenant matching `where` (criteria on Tenant)."""
    central = _flag(SchoolProfile.central_rank)
    vocational = _flag(SchoolProfile.vocational)
    # A small school covered by its cluster centre school is not missing a station (domain.md §3).
    covered_by_cluster = and_(_flag(SchoolProfile.small_scale), SchoolProfile.cluster_centre_id.is_not(None))
    station = (Station, Tenant, Station.tenant_id == Tenant.id, counted_station())
    students = (
        select(SchoolEnrolment.students)
        .where(SchoolEnrolment.tenant_id == Tenant.id, SchoolEnrolment.school_year == year)
        .correlate(Tenant)
        .scalar_subquery()
    )

    def staff(kind: str) -> ColumnElement[int]:
        # The kind is counted, not filtered on: with `kind = ?` in the WHERE, SQLite (which has no
        # statistics unless ANALYZE ran) probes ix_staff_kind and reads every teacher of that kind
        # in the deployment once per school; this way tenant_id is the only indexable term.
        return (
            select(func.coalesce(func.sum(case((Staff.kind == kind, 1), else_=0)), 0))
            .where(Staff.tenant_id == Tenant.id, Staff.active)
            .correlate(Tenant)
            .scalar_subquery()
        )


    return (
        select(
            Tenant.id.label("tenant_id"),
            Tenant.path.label("path"),
            SchoolProfile.id.is_not(None).label("has_profile"),
            *care_facts(year),
            central.label("central_rank"),
            vocational.label("vocational"),
            _flag(SchoolProfile.independent).label("independent"),
            _flag(SchoolProfile.small_scale).label("small_scale"),
            SchoolProfile.cluster_centre_id.label("cluster_centre_id"),
            _exists(
                ModelSchoolRecognition,
                Tenant,
                ModelSchoolRecognition.tenant_id == Tenant.id,
                ModelSchoolRecognition.level.in_(MODEL_SCHOOL_LEVELS),
                recognised_at_year_end(year),
            ).label("model_school"),
            and_(or_(central, vocational), not_(covered_by_cluster)).label("station_required"),
            _exists(Hotline, Tenant, Hotline.tenant_id == Tenant.id, Hotline.status == "ACTIVE").label("hotline"),
            _exists(*station).label("station"),
            _exists(*station, *station_checks(standard).values()).label("station_standard"),
            staff("FULL_TIME").label("full_time"),
            staff("PART_TIME").label("part_time"),
            staff("HIRED_COUNSELLOR").label("counsellors"),
            students.label("students"),
            # Student-level facts (four special students, home-school work, mentorship).
            *student_facts.school_columns(year, standard),
            *course_school_columns(year),
        )
        .select_from(Tenant)
        .outerjoin(SchoolProfile, SchoolProfile.tenant_id == Tenant.id)
        .where(Tenant.kind == TenantKind.SCHOOL.value, *where)
    )


def _count(column: ColumnElement, *criteria: ColumnElement[bool], correlate: tuple[type, ...] = (Tenant,)) -> ColumnElement[int]:
    return select(func.count(column)).where(*criteria).correlate(*correlate).scalar_subquery()


def care_facts(year: object) -> list[ColumnElement]:
    """A school's screening, warning-network, referral and crisis-plan facts for school year `year`.

    They read student-level rows (SchoolPrivate), which the engine's counting statements may
    count across the subtree; no column carries anything but a count or a yes/no.
    """
    in_year = (ScreeningRound.tenant_id == Tenant.id, ScreeningRound.school_year == year)
    # The school's latest round of the year: the same order as the concern level of a file
    # (platform/students/screening.py latest_result_order).
    latest_round = (
        select(ScreeningRound.id)
        .where(*in_year)
        .order_by(ScreeningRound.held_on.desc(), ScreeningRound.id.desc())
        .limit(1)
        .correlate(Tenant)
        .scalar_subquery()
    )

    def at_level(level: str) -> ColumnElement[int]:
        return _count(
            ScreeningResult.id,
            ScreeningResult.tenant_id == Tenant.id,
            ScreeningResult.round_id == latest_round,
            ScreeningResult.level == level,
        )

    screened = (
        select(func.count(ScreeningResult.student_id.distinct()))
        .join(ScreeningRound, ScreeningRound.id == ScreeningResult.round_id)
        .where(ScreeningResult.tenant_id == Tenant.id, *in_year)
        .correlate(Tenant)
        .scalar_subquery()
    )
    # A round covers everyone when no active student of the school lacks a result in it.
    unscreened = (
        select(StudentFile.id)
        .where(
            StudentFile.tenant_id == Tenant.id,
            StudentFile.active,
            ~select(ScreeningResult.id)
            .where(ScreeningResult.round_id == ScreeningRound.id, ScreeningResult.student_id == StudentFile.id)
            .correlate(ScreeningRound, StudentFile)
            .exists(),
        )
        .correlate(Tenant, ScreeningRound)
        .exists()
    )
    unfollowed = (
        select(StudentFile.id)
        .where(
            StudentFile.tenant_id == Tenant.id,
            StudentFile.active,
            StudentFile.concern_level.in_(FOLLOWED_LEVELS),
            ~select(ConcernFollowUp.id)
            .where(ConcernFollowUp.student_id == StudentFile.id, ConcernFollowUp.ended_on.is_(None))
            .correlate(StudentFile)
            .exists(),
        )
        .correlate(Tenant)
        .exists()
    )
    return [
        _exists(ScreeningRound, Tenant, *in_year).label("screening_round"),
        _exists(ScreeningRound, Tenant, *in_year, ~unscreened).label("screening_done"),
        screened.label("students_screened"),
        at_level("MILD").label("concern_mild"),
        at_level("MODERATE").label("concern_moderate"),
        at_level("SEVERE").label("concern_severe"),
        not_(unfollowed).label("concern_followed"),
        _count(
            Referral.id, Referral.tenant_id == Tenant.id, Referral.state.in_(OPEN_REFERRAL_STATES), Referral.referred_year <= year
        ).label("referrals_open"),
        _count(
            Referral.id, Referral.tenant_id == Tenant.id, Referral.state == "RETURNED", Referral.certificate_year == year
        ).label("returned_with_certificate"),
        _exists(
            CrisisPlan, Tenant, CrisisPlan.tenant_id == Tenant.id, CrisisPlan.active, CrisisPlan.adopted_year <= year
        ).label("crisis_plan"),
    ]


def county_facts(*, year: int, standard: Standard, where: Sequence[ColumnElement[bool]]) -> Select:
    """One row per county tenant matching `where`; centres and hotlines are the county's own."""
    del year, standard  # county facts are current state, measured the same under every standard
    centre = (CounsellingCentre, Tenant, CounsellingCentre.tenant_id == Tenant.id, CounsellingCentre.status == "OPERATIONAL")
    return select(
        Tenant.id.label("tenant_id"),
        Tenant.path.label("path"),
        _exists(*centre).label("centre"),
        _exists(*centre, CounsellingCentre.volunteer_team_size > 0).label("volunteer_team"),
        _exists(Hotline, Tenant, Hotline.tenant_id == Tenant.id, Hotline.status == "ACTIVE").label("hotline"),
    ).where(Tenant.kind == TenantKind.COUNTY.value, *where)


# Each audience's bit in the teacher fact `audiences` (see teacher_facts).
AUDIENCE_BIT = {audience: 1 << i for i, audience in enumerate(AUDIENCES)}


def trained_for(facts: object, audience: str) -> ColumnElement[bool]:
    """Over a teacher facts row: completed a session for `audience` in the year (its bit is set)."""
    # Integer division and modulo are exact on both engines (the mask is an integer).
    return (facts.audiences / AUDIENCE_BIT[audience]) % 2 == 1  # type: ignore[attr-defined]


def teacher_facts(*, year: int, standard: Standard, where: Sequence[ColumnElement[bool]]) -> Select:
    """One row per active teacher (any of ALL_TEACHER_KINDS) of a tenant matching `where`.

    `kind` says which teacher it is: the mental-health teacher indicators keep to their own kinds
    (definitions.py), the all-teacher ones count every row.
    """
    del standard

    def completed_in_year(*columns: ColumnElement) -> Select:
        # Attendance carries the session's end year, so no ancestor-owned session row is read.
        return (
            select(*columns)
            .where(
                TrainingAttendance.staff_id == Staff.id,
                TrainingAttendance.completed,
                TrainingAttendance.credit_year == year,
            )
            .correlate(Staff)
        )

    credits = completed_in_year(func.coalesce(func.sum(TrainingAttendance.credits_awarded), 0)).scalar_subquery()
    columns: list[ColumnElement] = [
        Staff.id.label("staff_id"),
        Tenant.path.label("path"),
        Staff.kind.label("kind"),
        completed_in_year(TrainingAttendance.id).exists().label("trained"),
        # Float, not Numeric: the sum is a figure to divide, and SQLite has no decimals.
        cast(credits, Float).label("credits"),
    ]
    # --- training by audience: the audiences of the sessions completed in the year, one bit each
    # (AUDIENCE_BIT; read with `trained_for`). One probe of the attendance index per teacher, not
    # one per audience: SUM(DISTINCT bit) is the OR of the bits. The audience is copied onto the
    # attendance, like the year. definitions.py decides which audiences train which kind of
    # teacher (training/models.py AUDIENCE_KINDS).
    bit = case(*((TrainingAttendance.audience == audience, value) for audience, value in AUDIENCE_BIT.items()), else_=0)
    columns.append(completed_in_year(func.coalesce(func.sum(bit.distinct()), 0)).scalar_subquery().label("audiences"))
    # --- all-staff mentorship (student_facts.py).
    columns += student_facts.teacher_columns(year)
    return (
        select(*columns)
        .select_from(Staff)
        .join(Tenant, Tenant.id == Staff.tenant_id)
        .where(Staff.active, Staff.kind.in_(ALL_TEACHER_KINDS), *where)
    )


FAMILIES = {Unit.SCHOOL: school_facts, Unit.COUNTY: county_facts, Unit.TEACHER: teacher_facts}
# The tenant kind each family's units are (None: staff may belong to a tenant of any kind).
UNIT_KIND: dict[Unit, TenantKind | None] = {Unit.SCHOOL: TenantKind.SCHOOL, Unit.COUNTY: TenantKind.COUNTY, Unit.TEACHER: None}
# Classes are their school's units (courses.py).
FAMILIES[Unit.CLASS] = class_facts
UNIT_KIND[Unit.CLASS] = TenantKind.SCHOOL

