"""Every indicator of domain.md, defined once: what it is, what it counts, the target it serves,
and the measure over its family's per-unit facts (see facts.py) that the engine aggregates."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, case, literal_column, not_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from runxin.platform.indicators.facts import MODEL_SCHOOL_LEVELS, Unit
from runxin.platform.standards import Standard

# Inline constants keep the statements readable and their parameters few (asyncpg prepares them).
ONE, ZERO = literal_column("1"), literal_column("0")


class ValueKind(enum.StrEnum):
    RATIO = "RATIO"  # units meeting the condition / eligible units
    MEAN = "MEAN"  # an amount summed over eligible units / eligible units
    COUNT = "COUNT"  # the amount summed over reported eligible units (e.g. students at a level of concern)


@dataclass(frozen=True, slots=True)
class Target:
    """A value domain.md sets for the indicator, to reach by the end of `due_year` (None: standing)."""

    value: float
    due_year: int | None
    source: str


@dataclass(frozen=True, slots=True)
class Measure:
    """What one unit contributes: it is in the population (`eligible`), its data is there
    (`reported`, None for always), and the amount it adds to the numerator (1/0 for a ratio)."""

    eligible: ColumnElement[bool]
    numerator: ColumnElement[float]
    reported: ColumnElement[bool] | None = None


# A measure is built from the family's fact columns (`facts.c`) and the standard in force.
MeasureFn = Callable[[object, Standard], Measure]


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator: API-visible `code`, names, what it counts (`unit`), its kind and targets."""

    code: str
    name: str
    name_zh: str
    description: str
    unit: Unit
    value_kind: ValueKind
    targets: tuple[Target, ...]
    measure: MeasureFn
    # Counts students (or is a share of students): above the school its figures go through
    # small-count suppression (platform/suppression.py), and its facts read student-level rows
    # (SchoolPrivate) in the engine's counting statements.
    student_derived: bool = False


def ratio(eligible: ColumnElement[bool], hit: ColumnElement[bool], reported: ColumnElement[bool] | None = None) -> Measure:
    """A share of eligible units: each reported unit adds 1 when `hit`, else 0."""
    return Measure(eligible=eligible, numerator=case((hit, ONE), else_=ZERO), reported=reported)


def _school(eligible: Callable[[object], ColumnElement[bool]], hit: Callable[[object, Standard], ColumnElement[bool]]) -> MeasureFn:
    # A school without a profile cannot be placed in or out of any school population (rank, type
    # and model level are unknown): it is a not-reported unit of every school indicator, never a
    # silent zero and never silently dropped.
    return lambda f, std: ratio(or_(not_(f.has_profile), eligible(f)), hit(f, std), reported=f.has_profile)


def _staff_ratio_met(f, std: Standard) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    counted = f.full_time + f.part_time if std.ratio_counts_part_time else f.full_time
    return and_(
        # ceil(students / N) <= counted, without division: counted * N >= students.
        counted * std.students_per_full_time_teacher >= f.students,
        or_(f.students <= std.full_time_required_above, f.full_time >= 1),
    )


def _staff_ratio(f, std: Standard) -> Measure:  # type: ignore[no-untyped-def]
    # Schools without enrolment for the year are the not-reported units of this indicator.
    return ratio(
        or_(not_(f.has_profile), f.independent),
        _staff_ratio_met(f, std),
        reported=and_(f.has_profile, f.students.is_not(None)),
    )


def _student_count(column: str, reported: str | None = None) -> MeasureFn:
    # Every school is a unit of a student-derived count, profile or not: a count of students needs
    # no rank or type. A concern count of a school without a round in the year is not a zero but
    # unknown (not reported); students screened, referrals and returns are real zeros.
    return lambda f, std: Measure(
        eligible=true(), numerator=getattr(f, column), reported=None if reported is None else getattr(f, reported)
    )


SCREENING = "seeds/001 §(五)1 (每学年开展1次面向全体学生的心理健康筛查, 建立'一生一档')"
WARNING_NETWORK = "seeds/001 §(五)1 (四级预警网络; 一名教师挂点帮扶1至2名需重点关注学生)"
REFERRAL = "seeds/001 §(五)3 (转介到综合医院的专科或专科医院, 建立跟踪反馈制度)"
RETURN = "seeds/001 §(六)5 (由专业医院出具相关证明方可复学)"
CRISIS_PLAN = "seeds/001 §(五)2 (指导各学校制定心理危机紧急处置预案)"


