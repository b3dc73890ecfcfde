"""Course rules: what a valid class, term of class hours and school activity record is.

- A class belongs to a school and a school year, in a grade the school's stages teach; its name is
  unique in the school year; its homeroom teacher (optional) is a staff member of the same school.
- A class's term hours are for a term (2025T1 / 2025T2) of the class's own school year that has
  begun, for at most the weeks the term has run.
- An activity is dated, never in the future; the May theme month is held in May and October's in
  October (seeds/001 §(三)4); an adaptation activity falls in a term (seeds/001 §(三)1: one at each
  term's start and before its important exams), so not in August.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.courses.models import ACTIVITY_KINDS, ClassTermHours, SchoolActivity, SchoolClass
from runxin.platform.courses.terms import school_year_of, term_of, weeks_elapsed, weeks_in
from runxin.platform.errors import Invalid
from runxin.platform.periods import check_period, normalise_period
from runxin.platform.records import create_record, get_record, record_values, update_record, upsert_record
from runxin.platform.schools.models import SchoolProfile
from runxin.platform.staffing.models import Staff
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.services import get_tenant
from runxin.platform.validation import Checks, split_codes

OWNER_KINDS = ("SCHOOL",)
FIRST_SCHOOL_YEAR = 2000
MAX_CLASS_STUDENTS = 150
MAX_COMMITTEE_MEMBERS = 20  # of one gender in one class
MAX_PARTICIPANTS = 50_000
# Mental-health class hours per teaching week at most: one a school day.
MAX_HOURS_PER_WEEK = 5
# At most one class meeting (班会) a week.
MAX_MEETINGS_PER_WEEK = 1

# Grades each stage teaches. Junior from grade 6: under the 五四制 primary school is grades 1-5.
STAGE_GRADES: dict[str, frozenset[int]] = {
    "PRIMARY": frozenset(range(1, 7)),
    "JUNIOR": frozenset(range(6, 10)),
    "SENIOR": frozenset(range(10, 13)),
    "VOCATIONAL": frozenset(range(10, 13)),
    "SPECIAL": frozenset(range(1, 13)),
    "KINDERGARTEN": frozenset(),
}
# Without stages in the profile, the grades the school category (the code's first two digits) teaches.
CATEGORY_GRADES: dict[str, frozenset[int]] = {
    "11": frozenset(),
    "21": STAGE_GRADES["PRIMARY"],
    "22": STAGE_GRADES["PRIMARY"],
    "31": STAGE_GRADES["JUNIOR"],
    "32": STAGE_GRADES["JUNIOR"],
    "33": STAGE_GRADES["JUNIOR"],
    "34": STAGE_GRADES["JUNIOR"] | STAGE_GRADES["SENIOR"],  # senior and complete secondary
    "35": STAGE_GRADES["SENIOR"],
    "36": STAGE_GRADES["VOCATIONAL"],
    "37": STAGE_GRADES["JUNIOR"] | STAGE_GRADES["SENIOR"],
    "51": STAGE_GRADES["SPECIAL"],
}
ALL_GRADES = frozenset(range(1, 13))

THEME_MONTHS = {"THEME_MONTH_MENTAL_HEALTH": (5, "May"), "THEME_MONTH_LIFE_HEALTH": (10, "October")}
TERM_KINDS = ("ADAPTATION_TERM_START", "ADAPTATION_PRE_EXAM")
# Set by the service from held_on, never by a caller.
DERIVED = ("school_year", "term")


# --- classes ---------------------------------------------------------------------------------


def grades_of(stages: str | None, category: str) -> frozenset[int]:
    """The grades a school teaches: its stages' (profile), else its category's."""
    codes = [code for code in split_codes(stages or "") if code in STAGE_GRADES]
    if codes:
        return frozenset().union(*(STAGE_GRADES[code] for code in codes))
    return CATEGORY_GRADES.get(category, ALL_GRADES)


def _span(grades: frozenset[int]) -> str:
    return f"grades {min(grades)}-{max(grades)}" if grades else "no grade 1-12"


def validate_class(
    values: Mapping[str, Any],
    tenant: Tenant,
    *,
    today: dt.date | None = None,
    grades: frozenset[int] = ALL_GRADES,
    homeroom: Staff | None = None,
    homeroom_set: bool = False,
    name_taken: bool = False,
    has_other_year_hours: bool = False,
) -> None:
    """Raise Invalid/InvalidMany unless `values` describe a possible class of school `tenant`.

    `grades` are the grades the school teaches, `homeroom` the staff row homeroom_staff_id names
    (`homeroom_set`: it is being set now), `name_taken` whether another class of the school year
    has the name, `has_other_year_hours` whether the class has term hours outside the school year.
    """
    today = today or dt.date.today()
    checks = Checks(values)
    checks.required("school_year", "grade", "name")
    checks.text("name", max_length=50, label="Name")
    latest = school_year_of(today) + 1  # the year under way, or the next one being planned
    checks.number("school_year", minimum=FIRST_SCHOOL_YEAR, maximum=latest, label="School year")
    grade = values.get("grade")
    if grade is not None and not 1 <= grade <= 12:
        checks.fail("grade", "GRADE_OUT_OF_RANGE", f"Grade {grade} does not exist; use 1 (一年级) to 12 (高三).")
    elif grade is not None and grade not in grades:
        checks.fail(
            "grade",
            "GRADE_NOT_TAUGHT",
            f"{tenant.name or tenant.code} teaches {_span(grades)} (by its stages, or its school category when the "
            f"profile names none); grade {grade} is not one of them. Fix the grade, or the school profile's stages.",
        )
    checks.number("students", minimum=0, maximum=MAX_CLASS_STUDENTS, label="Students")
    for gender in ("boys", "girls"):
        label = f"{gender[:-1].title()} health committee members"
        checks.number(f"health_committee_{gender}", minimum=0, maximum=MAX_COMMITTEE_MEMBERS, label=label)
    failed = {e.field for e in checks.errors}
    boys, girls, students = values.get("health_committee_boys"), values.get("health_committee_girls"), values.get("students")
    if students is not None and not failed & {"students", "health_committee_boys", "health_committee_girls"}:
        members = (boys or 0) + (girls or 0)
        if members > students:
            checks.fail(
                "health_committee_boys" if boys else "health_committee_girls",
                "COMMITTEE_EXCEEDS_STUDENTS",
                f"{members} health committee members in a class of {students} students; they are students of the class, "
                "so fix either count.",
            )
    if name_taken:
        checks.fail(
            "name",
            "DUPLICATE_CLASS_NAME",
            f"{tenant.name or tenant.code} already has a class named {str(values.get('name')).strip()!r} in school year "
            f"{values.get('school_year')}; change that class instead, or name this one differently.",
        )
    if homeroom is not None:
        if homeroom.tenant_id != tenant.id:
            checks.fail(
                "homeroom_staff_id",
                "HOMEROOM_OTHER_SCHOOL",
                "The homeroom teacher must be a staff member of the class's own school; record the teacher there first.",
            )
        elif homeroom_set and not homeroom.active:
            checks.fail(
                "homeroom_staff_id",
                "HOMEROOM_INACTIVE",
                "That staff member is no longer active; choose an active teacher, or mark the teacher active again.",
            )
    if has_other_year_hours:
        checks.fail(
            "school_year",
            "CLASS_HAS_TERM_HOURS",
            "The class has term hours recorded for its present school year, which would then lie outside it; record a "
            "new class for the other school year instead (classes move up a grade each year).",
        )
    checks.raise_if_any()


def _clean_class(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if isinstance(values.get("name"), str):
        values["name"] = values["name"].strip()
    return values


async def _allowed_grades(session: AsyncSession, tenant: Tenant) -> frozenset[int]:
    statement = select(SchoolProfile.stages).where(SchoolProfile.tenant_id == tenant.id)
    stages = (await session.execute(statement)).scalar_one_or_none()
    return grades_of(stages, tenant.code[:2])


async def _homeroom(session: AsyncSession, staff_id: uuid.UUID | None) -> Staff | None:
    if staff_id is None:
        return None
    # Through the scoped session: a teacher outside the caller's subtree is simply not found.
    return await get_record(session, Staff, staff_id, field="homeroom_staff_id")


async def _name_taken(
    session: AsyncSession, tenant_id: uuid.UUID, values: Mapping[str, Any], except_id: uuid.UUID | None
) -> bool:
    name, year = values.get("name"), values.get("school_year")
    if not isinstance(name, str) or year is None:
        return False
    statement = select(SchoolClass.id).where(
        SchoolClass.tenant_id == tenant_id, SchoolClass.school_year == year, SchoolClass.name == name
    )
    if except_id is not None:
        statement = statement.where(SchoolClass.id != except_id)
    return (await session.execute(statement.limit(1))).first() is not None


async def create_class(session: AsyncSession, *, tenant_id: uuid.UUID, values: Mapping[str, Any]) -> SchoolClass:
    """Record a class of school `tenant_id`."""
    values = _clean_class(values)
    tenant = await get_tenant(session, tenant_id)
    validate = functools.partial(
        validate_class,
        grades=await _allowed_grades(session, tenant),
        homeroom=await _homeroom(session, values.get("homeroom_staff_id")),
        homeroom_set=True,
        name_taken=await _name_taken(session, tenant.id, values, None),
    )
    return await create_record(
        session, SchoolClass, tenant_id=tenant.id, values=values, owner_kinds=OWNER_KINDS, validate=validate
    )


async def update_class(session: AsyncSession, class_id: uuid.UUID, changes: Mapping[str, Any]) -> SchoolClass:
    """Change a class; only the fields given change."""
    changes = _clean_class(changes)
    record = await get_record(session, SchoolClass, class_id)
    tenant = await get_tenant(session, record.tenant_id)
    merged = {**record_values(record), **changes}
    year_moves = "school_year" in changes and changes["school_year"] != record.school_year
    validate = functools.partial(
        validate_class,
        grades=await _allowed_grades(session, tenant),
        homeroom=await _homeroom(session, merged.get("homeroom_staff_id")),
        homeroom_set="homeroom_staff_id" in changes and changes["homeroom_staff_id"] != record.homeroom_staff_id,
        name_taken=await _name_taken(session, tenant.id, merged, record.id),
        has_other_year_hours=year_moves and await _has_term_hours(session, record.id),
    )
    return await update_record(session, SchoolClass, record.id, changes=changes, validate=validate)


async def _has_term_hours(session: AsyncSession, class_id: uuid.UUID) -> bool:
    statement = select(ClassTermHours.id).where(ClassTermHours.class_id == class_id).limit(1)
    return (await session.execute(statement)).first() is not None


# --- term hours ------------------------------------------------------------------------------


def validate_term_hours(
    values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None, school_class: SchoolClass | None = None
) -> None:
    """Raise unless `values` are one term's class hours of `school_class`."""
    today = today or dt.date.today()
    checks = Checks(values)
    period = check_period(checks, "term", today=today)
    if any(e.field == "term" for e in checks.errors):
        period = None  # one problem with the term at a time: a future one is not also in the wrong year
    if period is not None and period.kind != "TERM":
        checks.fail("term", "NOT_A_TERM", f"{period.id} is not a term; write the term as 2025T1 (autumn) or 2025T2 (spring).")
        period = None
    elif period is not None and school_class is not None and int(period.id[:4]) != school_class.school_year:
        year = school_class.school_year
        checks.fail(
            "term",
            "TERM_OUTSIDE_SCHOOL_YEAR",
            f"The class is of school year {year}-{year + 1}, whose terms are {year}T1 and {year}T2; {period.id} is not one "
            "of them. Record it for the class of that school year.",
        )
        period = None
    checks.required("teaching_weeks", "mental_health_hours", "class_meeting_hours")
    weeks_max = weeks_in(period) if period is not None else 26
    checks.number("teaching_weeks", minimum=1, maximum=weeks_max, label="Teaching weeks")
    weeks = values.get("teaching_weeks")
    if period is not None and weeks is not None and "teaching_weeks" not in {e.field for e in checks.errors}:
        elapsed = weeks_elapsed(period, today)
        if weeks > elapsed:
            checks.fail(
                "teaching_weeks",
                "TEACHING_WEEKS_AHEAD",
                f"Term {period.id} began on {period.start.isoformat()}: {elapsed} week{'s' * (elapsed != 1)} so far, "
                f"not {weeks}; record the weeks taught up to now (and update them as the term goes on).",
            )
    if weeks is not None and "teaching_weeks" not in {e.field for e in checks.errors}:
        checks.number("mental_health_hours", minimum=0, maximum=weeks * MAX_HOURS_PER_WEEK, label="Mental-health class hours")
        checks.number("class_meeting_hours", minimum=0, maximum=weeks * MAX_MEETINGS_PER_WEEK, label="Class-meeting hours")
    else:
        checks.number("mental_health_hours", minimum=0, label="Mental-health class hours")
        checks.number("class_meeting_hours", minimum=0, label="Class-meeting hours")
    checks.raise_if_any()


