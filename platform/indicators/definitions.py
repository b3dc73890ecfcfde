"""Every indicator of domain.md, defined once: what it is, what it counts, the target it serves,
and the measure over its family's per-unit facts (see facts.py) that the engine aggregates."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, case, literal_column, not_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from runxin.platform.indicators.courses import adaptation_held, theme_months_held
from runxin.platform.indicators.facts import MODEL_SCHOOL_LEVELS, Unit
from runxin.platform.standards import Standard

# Inline constants keep the statements readable and their parameters few (asyncpg prepares them).
ONE, ZERO = literal_column("1"), literal_column("0")


class ValueKind(enum.StrEnum):
    RATIO = "RATIO"  # units meeting the condition / eligible units
    MEAN = "MEAN"  # an amount summed over eligible units / eligible units


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


def _class(hit: Callable[[object], ColumnElement[bool]], reported: Callable[[object], ColumnElement[bool]]) -> MeasureFn:
    # Every class of the school year is in the population; one without the data is not reported.
    return lambda f, std: ratio(true(), hit(f), reported=reported(f))


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
    # --- courses and activities (platform/courses), for the school year ---------------------------
    Indicator(
        code="CLASS_HOUR_COMPLIANCE",
        name="Class-hour compliance",
        name_zh="心理健康教育课时达标班级比例",
        description=(
            "Classes of the school year whose mental-health class hours meet the standard's norm (default 1 hour "
            "every 2 teaching weeks, seeds/001 §(三)1 and seeds/003 §四6; 2023-strict: 1 a week, seeds/000 §三(二)4) "
            "in every term recorded for them, over classes with at least one term recorded (a class with none is "
            "not reported)."
        ),
        unit=Unit.CLASS,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "Every class holds at least 1 mental-health class hour every 2 weeks."),),
        measure=_class(lambda f: not_(f.hours_short), lambda f: f.has_terms),
    ),
    Indicator(
        code="CLASS_MEETING_COMPLIANCE",
        name="Mental-health class-meeting compliance",
        name_zh="心理班会课达标班级比例",
        description=(
            "Classes of the school year that held a class-meeting hour on mental health for every month (4 teaching "
            "weeks) of every term recorded for them (seeds/001 §(三)4 \"每月1课时心理班会课\"), over classes with at "
            "least one term recorded."
        ),
        unit=Unit.CLASS,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "Every class holds 1 mental-health class meeting a month."),),
        measure=_class(lambda f: not_(f.meetings_short), lambda f: f.has_terms),
    ),
    Indicator(
        code="HEALTH_COMMITTEE_COMPLETE",
        name="Health committee completeness",
        name_zh="班级健康委员配齐率",
        description=(
            "Classes of the school year with at least 2 boy and 2 girl student health committee members, the "
            "class level of the four-level warning network (seeds/001 §(五)1 \"每班设男、女委员各2名\"), over "
            "classes whose committee counts are recorded."
        ),
        unit=Unit.CLASS,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "Two boy and two girl health committee members in every class."),),
        measure=_class(lambda f: f.committee_complete, lambda f: f.committee_reported),
    ),
    Indicator(
        code="THEME_MONTHS_HELD",
        name="Theme months held",
        name_zh="心理健康主题月活动开展率",
        description=(
            "Schools that held both theme months in the school year, the May mental-health education theme month "
            "and the October life-health theme month (seeds/001 §(三)4 \"重点打造5月心理健康教育主题月、10月生命"
            "健康主题月\"), over all schools."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "Every school holds the May and October theme months every school year."),),
        measure=_school(lambda f: true(), lambda f, std: theme_months_held(f)),
    ),
    Indicator(
        code="ADAPTATION_ACTIVITIES",
        name="Adaptation activities held",
        name_zh="入学适应心理活动开展率",
        description=(
            "Schools that held an adaptation lecture or activity at the start and another before the important "
            "exams of each term of the school year so far (seeds/001 §(三)1 \"每学期要在开学初和重要考试前至少开展1次"
            "\"): the autumn term always, the spring term once the school has recorded an activity held in it or "
            "term hours for it; over all schools."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "An adaptation activity at each term's start and before its important exams."),),
        measure=_school(lambda f: true(), lambda f, std: adaptation_held(f)),
    ),
    Indicator(
        code="PARENT_TRAINING_HELD",
        name="Parent training held",
        name_zh="家长心理健康知识培训开展率",
        description=(
            "Schools that trained parents in mental-health knowledge at least once in the school year (seeds/001 "
            "§(六)5 \"每年对家长开展至少1次心理健康知识培训\"), over all schools."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "Every school trains its parents at least once a year."),),
        measure=_school(lambda f: true(), lambda f, std: f.parent_training),
    ),
)

BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in INDICATORS}
