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

from sqlalchemy import Float, Select, and_, case, cast, false, func, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from runxin.platform.centres.models import CounsellingCentre
from runxin.platform.hotlines.models import Hotline
from runxin.platform.indicators.courses import class_facts, course_school_columns
from runxin.platform.schools.models import SchoolEnrolment, SchoolProfile
from runxin.platform.staffing.models import Staff
from runxin.platform.standards import Standard
from runxin.platform.stations.models import Station
from runxin.platform.training.models import TrainingAttendance
from runxin.platform.tree.models import Tenant, TenantKind


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
MODEL_SCHOOL_LEVELS = ("CITY", "PROVINCE", "NATIONAL")
TEACHER_KINDS = ("FULL_TIME", "PART_TIME")


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
            central.label("central_rank"),
            vocational.label("vocational"),
            _flag(SchoolProfile.independent).label("independent"),
            _flag(SchoolProfile.small_scale).label("small_scale"),
            SchoolProfile.cluster_centre_id.label("cluster_centre_id"),
            func.coalesce(SchoolProfile.model_school_level, "NONE").label("model_school_level"),
            and_(or_(central, vocational), not_(covered_by_cluster)).label("station_required"),
            _exists(Hotline, Tenant, Hotline.tenant_id == Tenant.id, Hotline.status == "ACTIVE").label("hotline"),
            _exists(*station).label("station"),
            _exists(*station, *station_checks(standard).values()).label("station_standard"),
            staff("FULL_TIME").label("full_time"),
            staff("PART_TIME").label("part_time"),
            staff("HIRED_COUNSELLOR").label("counsellors"),
            students.label("students"),
            *course_school_columns(year),
        )
        .select_from(Tenant)
        .outerjoin(SchoolProfile, SchoolProfile.tenant_id == Tenant.id)
        .where(Tenant.kind == TenantKind.SCHOOL.value, *where)
    )


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


def teacher_facts(*, year: int, standard: Standard, where: Sequence[ColumnElement[bool]]) -> Select:
    """One row per active full-time or part-time staff member of a tenant matching `where`."""
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
    return (
        select(
            Staff.id.label("staff_id"),
            Tenant.path.label("path"),
            completed_in_year(TrainingAttendance.id).exists().label("trained"),
            # Float, not Numeric: the sum is a figure to divide, and SQLite has no decimals.
            cast(credits, Float).label("credits"),
        )
        .select_from(Staff)
        .join(Tenant, Tenant.id == Staff.tenant_id)
        .where(Staff.active, Staff.kind.in_(TEACHER_KINDS), *where)
    )


FAMILIES = {Unit.SCHOOL: school_facts, Unit.COUNTY: county_facts, Unit.TEACHER: teacher_facts}
# The tenant kind each family's units are (None: staff may belong to a tenant of any kind).
UNIT_KIND: dict[Unit, TenantKind | None] = {Unit.SCHOOL: TenantKind.SCHOOL, Unit.COUNTY: TenantKind.COUNTY, Unit.TEACHER: None}
# Classes are their school's units (courses.py).
FAMILIES[Unit.CLASS] = class_facts
UNIT_KIND[Unit.CLASS] = TenantKind.SCHOOL