def _concern(level: str) -> Indicator:
    return Indicator(
        code=f"CONCERN_{level}",
        name=f"Students at {level.lower()} concern",
        name_zh={"MILD": "筛查轻度关注学生数", "MODERATE": "筛查中度关注学生数", "SEVERE": "筛查重度关注学生数"}[level],
        description=(
            f"Students the school's latest screening round of the school year placed at {level} concern (a school "
            f"without a round in the year is not reported). {SCREENING}."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.COUNT,
        targets=(),
        measure=_student_count(f"concern_{level.lower()}", reported="screening_round"),
        student_derived=True,
    )


EVERY_COUNTY_2023 = "A counselling centre, hotline and volunteer team in every county by 2023."
EVERY_CENTRAL_2023 = "A station, hotline, counsellor and teacher in every central school and above by 2023."

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        code="CENTRE_COVERAGE",
        name="Counselling centre coverage",
        name_zh="县级青少年健康成长辅导中心覆盖率",
        description="Counties with an operational youth healthy-growth counselling centre, over all counties.",
        unit=Unit.COUNTY,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, 2023, EVERY_COUNTY_2023),),
        measure=lambda f, std: ratio(true(), f.centre),
    ),
    Indicator(
        code="COUNTY_HOTLINE_COVERAGE",
        name="County hotline coverage",
        name_zh="县级心理援助热线覆盖率",
        description="Counties with an active psychological-aid hotline of their own, over all counties.",
        unit=Unit.COUNTY,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, 2023, EVERY_COUNTY_2023),),
        measure=lambda f, std: ratio(true(), f.hotline),
    ),
    Indicator(
        code="VOLUNTEER_TEAM_COVERAGE",
        name="Volunteer team coverage",
        name_zh="心理援助志愿者队伍覆盖率",
        description="Counties whose operational centre has a volunteer team (size above 0), over all counties.",
        unit=Unit.COUNTY,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, 2023, EVERY_COUNTY_2023),),
        measure=lambda f, std: ratio(true(), f.volunteer_team),
    ),
    Indicator(
        code="SCHOOL_HOTLINE_COVERAGE",
        name="School hotline coverage",
        name_zh="中心校以上学校心理援助热线覆盖率",
        description="Schools of central-school rank and above with an active hotline, over those schools.",
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, 2023, EVERY_CENTRAL_2023),),
        measure=_school(lambda f: f.central_rank, lambda f, std: f.hotline),
    ),
    Indicator(
        code="STATION_COVERAGE",
        name="Counselling station coverage",
        name_zh="阳光辅导站（心理辅导室）建设率",
        description=(
            "Schools that must have a station (central rank and above, or vocational; a small school "
            "covered by its cluster centre school is exempt) with an operational sunshine station or "
            "counselling room, over those schools."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, 2023, EVERY_CENTRAL_2023),),
        measure=_school(lambda f: f.station_required, lambda f, std: f.station),
    ),
    Indicator(
        code="STATION_STANDARD_RATE",
        name="Standard station rate",
        name_zh="心理辅导室标准化建设达标率",
        description=(
            "Schools that must have a station whose operational station meets the standard (room area, "
            "weekly open hours, individual counselling, assessment and sandplay), over those schools."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, 2023, "A standardised station in every central school and above and every vocational school by 2023."),),
        measure=_school(lambda f: f.station_required, lambda f, std: f.station_standard),
    ),
    Indicator(
        code="FULL_TIME_TEACHER_COVERAGE",
        name="Full-time teacher coverage",
        name_zh="专职心理健康教育教师配备率",
        description="Independent schools with at least one active full-time mental-health teacher, over independent schools.",
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(
            Target(0.8, 2025, "Full-time teacher coverage of 80% of schools by 2025."),
            Target(1.0, 2026, "Full-time teacher coverage of 100% of schools by 2026."),
        ),
        measure=_school(lambda f: f.independent, lambda f, std: f.full_time >= 1),
    ),
    Indicator(
        code="STAFF_RATIO_COMPLIANCE",
        name="Staff ratio compliance",
        name_zh="心理健康教育教师师生比达标率",
        description=(
            "Independent schools with enrolment reported for the school year whose mental-health teachers "
            "meet 1 per 800 students (and at least one full-time teacher above 800 students), over "
            "independent schools with enrolment reported."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "Full-time teachers at 1 per 800 students in every independent school."),),
        measure=_staff_ratio,
    ),
    Indicator(
        code="COUNSELLOR_COVERAGE",
        name="Professional counsellor coverage",
        name_zh="中心校以上学校专业心理咨询师配备率",
        description="Schools of central-school rank and above with an active hired professional counsellor, over those schools.",
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, 2023, EVERY_CENTRAL_2023),),
        measure=_school(lambda f: f.central_rank, lambda f, std: f.counsellors >= 1),
    ),
    Indicator(
        code="TRAINING_COVERAGE",
        name="Teacher training coverage",
        name_zh="心理健康教育教师年度培训覆盖率",
        description=(
            "Active full-time and part-time mental-health teachers who completed at least one training "
            "session ending in the calendar year, over those teachers."
        ),
        unit=Unit.TEACHER,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "Every county trains all full-time and part-time teachers every year."),),
        measure=lambda f, std: ratio(true(), f.trained),
    ),
    Indicator(
        code="CREDITS_PER_TEACHER",
        name="Continuing-education credits per teacher",
        name_zh="教师人均继续教育学分",
        description=(
            "Continuing-education credits awarded for completed sessions ending in the calendar year, "
            "summed over active full-time and part-time teachers, per teacher."
        ),
        unit=Unit.TEACHER,
        value_kind=ValueKind.MEAN,
        targets=(),
        measure=lambda f, std: Measure(eligible=true(), numerator=f.credits),
    ),
    Indicator(
        code="MODEL_SCHOOL_SHARE",
        name="Model school share",
        name_zh="市级以上心理健康特色学校占比",
        description="Schools recognised as mental-health model schools at city level or above, over all schools.",
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(0.15, 2025, "15% of schools recognised as city-level-or-above model schools by 2025."),),
        measure=_school(lambda f: true(), lambda f, std: f.model_school_level.in_(MODEL_SCHOOL_LEVELS)),
    ),
    Indicator(
        code="SCREENING_DONE",
        name="Screening of all students",
        name_zh="全体学生心理健康筛查完成率",
        description=(
            "Schools with a screening round in the school year that has a result for every active student on file, "
            f"over all schools. {SCREENING}."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "Every school screens all its students once a school year."),),
        measure=_school(lambda f: true(), lambda f, std: f.screening_done),
    ),
    Indicator(
        code="CONCERN_FOLLOWED",
        name="Students of concern followed",
        name_zh="重点关注学生教师挂点帮扶落实率",
        description=(
            "Schools where every active student at MODERATE or SEVERE concern is followed by a teacher (an open "
            f"follow-up), over all schools (a school without such students meets it). {WARNING_NETWORK}."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "A teacher follows every student of concern."),),
        measure=_school(lambda f: true(), lambda f, std: f.concern_followed),
    ),
    Indicator(
        code="CRISIS_PLAN_IN_PLACE",
        name="Crisis intervention plan in place",
        name_zh="心理危机紧急处置预案制定率",
        description=(
            f"Schools with an active crisis intervention plan adopted by the end of the school year, over all schools. {CRISIS_PLAN}."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "Every school has a psychological-crisis emergency plan."),),
        measure=_school(lambda f: true(), lambda f, std: f.crisis_plan),
    ),
    Indicator(
        code="STUDENTS_SCREENED",
        name="Students screened",
        name_zh="心理健康筛查学生数",
        description=f"Students with a result in any of the school's screening rounds of the school year. {SCREENING}.",
        unit=Unit.SCHOOL,
        value_kind=ValueKind.COUNT,
        targets=(),
        measure=_student_count("students_screened"),
        student_derived=True,
    ),
    _concern("MILD"),
    _concern("MODERATE"),
    _concern("SEVERE"),
    Indicator(
        code="REFERRALS_OPEN",
        name="Open hospital referrals",
        name_zh="转介就医中学生数",
        description=(
            "Referrals made by the end of the school year that are still REFERRED or IN_TREATMENT (at the time of "
            f"computing). {REFERRAL}."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.COUNT,
        targets=(),
        measure=_student_count("referrals_open"),
        student_derived=True,
    ),
    Indicator(
        code="RETURNED_WITH_CERTIFICATE",
        name="Returns to school with a certificate",
        name_zh="凭医院证明复学学生数",
        description=f"Referrals RETURNED whose hospital certificate was received in the school year. {RETURN}.",
        unit=Unit.SCHOOL,
        value_kind=ValueKind.COUNT,
        targets=(),
        measure=_student_count("returned_with_certificate"),
        student_derived=True,
    ),
)

BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in INDICATORS}
