"""The registry of required figures: what a tenant must enter for each reporting period.

A required figure is a period-keyed record that every eligible tenant owes for every period of
some kinds: a school's enrolment for each school year, the call counts of each active hotline for
each term, a county centre's activity for each term, a tenant's teachers' training register for
each calendar year, a school's screening round for each school year. These are the period-keyed
records of the wave-1 domains (the same ones the period locks guard, platform/reporting/locks.py)
and the screening round, an institutional record of the school (who was screened, and what the
round found, stays at the school: only that a round was held is a figure the bureaus chase).
Current-state records (stations, staff, school profiles) are not figures of a period: a school
without a station lacks a station, which the indicators and gaps report, not a figure it failed
to send.

To add a figure, add one `RequiredFigure` entry to `REQUIRED_FIGURES` (nothing else changes: the
service, the API and the export iterate over the registry; the oracle tests restate each figure's
rule, so teach them the new one). For example, a school's screening round once per school year:

    RequiredFigure(
        code="SCREENING_ROUND",
        label="Screening round",
        label_zh="心理健康筛查",
        description="Each school screens all its students once a school year (seeds/001 三(五)1).",
        tenant_kinds=("SCHOOL",),
        period_kinds=("SCHOOL_YEAR",),
        record=ScreeningRound,
        in_period=lambda p: ScreeningRound.school_year == p.start.year,
    )

and, for a figure owed once per record of the tenant rather than once per tenant (one per class,
per hotline), `owed_per=OwedPer(Class, ClassHours.class_id, owes=lambda p: Class.active)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.sql.elements import ColumnElement

from runxin.platform.centres.models import CentreActivity, CounsellingCentre
from runxin.platform.completeness.rules import day_end
from runxin.platform.courses.models import ClassTermHours, SchoolClass
from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from runxin.platform.periods import PERIOD_KINDS, Period
from runxin.platform.schools.models import SchoolEnrolment
from runxin.platform.staffing.models import Staff
from runxin.platform.students.care import ScreeningRound
from runxin.platform.training.models import TrainingAttendance
from runxin.platform.tree.models import Tenant, TenantKind

Criteria = Callable[[Period], ColumnElement[bool]]


@dataclass(frozen=True, slots=True)
class OwedPer:
    """The figure is owed once per row of `model` (a TenantOwned model) that `owes(period)` selects
    among the tenant's rows; `link` is the column of the figure's record that points at that row.
    The figure is present when every owing row has its record for the period, and arrives when
    the last of them does."""

    model: type
    link: Any  # an InstrumentedAttribute of the figure's record, e.g. HotlineCallCount.hotline_id
    owes: Criteria


@dataclass(frozen=True, slots=True)
class RequiredFigure:
    """One figure every eligible tenant owes for every period of `period_kinds`.

    - `code` (SCREAMING_CASE, unique), `label` and `label_zh` name it in the API and the exports;
      `description` says who owes it and why, citing the seed clause (file and clause).
    - `tenant_kinds`: the kinds of tenant that owe it (TenantKind values).
    - `period_kinds`: the kinds of period it is due for (periods.PERIOD_KINDS); for a period of
      any other kind it is NOT_REQUIRED.
    - `record`: the TenantOwned model whose rows carry the figure; `in_period(period)` the criteria
      on it that pick the rows of that period.
    - `eligible(period)`: optional criteria correlated on `Tenant` narrowing who owes it beyond its
      kind (e.g. only tenants with active teachers); build them with `has()`.
    - `owed_per`: optional; the figure is owed once per owing row of another model of the tenant
      (see OwedPer) instead of once per tenant. Its record must have at most one row per owing
      row and period (a unique key), as a hotline has one call count per period.
    - `arrival`: the record's column that says when the figure arrived; `created_at` (the first
      arrival: a correction updates the row in place and keeps it, see rules.py).
    """

    code: str
    label: str
    label_zh: str
    description: str
    tenant_kinds: tuple[str, ...]
    period_kinds: tuple[str, ...]
    record: type
    in_period: Criteria
    eligible: Criteria | None = None
    owed_per: OwedPer | None = None
    arrival: str = "created_at"

    def __post_init__(self) -> None:
        kinds = {k.value for k in TenantKind}
        if not self.code or self.code.upper() != self.code:
            raise ValueError(f"Required figure code {self.code!r}: use SCREAMING_CASE.")
        if not self.tenant_kinds or set(self.tenant_kinds) - kinds:
            raise ValueError(f"Required figure {self.code}: tenant_kinds {self.tenant_kinds} must be among {sorted(kinds)}.")
        if not self.period_kinds or set(self.period_kinds) - set(PERIOD_KINDS):
            raise ValueError(f"Required figure {self.code}: period_kinds {self.period_kinds} must be among {PERIOD_KINDS}.")
        if not hasattr(self.record, "tenant_id") or not hasattr(self.record, self.arrival):
            raise ValueError(f"Required figure {self.code}: {self.record.__name__} needs tenant_id and {self.arrival}.")

    def due_for(self, period: Period) -> bool:
        return period.kind in self.period_kinds


def has(model: Any, *criteria: ColumnElement[bool]) -> ColumnElement[bool]:
    """The tenant (the `Tenant` of the enclosing statement) has a row of `model` meeting `criteria`.

    The subquery selects an ORM-mapped column, so the scoping hook reaches it (see facts.py).
    """
    return select(model.id).where(model.tenant_id == Tenant.id, *criteria).correlate(Tenant).exists()


def _existed_by_end(period: Period) -> ColumnElement[bool]:
    # A hotline recorded after the period ended owes no counts for it. In UTC: SQLite stores times
    # as naive UTC text and would compare a +08:00 bound by its digits.
    return Hotline.created_at < day_end(period.end).astimezone(dt.UTC)


def _active_teachers(period: Period) -> ColumnElement[bool]:
    employed = or_(Staff.employed_since.is_(None), Staff.employed_since <= period.end)
    return has(Staff, Staff.active, Staff.kind.in_(("FULL_TIME", "PART_TIME")), employed)


REQUIRED_FIGURES: tuple[RequiredFigure, ...] = (
    RequiredFigure(
        code="ENROLMENT",
        label="Enrolment",
        label_zh="在校学生数",
        description=(
            "Every school's students enrolled in the school year: the 1:800 staff ratio and every per-student "
            "figure are measured against it (seeds/001 三(二)1)."
        ),
        tenant_kinds=("SCHOOL",),
        period_kinds=("SCHOOL_YEAR",),
        record=SchoolEnrolment,
        in_period=lambda p: SchoolEnrolment.school_year == p.start.year,
    ),
    RequiredFigure(
        code="HOTLINE_CALLS",
        label="Hotline call counts",
        label_zh="心理援助热线接听情况",
        description=(
            "Calls, crisis calls and referrals of each active psychological-aid hotline of a county or school, per "
            "term; owed once per active hotline recorded by the end of the term (seeds/001 二; domain.md §2)."
        ),
        tenant_kinds=("COUNTY", "SCHOOL"),
        period_kinds=("TERM",),
        record=HotlineCallCount,
        in_period=lambda p: HotlineCallCount.period == p.id,
        owed_per=OwedPer(Hotline, HotlineCallCount.hotline_id, owes=lambda p: (Hotline.status == "ACTIVE") & _existed_by_end(p)),
    ),
    RequiredFigure(
        code="CENTRE_ACTIVITY",
        label="Counselling centre activity",
        label_zh="辅导中心业务指导与培训",
        description=(
            "Guidance visits to schools and trainings delivered by each operational county counselling centre, per "
            "term; owed by centres opened by the end of the term (seeds/001 三(四)7)."
        ),
        tenant_kinds=("COUNTY",),
        period_kinds=("TERM",),
        record=CentreActivity,
        in_period=lambda p: CentreActivity.period == p.id,
        owed_per=OwedPer(
            CounsellingCentre,
            CentreActivity.centre_id,
            owes=lambda p: (
                (CounsellingCentre.status == "OPERATIONAL")
                & or_(CounsellingCentre.opening_date.is_(None), CounsellingCentre.opening_date <= p.end)
            ),
        ),
    ),
    RequiredFigure(
        code="CLASS_TERM_HOURS",
        label="Class hours per term",
        label_zh="班级心理健康课时",
        description=(
            "The mental-health class hours and class-meeting hours each class of the school year held in the term; "
            "owed once per class of the term's school year (seeds/001 §(三)1 每两周不少于1课时, §(三)4 每月1课时心理班会课)."
        ),
        tenant_kinds=("SCHOOL",),
        period_kinds=("TERM",),
        record=ClassTermHours,
        in_period=lambda p: ClassTermHours.term == p.id,
        # A term's school year is the year its id starts with (2025T2 lies in calendar 2026).
        owed_per=OwedPer(SchoolClass, ClassTermHours.class_id, owes=lambda p: SchoolClass.school_year == int(p.id[:4])),
    ),
    RequiredFigure(
        code="TRAINING_CREDITS",
        label="Teacher training register",
        label_zh="教师培训学分登记",
        description=(
            "The training attendance and credits of a tenant's full-time and part-time mental-health teachers for "
            "the calendar year, by whoever recorded them; owed by every tenant with active such teachers, since "
            "every county trains all of them every year (seeds/001 三(二)2)."
        ),
        tenant_kinds=("CITY", "COUNTY", "SCHOOL"),
        period_kinds=("YEAR",),
        record=TrainingAttendance,
        in_period=lambda p: TrainingAttendance.credit_year == p.start.year,
        eligible=_active_teachers,
    ),
    RequiredFigure(
        code="SCREENING_ROUND",
        label="Screening round",
        label_zh="心理健康筛查",
        description=(
            "Each school screens all its students once a school year (每学年开展1次面向全体学生的心理健康筛查, "
            "seeds/001 三(五)1); the figure is the school year's round, arrived with the first one recorded "
            "(its results stay at the school)."
        ),
        tenant_kinds=("SCHOOL",),
        period_kinds=("SCHOOL_YEAR",),
        record=ScreeningRound,
        in_period=lambda p: ScreeningRound.school_year == p.start.year,
    ),
)

BY_CODE: dict[str, RequiredFigure] = {figure.code: figure for figure in REQUIRED_FIGURES}
if len(BY_CODE) != len(REQUIRED_FIGURES):
    raise ValueError("Two required figures share a code; give each its own.")


def due_for(period: Period, figures: tuple[RequiredFigure, ...] = REQUIRED_FIGURES) -> tuple[RequiredFigure, ...]:
    """The figures due for `period` (by its kind), in registry order."""
    return tuple(figure for figure in figures if figure.due_for(period))
