"""The SchoolProfile and Enrolment types."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.enums import enum_of
from runxin.graphql.tenants.record import TenantRecord, record_fields
from runxin.platform.codes import SCHOOL_CATEGORIES
from runxin.platform.schools.services import MODEL_SCHOOL_LEVELS, STAGES
from runxin.platform.validation import split_codes

if TYPE_CHECKING:
    from runxin.graphql.tenants.types import TenantNode


SchoolStage = enum_of("SchoolStage", STAGES, description="A stage of schooling a school teaches.")


ModelSchoolLevel = enum_of("ModelSchoolLevel", MODEL_SCHOOL_LEVELS, description="The highest level that recognised a school as a mental-health model school (心理健康特色学校).")


@strawberry.type(name="SchoolProfile", description="What kind of school a school tenant is: category, stages, rank, scale.")
class SchoolProfileNode(TenantRecord):
    category: str = strawberry.field(description="The MoE school category: the first two digits of the school code.")
    category_label: str = strawberry.field(description="The category in English, e.g. \"primary\".")
    stages: list[SchoolStage]
    central_rank: bool = strawberry.field(description="Of central-school rank or above (中心校以上).")
    small_scale: bool
    vocational: bool
    independent: bool = strawberry.field(description="An independently established school (独立设置), which needs its own teachers.")
    cluster_centre_uuid: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: Any) -> "SchoolProfileNode":
        return cls(
            **record_fields(row),
            category=row.category,
            category_label=SCHOOL_CATEGORIES.get(row.category, "unknown"),
            stages=[SchoolStage(code) for code in split_codes(row.stages)],
            central_rank=row.central_rank,
            small_scale=row.small_scale,
            vocational=row.vocational,
            independent=row.independent,
            cluster_centre_uuid=row.cluster_centre_id,
        )

    @strawberry.field(
        description="The highest level of the school's model-school recognitions in force today (NONE without one); "
        "derived from Tenant.modelSchoolRecognitions, which the bureaus record."
    )
    async def model_school_level(self, info: Info) -> ModelSchoolLevel:
        from runxin.graphql.recognitions.queries import model_school_level_of

        return ModelSchoolLevel(await model_school_level_of(info.context, self.tenant_uuid))

    @strawberry.field(
        description="The cluster centre school (片区中心学校) that covers a small school; null when none, or when it is "
        "outside your part of the tree (a school does not see its sibling schools)."
    )
    async def cluster_centre(
        self, info: Info
    ) -> Annotated["TenantNode", strawberry.lazy("runxin.graphql.tenants.types")] | None:
        if self.cluster_centre_uuid is None:
            return None
        from runxin.graphql.tenants.loaders import tenant_by_id

        return await tenant_by_id(info.context).load(self.cluster_centre_uuid)


@strawberry.type(name="Enrolment", description="Students enrolled in a school in one school year (2025 is 2025-26).")
class EnrolmentNode(TenantRecord):
    school_year: int
    students: int

    @classmethod
    def from_row(cls, row: Any) -> "EnrolmentNode":
        return cls(**record_fields(row), school_year=row.school_year, students=row.students)
