"""Indicator definitions and values, a school's gaps, and the Target type with its progress."""

from __future__ import annotations

import datetime as dt
import enum
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

if TYPE_CHECKING:
    from runxin.graphql.tenants.types import TenantNode

TenantType = Annotated["TenantNode", strawberry.lazy("runxin.graphql.tenants.types")]


IndicatorUnitEnum = enum_of("IndicatorUnit", Unit, description="What an indicator counts.")


IndicatorValueKindEnum = enum_of("IndicatorValueKind", ValueKind, description="RATIO: units meeting a condition / eligible units; MEAN: an amount per unit.")


IndicatorStateEnum = enum_of("IndicatorState", ValueState, description="Whether an indicator has a value for a subtree.")


@strawberry.type(description="An indicator of the bureaus' targets, defined once for every level of the tree.")
class IndicatorDefinition:
    code: str
    name: str
    name_zh: str
    description: str
    unit: IndicatorUnitEnum
    value_kind: IndicatorValueKindEnum

    @classmethod
    def of(cls, indicator: Indicator) -> "IndicatorDefinition":
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
    numerator: float
    denominator: float = strawberry.field(description="Eligible units that reported.")
    value: float | None = strawberry.field(description="numerator / denominator; null unless REPORTED.")
    state: IndicatorStateEnum
    units_total: int = strawberry.field(description="Eligible units, reported or not.")
    units_not_reported: int
    as_of: dt.datetime
    standards_version: str
    year: int
    tenant_uuid: strawberry.Private[uuid.UUID]

    @classmethod
    def of(cls, value: IndicatorValue) -> "IndicatorValueType":
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
    def of(cls, gap: Gap) -> "GapType":
        return cls(code=gap.code, message=gap.message, detail=dict(gap.detail))


@strawberry.enum
class TargetStatus(enum.Enum):
    MET = "MET"
    ON_TRACK = "ON_TRACK"
    AT_RISK = "AT_RISK"
    MISSED = "MISSED"
    NO_DATA = "NO_DATA"


# Within this share of the target a value still counts as on track (the interim rule below).
ON_TRACK_SHARE = 0.9

PROGRESS_RULE = (
    "Where a target stands, from the indicator's value for the current school year (interim rule, until progress "
    "is judged from the trend of values over time), checked in this order: MET when the value is at least the "
    "target; MISSED when the due date has passed without it being met (a missing value included); NO_DATA when "
    "the value is not REPORTED; ON_TRACK when the value is at least 90% of the target; AT_RISK otherwise."
)


def progress_status(value: float | None, target: float, due_date: dt.date, today: dt.date) -> TargetStatus:
    """The interim rule of PROGRESS_RULE (every indicator is higher-is-better)."""
    if value is not None and value >= target:
        return TargetStatus.MET
    if due_date < today:
        return TargetStatus.MISSED
    if value is None:
        return TargetStatus.NO_DATA
    return TargetStatus.ON_TRACK if value >= target * ON_TRACK_SHARE else TargetStatus.AT_RISK


@strawberry.type(description=PROGRESS_RULE)
class TargetProgress:
    current: IndicatorValueType | None = strawberry.field(
        description="The indicator over the target's scope for the current school year; null if the code is unknown."
    )
    status: TargetStatus
    gap: float | None = strawberry.field(description="target - current value (negative once exceeded); null without a value.")


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
    def from_row(cls, row: Any) -> "TargetNode":
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
    async def progress(self, info: Info) -> TargetProgress:
        from runxin.graphql.targets.queries import current_value

        value = await current_value(info, self.tenant_uuid, self.indicator)
        current = IndicatorValueType.of(value) if value is not None else None
        number = current.value if current is not None else None
        return TargetProgress(
            current=current,
            status=progress_status(number, self.value, self.due_date, dt.date.today()),
            gap=None if number is None else self.value - number,
        )
