"""Every indicator of domain.md, defined once: what it is, what it counts, the target it serves,
and the measure over its family's per-unit facts (see facts.py) that the engine aggregates."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, case, literal_column, not_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from runxin.platform.indicators.courses import adaptation_held, theme_months_held
from runxin.platform.indicators.facts import Unit, trained_for
from runxin.platform.mentorship.models import MAX_MENTEES
from runxin.platform.staffing.models import ALL_TEACHER_KINDS, MENTAL_HEALTH_TEACHER_KINDS
from runxin.platform.standards import Standard
from runxin.platform.training.models import AUDIENCE_KINDS

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


def _with_files(eligible: Callable[[object], ColumnElement[bool]], hit: Callable[[object, Standard], ColumnElement[bool]]) -> MeasureFn:
    # A school that keeps no student file yet cannot be placed in or out of a student population
    # (has it four-special students?): it is a not-reported unit, as a school without a profile is.
    return lambda f, std: ratio(or_(f.students_on_file == 0, eligible(f)), hit(f, std), reported=f.students_on_file > 0)


def _student_count(counted: Callable[[object], ColumnElement[float]]) -> MeasureFn:
    # Summed over the schools that keep student files; a school with none has not reported.
    return lambda f, std: Measure(eligible=true(), numerator=counted(f), reported=f.students_on_file > 0)


def _unvisited(f, std: Standard) -> ColumnElement[int]:  # type: ignore[no-untyped-def]
    return f.students_unvisited_in_a_term if std.home_visit_every_term else f.students_unvisited_in_year


def _teacher_at_school(f) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    # "教师人人是导师" is about a school's teachers; a county centre's staff have no students.
    return and_(f.at_school, f.kind.in_(ALL_TEACHER_KINDS))


HOME_VISIT_SOURCE = (
    "Every student visited at home at least once a school year (seeds/001 §(六)5); under 2023-strict once a term "
    "(seeds/000 §三(二)5, seeds/002 §四(四)4)."
)
MENTORSHIP_SOURCE = "学生人人有导师、教师人人是导师 (seeds/002 §二, §四(二))."


def _mental_health_teacher(f) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    # The teacher family holds every teacher; these indicators keep to the mental-health teachers.
    return f.kind.in_(MENTAL_HEALTH_TEACHER_KINDS)


def _trained_for(f, *audiences: str) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """Completed a session in the year of a programme for one of `audiences`."""
    return or_(*(trained_for(f, audience) for audience in audiences))


def _trained_in_basics(f) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """Completed a session in the year of a programme meant for the teacher's kind (AUDIENCE_KINDS)."""
    return or_(*(and_(f.kind.in_(kinds), trained_for(f, audience)) for audience, kinds in AUDIENCE_KINDS.items()))


EVERY_TEACHER = "不漏一校、不漏一人: every teacher of every school trained (seeds/003 §四2), a standing target."


