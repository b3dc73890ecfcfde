"""Indicator definitions and values, a school's gaps, and the Target type (its progress: progress.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from runxin.graphql.context import Info
from runxin.graphql.enums import enum_of
from runxin.graphql.tenants.record import TenantRecord, record_fields
from runxin.platform.indicators import BY_CODE, Gap, Indicator, IndicatorValue
from runxin.platform.indicators.definitions import Unit, ValueKind
from runxin.platform.indicators.engine import ValueState
from runxin.platform.targets.progress import PROGRESS_RULE

if TYPE_CHECKING:
    from runxin.graphql.targets.progress import TargetProgress
    from runxin.graphql.tenants.types import TenantNode

TenantType = Annotated["TenantNode", strawberry.lazy("runxin.graphql.tenants.types")]
# The progress types build on the indicator types of this module, so they are made after it.
TargetProgressType = Annotated["TargetProgress", strawberry.lazy("runxin.graphql.targets.progress")]


IndicatorUnitEnum = enum_of("IndicatorUnit", Unit, description="What an indicator counts.")


IndicatorValueKindEnum = enum_of(
    "IndicatorValueKind",
    ValueKind,
    description="RATIO: units meeting a condition / eligible units; MEAN: an amount per unit; COUNT: the amount itself (students).",
)


IndicatorStateEnum = enum_of(
    "IndicatorState",
    ValueState,
    description="Whether an indicator has a value for a subtree. SUPPRESSED: a student-derived count hidden from you "
    "because it is small, or because it would give a small one away (value, numerator and denominator are null).",
)


@strawberry.type(description="An indicator of the bureaus' targets, defined once for every level of the tree.")
class IndicatorDefinition:
    code: str
    name: str
    name_zh: str
    description: str
    unit: IndicatorUnitEnum
    value_kind: IndicatorValueKindEnum

    @classmethod
    def of(cls, indicator: Indicator) -> IndicatorDefinition:
        return cls(
            code=indicator.code,
            name=indicator.name,
            name_zh=indicator.name_zh,
            description=indicator.description,
            unit=IndicatorUnitEnum(indicator.unit.value),
            value_kind=IndicatorValueKindEnum(indicator.value_kind.value),
        )


@strawberry.type(
    name="IndicatorValue",
    description="An indicator over a tenant's subtree: a sum of numerators over a sum of denominators, never a mean "
    "of ratios. Computed from the records you may see.",
)
class IndicatorValueType:
    indicator: str = strawberry.field(description="The indicator code (see indicatorDefinitions).")
    name: str
    name_zh: str
    numerator: float | None = strawberry.field(description="The sum over eligible units that reported; null when SUPPRESSED.")
    denominator: float | None = strawberry.field(description="Eligible units that reported; null when SUPPRESSED.")
    value: float | None = strawberry.field(
        description="numerator / denominator (a COUNT: the numerator itself); null unless REPORTED."
    )
    state: IndicatorStateEnum
    units_total: int = strawberry.field(description="Eligible units, reported or not.")
    units_not_reported: int
    as_of: dt.datetime
    standards_version: str
    year: int
    tenant_uuid: strawberry.Private[uuid.UUID]

    @classmethod
    def of(cls, value: IndicatorValue) -> IndicatorValueType:
        definition = BY_CODE[value.indicator]
        return cls(
            indicator=value.indicator,
            name=definition.name,
            name_zh=definition.name_zh,
            numerator=value.numerator,
            denominator=value.denominator,
            value=value.value,
            state=IndicatorStateEnum(value.state.value),
            units_total=value.units_total,
            units_not_reported=value.units_not_reported,
            as_of=value.as_of,
            standards_version=value.standards_version,
            year=value.year,
            tenant_uuid=value.tenant_id,
        )

    @strawberry.field(description="The tenant whose subtree the value is computed over.")
    async def tenant(self, info: Info) -> TenantType | None:
        from runxin.graphql.tenants.loaders import tenant_by_id

        return await tenant_by_id(info.context).load(self.tenant_uuid)


@strawberry.type(name="Gap", description="Something a school lacks against the standard, with the figures.")
class GapType:
    code: str = strawberry.field(description="Stable SCREAMING_CASE reason, e.g. NO_STATION, STATION_AREA_BELOW_STANDARD.")
    message: str
    detail: JSON = strawberry.field(description="The figures behind the message (keys depend on the code).")

    @classmethod
    def of(cls, gap: Gap) -> GapType:
        return cls(code=gap.code, message=gap.message, detail=dict(gap.detail))


@strawberry.type(
    name="Target",
    description="An indicator value to reach by a date for the subtree of its scope tenant (which owns the record).",
)
class TargetNode(TenantRecord):
    indicator: str = strawberry.field(description="The indicator code (see indicatorDefinitions).")
    value: float
    due_date: dt.date
    note: str
    set_by_uuid: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> TargetNode:
        return cls(
            **record_fields(row),
            indicator=row.indicator,
            value=float(row.value),
            due_date=row.due_date,
            note=row.note,
            set_by_uuid=row.set_by_id,
        )

    @strawberry.field(description="The bureau that set the target.")
    async def set_by(self, info: Info) -> TenantType | None:
        from runxin.graphql.tenants.loaders import tenant_by_id

        return await tenant_by_id(info.context).load(self.set_by_uuid)

    @strawberry.field(description="The root of the subtree the target applies to (the same as tenant).")
    async def scope(self, info: Info) -> TenantType | None:
        from runxin.graphql.tenants.loaders import tenant_by_id

        return await tenant_by_id(info.context).load(self.tenant_uuid)

    @strawberry.field(description=PROGRESS_RULE)
    async def progress(self, info: Info) -> TargetProgressType:
        from runxin.graphql.targets.standing import progress_of_target

        return await progress_of_target(info, self.tenant_uuid, self.indicator, self.value, self.due_date)
