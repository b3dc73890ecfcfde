"""The courses domain's facts (facts.py wires them in) and the school gaps its rules give.

- The class family (`Unit.CLASS`): one row per class of the school year, with whether its recorded
  terms meet the class-hour and class-meeting norms of the standard (platform/courses/norms.py
  says the same in Python) and whether its health committee is complete.
- School columns: which of the school year's activities the school held, added to the school
  family's row.

Correlated EXISTS probes throughout, as in facts.py (see its docstring for why), each selecting an
ORM-mapped column so that the scoping hook reaches it.

What a missing record means:
- a class with no term hours recorded is a not-reported unit of the class-hour and class-meeting
  indicators; a class with some terms recorded is judged on those terms (every one must meet the
  norm), so a class in its first term is not failed for a term not yet taught;
- a class whose committee counts are not recorded (either gender null) is not reported;
- an activity not recorded was not held: the school indicators are real zeros, never not reported
  (a school without a profile excepted, as for every school indicator).

The adaptation rule (seeds/001 §(三)1: every term, at its start and before its important exams)
over "the terms of the school year so far", defined without a clock so that a stored figure never
goes stale on a quiet day: the autumn term always counts (the school year begins with it), and the
spring term counts once the school has recorded anything in it: an activity held in it, or term
hours of one of its classes for it (neither can be recorded before the term begins).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, Integer, Select, and_, func, literal_column, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from runxin.platform.courses.models import ClassTermHours, SchoolActivity, SchoolClass
from runxin.platform.courses.norms import WEEKS_PER_MONTH
from runxin.platform.standards import Standard
from runxin.platform.tree.models import Tenant, TenantKind

# The school columns the course indicators read, by name (course_school_columns labels them so).
THEME_MONTHS = {"theme_may": "THEME_MONTH_MENTAL_HEALTH", "theme_october": "THEME_MONTH_LIFE_HEALTH"}
ADAPTATION = {
    "adaptation_t1_start": ("ADAPTATION_TERM_START", 1),
    "adaptation_t1_exam": ("ADAPTATION_PRE_EXAM", 1),
    "adaptation_t2_start": ("ADAPTATION_TERM_START", 2),
    "adaptation_t2_exam": ("ADAPTATION_PRE_EXAM", 2),
}


def _number(value: float | int) -> Any:
    # Inline: the standard's figures are constants of the statement (see definitions.ONE); typed, so
    # that an integer over an integer is integer division on both engines (no FLOOR, which SQLite
    # lacks unless built with its math functions).
    return literal_column(repr(value), type_=Integer if isinstance(value, int) else Float)


def hours_short(standard: Standard) -> ColumnElement[bool]:
    """A ClassTermHours row below the class-hour norm: hours < weeks × hours per week."""
    per_week = _number(float(standard.class_hours_per_week_required))
    return ClassTermHours.mental_health_hours < ClassTermHours.teaching_weeks * per_week


def meetings_short(standard: Standard) -> ColumnElement[bool]:
    """A ClassTermHours row below the class-meeting norm: meetings < complete months × meetings per month."""
    # Integer division on both engines: the columns are integers.
    months = ClassTermHours.teaching_weeks // _number(WEEKS_PER_MONTH)
    return ClassTermHours.class_meeting_hours < months * _number(int(standard.class_meeting_hours_per_month))


def class_facts(*, year: Any, standard: Standard, where: Sequence[ColumnElement[bool]]) -> Select:
    """One row per class of school year `year` of a school tenant matching `where` (criteria on Tenant)."""

    def terms(*criteria: ColumnElement[bool]) -> ColumnElement[bool]:
        statement = select(ClassTermHours.id).where(ClassTermHours.class_id == SchoolClass.id, *criteria)
        return statement.correlate(SchoolClass).exists()

    per_gender = _number(int(standard.health_committee_per_gender))
    boys, girls = SchoolClass.health_committee_boys, SchoolClass.health_committee_girls
    return (
        select(
            SchoolClass.id.label("class_id"),
            Tenant.path.label("path"),
            terms().label("has_terms"),
            terms(hours_short(standard)).label("hours_short"),
            terms(meetings_short(standard)).label("meetings_short"),
            and_(boys.is_not(None), girls.is_not(None)).label("committee_reported"),
            # Never NULL (see facts._flag): a NULL count is "not reported", handled above.
            and_(func.coalesce(boys, 0) >= per_gender, func.coalesce(girls, 0) >= per_gender).label("committee_complete"),
        )
        .select_from(SchoolClass)
        .join(Tenant, Tenant.id == SchoolClass.tenant_id)
        .where(SchoolClass.school_year == year, Tenant.kind == TenantKind.SCHOOL.value, *where)
    )


def course_school_columns(year: Any) -> list[ColumnElement[bool]]:
    """The school family's course columns: each activity the school held in school year `year`."""

    def held(*criteria: ColumnElement[bool]) -> ColumnElement[bool]:
        return (
            select(SchoolActivity.id)
            .where(SchoolActivity.tenant_id == Tenant.id, SchoolActivity.school_year == year, *criteria)
            .correlate(Tenant)
            .exists()
        )

    spring_hours = (
        select(ClassTermHours.id)
        .join(SchoolClass, SchoolClass.id == ClassTermHours.class_id)
        # A class's terms are its own school year's (the service refuses others): T2 is {year}T2.
        .where(SchoolClass.tenant_id == Tenant.id, SchoolClass.school_year == year, ClassTermHours.term.like("%T2"))
        .correlate(Tenant)
        .exists()
    )
    columns = [held(SchoolActivity.kind == kind).label(name) for name, kind in THEME_MONTHS.items()]
    columns += [
        held(SchoolActivity.kind == kind, SchoolActivity.term == term).label(name) for name, (kind, term) in ADAPTATION.items()
    ]
    columns.append(or_(held(SchoolActivity.term == 2), spring_hours).label("spring_begun"))
    columns.append(held(SchoolActivity.kind == "PARENT_TRAINING").label("parent_training"))
    return columns


# --- the measures' conditions, over a family's fact columns -------------------------------------


def theme_months_held(f: Any) -> ColumnElement[bool]:
    return and_(f.theme_may, f.theme_october)


def adaptation_held(f: Any) -> ColumnElement[bool]:
    autumn = and_(f.adaptation_t1_start, f.adaptation_t1_exam)
    return and_(autumn, or_(not_(f.spring_begun), and_(f.adaptation_t2_start, f.adaptation_t2_exam)))