async def record_term_hours(
    session: AsyncSession,
    class_id: uuid.UUID,
    term: str | None,
    teaching_weeks: int | None,
    mental_health_hours: int | None,
    class_meeting_hours: int | None,
) -> ClassTermHours:
    """Set a class's hours for one term, replacing what was recorded for it before."""
    school_class = await get_record(session, SchoolClass, class_id, field="class_id")
    return await upsert_record(
        session,
        ClassTermHours,
        key={"class_id": school_class.id, "term": normalise_period(term) if term is not None else None},
        tenant_id=school_class.tenant_id,
        values={
            "teaching_weeks": teaching_weeks,
            "mental_health_hours": mental_health_hours,
            "class_meeting_hours": class_meeting_hours,
        },
        owner_kinds=OWNER_KINDS,
        validate=functools.partial(validate_term_hours, school_class=school_class),
    )


# --- activities ------------------------------------------------------------------------------


def validate_activity(values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None) -> None:
    """Raise Invalid/InvalidMany unless `values` describe an activity school `tenant` held."""
    today = today or dt.date.today()
    checks = Checks(values)
    checks.required("kind", "held_on", "title")
    checks.choice("kind", ACTIVITY_KINDS)
    checks.text("title", max_length=200, label="Title")
    checks.number("participants", minimum=1, maximum=MAX_PARTICIPANTS, label="Participants")
    held_on, kind = values.get("held_on"), values.get("kind")
    checks.date_not_after("held_on", today, reason="record an activity once it has been held.")
    if held_on is not None and school_year_of(held_on) < FIRST_SCHOOL_YEAR:
        checks.fail(
            "held_on", "TOO_EARLY", f"held_on {held_on.isoformat()} is before school year {FIRST_SCHOOL_YEAR}; check the year."
        )
    if held_on is not None and kind in THEME_MONTHS:
        month, month_name = THEME_MONTHS[kind]
        if held_on.month != month:
            checks.fail(
                "held_on",
                "THEME_MONTH_MISMATCH",
                f"The {kind.removeprefix('THEME_MONTH_').replace('_', '-').lower()} theme month is held in {month_name} "
                f"(seeds/001 §(三)4); held_on {held_on.isoformat()} is not in {month_name}. Date it within {month_name}, "
                "or record the activity under another kind.",
            )
    if held_on is not None and kind in TERM_KINDS and term_of(held_on) is None:
        checks.fail(
            "held_on",
            "OUTSIDE_TERM",
            f"held_on {held_on.isoformat()} is in August, the summer holiday, in neither term (autumn: September-January, "
            "spring: February-July); an adaptation activity before the autumn term starts is dated 1 September at the "
            "earliest.",
        )
    checks.raise_if_any()


def _with_derived(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values with school_year and term derived from held_on (and never taken from the caller)."""
    clean = {k: v for k, v in values.items() if k not in DERIVED}
    held_on = clean.get("held_on")
    if isinstance(held_on, dt.date):
        clean["school_year"], clean["term"] = school_year_of(held_on), term_of(held_on)
    return clean


async def create_activity(session: AsyncSession, *, tenant_id: uuid.UUID, values: Mapping[str, Any]) -> SchoolActivity:
    """Record an activity that school `tenant_id` held."""
    return await create_record(
        session,
        SchoolActivity,
        tenant_id=tenant_id,
        values=_with_derived(values),
        owner_kinds=OWNER_KINDS,
        validate=validate_activity,
    )


async def update_activity(session: AsyncSession, activity_id: uuid.UUID, changes: Mapping[str, Any]) -> SchoolActivity:
    """Change an activity; only the fields given change (its school year and term follow held_on)."""
    if any(field in changes for field in DERIVED):
        field = next(f for f in DERIVED if f in changes)
        raise Invalid(field, "READ_ONLY", f"{field} follows from held_on; change held_on instead.")
    return await update_record(session, SchoolActivity, activity_id, changes=_with_derived(changes), validate=validate_activity)
