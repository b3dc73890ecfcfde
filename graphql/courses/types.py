"""The SchoolClass, ClassTermHours and SchoolActivity types."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.enums import enum_of
from runxin.graphql.ids import encode_id
from runxin.graphql.tenants.record import TenantRecord, record_fields
from runxin.platform.courses.models import ACTIVITY_KINDS
from runxin.platform.courses.norms import hours_required, meeting_hours_required
from runxin.platform.courses.terms import term_id
from runxin.platform.standards import Standard

SchoolActivityKind = enum_of(
    "SchoolActivityKind",
    ACTIVITY_KINDS,
    description="THEME_MONTH_MENTAL_HEALTH (May) and THEME_MONTH_LIFE_HEALTH (October); ADAPTATION_TERM_START and "
    "ADAPTATION_PRE_EXAM (each term); PARENT_TRAINING (each year).",
)


@strawberry.type(name="ClassTermHours", description="What a class held in one term, against the standard in force.")
class ClassTermHoursType:
    term: str = strawberry.field(description="The term's period id: 2025T1 (autumn) or 2025T2 (spring).")
    teaching_weeks: int
    mental_health_hours: int = strawberry.field(description="Mental-health class hours (心理健康教育课) held.")
    class_meeting_hours: int = strawberry.field(description="Class-meeting hours on mental health (心理班会课) held.")
    mental_health_hours_required: int = strawberry.field(
        description="What the standard asks for the teaching weeks (default 1 every 2 weeks, a part hour counted whole)."
    )
    class_meeting_hours_required: int = strawberry.field(description="1 per complete month (4 teaching weeks) by default.")

    @classmethod
    def from_row(cls, row: Any, standard: Standard) -> ClassTermHoursType:
        return cls(
            term=row.term,
            teaching_weeks=row.teaching_weeks,
            mental_health_hours=row.mental_health_hours,
            class_meeting_hours=row.class_meeting_hours,
            mental_health_hours_required=hours_required(row.teaching_weeks, standard),
            class_meeting_hours_required=meeting_hours_required(row.teaching_weeks, standard),
        )


@strawberry.type(name="SchoolClass", description="A class of a school in one school year, with its health committee.")
class SchoolClassNode(TenantRecord):
    school_year: int = strawberry.field(description="The school year the class is of (2025 is 2025-26).")
    grade: int = strawberry.field(description="1 (一年级) to 12 (高三).")
    name: str = strawberry.field(description="As the school writes it, e.g. 初一(3)班; unique in the school year.")
    homeroom_staff_uuid: strawberry.Private[uuid.UUID | None]
    students: int | None = strawberry.field(description="Students enrolled in the class; null when not recorded.")
    health_committee_boys: int | None = strawberry.field(
        description="Boy student health committee members (健康委员; the standard asks 2); null when not recorded."
    )
    health_committee_girls: int | None = strawberry.field(
        description="Girl members (the standard asks 2); null when not recorded."
    )

    @classmethod
    def from_row(cls, row: Any) -> SchoolClassNode:
        return cls(
            **record_fields(row),
            school_year=row.school_year,
            grade=row.grade,
            name=row.name,
            homeroom_staff_uuid=row.homeroom_staff_id,
            students=row.students,
            health_committee_boys=row.health_committee_boys,
            health_committee_girls=row.health_committee_girls,
        )

    @strawberry.field(description="The homeroom teacher (班主任), a Staff id of the same school; null when none.")
    def homeroom_staff_id(self) -> strawberry.ID | None:
        return None if self.homeroom_staff_uuid is None else strawberry.ID(encode_id("Staff", self.homeroom_staff_uuid))

    @strawberry.field(description="The class's hours per term, ordered by term; null terms: every term recorded.")
    async def term_hours(self, info: Info, terms: list[str] | None = None) -> list[ClassTermHoursType]:
        from runxin.graphql.courses.queries import term_hours_of

        return await term_hours_of(info, self.uuid, terms)


@strawberry.type(
    name="SchoolActivity", description="An activity a school held: a theme month, an adaptation activity, a parent training."
)
class SchoolActivityNode(TenantRecord):
    kind: SchoolActivityKind
    held_on: dt.date
    title: str
    participants: int | None = strawberry.field(description="People who took part; null when not recorded.")
    school_year: int = strawberry.field(description="The school year held_on falls in (2025: 1 Sep 2025 to 31 Aug 2026).")
    term: str | None = strawberry.field(description="The term held_on falls in (e.g. 2025T1); null in August.")

    @classmethod
    def from_row(cls, row: Any) -> SchoolActivityNode:
        return cls(
            **record_fields(row),
            kind=SchoolActivityKind(row.kind),
            held_on=row.held_on,
            title=row.title,
            participants=row.participants,
            school_year=row.school_year,
            term=None if row.term is None else term_id(row.school_year, row.term),
        )
