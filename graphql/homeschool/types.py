"""The HomeVisit type."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry

from runxin.graphql.enums import enum_of
from runxin.graphql.ids import encode_id
from runxin.graphql.tenants.record import TenantRecord, record_fields
from runxin.platform.homeschool.calendar import term_of
from runxin.platform.homeschool.models import HOME_VISIT_MODE, VISIT_MODES

HomeVisitMode = enum_of(
    "HomeVisitMode", VISIT_MODES, description="How the teacher met the family: only IN_PERSON is a home visit (入户家访); PHONE and ONLINE are contacts."
)


@strawberry.type(
    name="HomeVisit",
    description="A teacher's home visit to, or contact with, a student's family. Kept at the school: nobody above it reads it.",
)
class HomeVisitNode(TenantRecord):
    visited_on: dt.date
    mode: HomeVisitMode
    note: str
    school_year: int = strawberry.field(description="The school year of visitedOn (2025: September 2025 to August 2026).")
    term: int = strawberry.field(description="1 for the autumn term (September to January), 2 for the spring term.")
    student_file_uuid: strawberry.Private[uuid.UUID]
    staff_uuid: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> "HomeVisitNode":
        return cls(
            **record_fields(row),
            visited_on=row.visited_on,
            mode=HomeVisitMode(row.mode),
            note=row.note,
            school_year=row.school_year,
            term=term_of(row.school_month),
            student_file_uuid=row.student_file_id,
            staff_uuid=row.staff_id,
        )

    @strawberry.field(description="The global id of the student's file (a StudentFile).")
    def student_file_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("StudentFile", self.student_file_uuid))

    @strawberry.field(description="The global id of the teacher who visited or called (a Staff).")
    def staff_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Staff", self.staff_uuid))

    @strawberry.field(description="True for an in-person visit, the one kind the home-visit rules count.")
    def counts_as_home_visit(self) -> bool:
        return self.mode.value == HOME_VISIT_MODE
