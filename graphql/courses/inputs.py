"""Inputs of the course mutations. Unset fields keep their defaults (create) or old values (update)."""

from __future__ import annotations

import datetime as dt

import strawberry

from runxin.graphql.courses.types import SchoolActivityKind

UNSET = strawberry.UNSET


@strawberry.input
class SchoolClassFields:
    school_year: int | None = strawberry.field(
        default=UNSET, description="2025 for 2025-26; fixed once the class has term hours."
    )
    grade: int | None = strawberry.field(default=UNSET, description="1-12, one the school's stages teach.")
    name: str | None = UNSET
    homeroom_staff_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="A Staff id of the same school; null for none."
    )
    students: int | None = UNSET
    health_committee_boys: int | None = UNSET
    health_committee_girls: int | None = UNSET


@strawberry.input
class SchoolClassCreateInput(SchoolClassFields):
    tenant_id: strawberry.ID = strawberry.field(description="The school's Tenant id.")


@strawberry.input
class SchoolClassUpdateInput(SchoolClassFields):
    id: strawberry.ID


@strawberry.input(description="One term's hours of a class; recording a term again replaces them.")
class ClassTermHoursRecordInput:
    class_id: strawberry.ID
    # Nullable so that a missing value is reported like every other rule, as a userError.
    term: str | None = strawberry.field(default=None, description="Required: 2025T1 or 2025T2, of the class's school year.")
    teaching_weeks: int | None = strawberry.field(default=None, description="Required: weeks taught in the term so far.")
    mental_health_hours: int | None = strawberry.field(default=None, description="Required.")
    class_meeting_hours: int | None = strawberry.field(default=None, description="Required.")


@strawberry.input
class SchoolActivityFields:
    kind: SchoolActivityKind | None = UNSET
    held_on: dt.date | None = strawberry.field(default=UNSET, description="Not in the future; May or October for a theme month.")
    title: str | None = UNSET
    participants: int | None = UNSET


@strawberry.input
class SchoolActivityCreateInput(SchoolActivityFields):
    tenant_id: strawberry.ID = strawberry.field(description="The school's Tenant id.")


@strawberry.input
class SchoolActivityUpdateInput(SchoolActivityFields):
    id: strawberry.ID