def _care_count(column: str, reported: str | None = None) -> MeasureFn:
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
        measure=_care_count(f"concern_{level.lower()}", reported="screening_round"),
        student_derived=True,
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
        measure=lambda f, std: ratio(_mental_health_teacher(f), f.trained),
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
        measure=lambda f, std: Measure(eligible=_mental_health_teacher(f), numerator=f.credits),
    ),
    # --- training of every teacher in mental-health basics (seeds/001 §(二)2, seeds/003 §四2) ---
    Indicator(
        code="HOMEROOM_TRAINING_COVERAGE",
        name="Homeroom teacher training coverage",
        name_zh="班主任心理健康教育培训覆盖率",
        description=(
            "Active homeroom teachers who completed, in the calendar year, a session of a programme for "
            "homeroom teachers or for all staff, over active homeroom teachers. seeds/003 §四2: homeroom "
            "teachers' training from city to county to school, \"不漏一校、不漏一人\"; seeds/001 §(二)2: "
            "mental-health basics in homeroom-teacher training."
        ),
        unit=Unit.TEACHER,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, EVERY_TEACHER),),
        measure=lambda f, std: ratio(f.kind == "HOMEROOM", _trained_for(f, "HOMEROOM_TEACHERS", "ALL_STAFF")),
    ),
    Indicator(
        code="PRINCIPAL_TRAINING_COVERAGE",
        name="Principal training coverage",
        name_zh="校长心理健康教育培训覆盖率",
        description=(
            "Active principals who completed, in the calendar year, a session of a programme for principals "
            "or for all staff, over active principals. seeds/001 §(二)2: mental-health basics in principals' "
            "qualification training (校长任职资格培训)."
        ),
        unit=Unit.TEACHER,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, EVERY_TEACHER),),
        measure=lambda f, std: ratio(f.kind == "PRINCIPAL", _trained_for(f, "PRINCIPALS", "ALL_STAFF")),
    ),
    Indicator(
        code="ALL_TEACHER_TRAINING_COVERAGE",
        name="All-teacher training coverage",
        name_zh="全体教师心理健康教育基础培训覆盖率",
        description=(
            "Active teachers of every kind (mental-health, homeroom and subject teachers, principals) who "
            "completed, in the calendar year, a session of a programme meant for their kind (mental-health "
            "teachers: theirs; homeroom teachers: theirs; principals: theirs; anyone: new-teacher induction or "
            "all-staff), over active teachers. seeds/001 §(二)2: mental-health basics in principals', "
            "homeroom teachers' and new teachers' training; seeds/003 §四2 \"不漏一校、不漏一人\"."
        ),
        unit=Unit.TEACHER,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, EVERY_TEACHER),),
        measure=lambda f, std: ratio(true(), _trained_in_basics(f)),
    ),
    Indicator(
        code="ALL_TEACHER_CREDITS_PER_TEACHER",
        name="Continuing-education credits per teacher, all teachers",
        name_zh="全体教师人均心理健康教育继续教育学分",
        description=(
            "Continuing-education credits awarded for completed sessions ending in the calendar year, of any "
            "audience, summed over active teachers of every kind, per teacher. seeds/003 §四2: homeroom "
            "training counts towards teachers' continuing-education credits (计入教师继续教育学分)."
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
        description=(
            "Schools with a model-school recognition of city level or above in force on 31 December of the "
            "year (granted by then, not revoked, not expired), over all schools. seeds/001 §二: "
            "市级及以上心理健康特色学校达到15%以上 by 2025."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(0.15, 2025, "15% of schools recognised as city-level-or-above model schools by 2025."),),
        measure=_school(lambda f: true(), lambda f, std: f.model_school),
    ),
    Indicator(
        code="FOUR_SPECIAL_STUDENTS",
        name="Four-special students on file",
        name_zh="“四特”学生人数",
        description=(
            "Active students whose file (一生一档) places them in at least one of the four special "
            "categories (family, psychological, behaviour, physical), summed over schools that keep "
            "student files; a school with no active file has not reported. seeds/000 §三(二)10: "
            "“学校每季度开展一次‘四特’学生全面排查，为‘四特’学生信息分类定级，实施‘一生一档’”. "
            "Above the school the figure is suppressed when small (platform/suppression.py)."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.COUNT,
        targets=(),
        measure=lambda f, std: Measure(eligible=true(), numerator=f.four_special_students, reported=f.students_on_file > 0),
        student_derived=True,
    ),
)

# Home-school work and all-staff mentorship: over schools (their student-level records), teachers,
# and student counts (suppressed above the school when small).
INDICATORS += (
    Indicator(
        code="HOME_VISIT_COVERAGE",
        name="Home visit coverage",
        name_zh="学生家访全覆盖学校占比",
        description=(
            "Schools keeping student files where every active student had an in-person home visit in the school year "
            "(seeds/001 §(六)5 班主任及任课教师团队每学年对每名学生至少开展1次家访); under 2023-strict, in each term "
            "so far (seeds/000 §三(二)5 每学期至少开展1次家访; seeds/002 §四(四)4), over schools keeping student files."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, HOME_VISIT_SOURCE),),
        measure=_with_files(lambda f: true(), lambda f, std: _unvisited(f, std) == 0),
    ),
    Indicator(
        code="FOUR_SPECIAL_MONTHLY",
        name="Monthly contact of four-special students",
        name_zh="“四特”学生每月家访落实学校占比",
        description=(
            "Schools with four-special (四特) students where every active one was contacted (a visit, call or online "
            "contact) in every month of the school year so far (seeds/000 §三(二)5 “四特”学生每月家访1次), over those "
            "schools; the months so far run to the latest month the school recorded a contact."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "Four-special students visited every month (seeds/000 §三(二)5)."),),
        measure=_with_files(lambda f: f.four_special_students > 0, lambda f, std: f.four_special_missed == 0),
    ),
    Indicator(
        code="MENTOR_STUDENT_COVERAGE",
        name="Mentor coverage of students",
        name_zh="学生人人有导师学校占比",
        description=(
            "Schools keeping student files where every active student has a mentor for the school year (seeds/002 §四(二) "
            "为每个学生配备导师), over schools keeping student files."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, MENTORSHIP_SOURCE),),
        measure=_with_files(lambda f: true(), lambda f, std: f.students_without_mentor == 0),
    ),
    Indicator(
        code="SERIOUS_CONCERN_TEAMS",
        name="Mentor teams for students of serious concern",
        name_zh="心理问题较严重学生导师团组建学校占比",
        description=(
            "Schools with active students at SEVERE concern where every one has a mentor team of at least 2 active staff "
            "including the homeroom teacher or a mental-health teacher (seeds/002 §四(二) 对心理问题较为严重的学生,"
            "学校要成立由班主任、教师妈妈、心理健康教师等组成的导师团), over those schools."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "A mentor team for every student of serious concern (seeds/002 §四(二))."),),
        measure=_with_files(lambda f: f.severe_students > 0, lambda f, std: f.severe_without_team == 0),
    ),
    Indicator(
        code="TEACHERS_MENTORING",
        name="Teachers mentoring",
        name_zh="教师人人是导师落实率",
        description=(
            "Active teachers of schools (every kind, school leaders included) mentoring at least one student in the "
            "school year (seeds/002 §二 教师人人是导师, §四(二) 所有教师原则上都要担任学生导师), over those teachers; "
            "the teachers of a school keeping no student file are not reported."
        ),
        unit=Unit.TEACHER,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, MENTORSHIP_SOURCE),),
        measure=lambda f, std: ratio(_teacher_at_school(f), f.mentees >= 1, reported=f.keeps_files),
    ),
    Indicator(
        code="MENTOR_LOAD_WITHIN_LIMIT",
        name="Mentors within the 1:15 limit",
        name_zh="导师配置比例不超过1:15达标率",
        description=(
            f"Active teachers of schools mentoring students in the school year who mentor at most {MAX_MENTEES} "
            "(seeds/002 §四(二) 导师与学生之间的配置比例原则上不超过1:15), over those mentors."
        ),
        unit=Unit.TEACHER,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "At most 15 students per mentor (seeds/002 §四(二))."),),
        measure=lambda f, std: ratio(and_(_teacher_at_school(f), f.mentees >= 1), f.mentees <= MAX_MENTEES),
    ),
    Indicator(
        code="HOMEROOM_MENTORING",
        name="Homeroom teachers mentoring",
        name_zh="班主任担任导师落实率",
        description=(
            "Active homeroom teachers of schools mentoring at least one student in the school year (seeds/002 §四(二) "
            "所有班主任都应担任部分学生的导师), over those homeroom teachers; those of a school keeping no student "
            "file are not reported."
        ),
        unit=Unit.TEACHER,
        value_kind=ValueKind.RATIO,
        targets=(Target(1.0, None, "Every homeroom teacher mentors students (seeds/002 §四(二))."),),
        measure=lambda f, std: ratio(and_(f.at_school, f.kind == "HOMEROOM"), f.mentees >= 1, reported=f.keeps_files),
    ),
    Indicator(
        code="STUDENTS_WITH_MENTOR",
        name="Students with a mentor",
        name_zh="有导师的学生数",
        description=(
            "Active students with a mentor for the school year (seeds/002 §四(二) 为每个学生配备导师), summed over "
            "schools keeping student files."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.COUNT,
        targets=(),
        measure=_student_count(lambda f: f.students_on_file - f.students_without_mentor),
        student_derived=True,
    ),
    Indicator(
        code="STUDENTS_VISITED",
        name="Students visited at home",
        name_zh="已家访学生数",
        description=(
            "Active students with at least one in-person home visit in the school year (seeds/001 §(六)5), summed over "
            "schools keeping student files."
        ),
        unit=Unit.SCHOOL,
        value_kind=ValueKind.COUNT,
        targets=(),
        measure=_student_count(lambda f: f.students_on_file - f.students_unvisited_in_year),
        student_derived=True,
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
        measure=_care_count("students_screened"),
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
        measure=_care_count("referrals_open"),
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
        measure=_care_count("returned_with_certificate"),
        student_derived=True,
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
