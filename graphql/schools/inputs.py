"""Inputs of the school mutations. Unset fields keep their defaults (new profile) or old values."""

from __future__ import annotations

import strawberry

from runxin.graphql.schools.types import ModelSchoolLevel, SchoolStage

UNSET = strawberry.UNSET


@strawberry.input
class SchoolProfileUpdateInput:
    tenant_id: strawberry.ID = strawberry.field(description="The school's Tenant id.")
    category: str | None = strawberry.field(
        default=UNSET, description="Leave it out: a new profile takes it from the school code, and it can never differ."
    )
    stages: list[SchoolStage] | None = UNSET
    central_rank: bool | None = UNSET
    small_scale: bool | None = UNSET
    vocational: bool | None = UNSET
    independent: bool | None = UNSET
    cluster_centre_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Another school of the same county (a Tenant id); null clears it."
    )
    model_school_level: ModelSchoolLevel | None = strawberry.field(
        default=UNSET,
        deprecation_reason="Derived from the school's recognitions: a bureau records one with modelSchoolRecognitionCreate. "
        "A value given here is refused.",
    )


@strawberry.input
class EnrolmentRecordInput:
    tenant_id: strawberry.ID = strawberry.field(description="The school's Tenant id.")
    school_year: int = strawberry.field(description="The year the school year starts in: 2025 is 2025-26.")
    students: int
