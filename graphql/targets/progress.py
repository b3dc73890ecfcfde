"""Target progress in the API: where a target stands at a tenant, with its history, trend and the
children behind, and the targets in force at a tenant (the cascade).

The rules are the platform's (runxin.platform.targets.progress), stated once in PROGRESS_RULE and
CASCADE_RULE and shown as these types' descriptions; the reads are batched in standing.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.enums import enum_of
from runxin.graphql.ids import encode_id
from runxin.graphql.targets.types import IndicatorStateEnum, IndicatorValueType, TargetNode
from runxin.platform.targets.progress import CASCADE_RULE, PROGRESS_RULE, TargetStatus

if TYPE_CHECKING:
    from runxin.graphql.tenants.types import TenantNode

TenantType = Annotated["TenantNode", strawberry.lazy("runxin.graphql.tenants.types")]

TargetStatusEnum = enum_of("TargetStatus", TargetStatus, description="Where a target stands (see TargetProgress).")

# Children behind, per progress: the worst come first, so a short list is the one that matters.
CHILDREN_BEHIND_DEFAULT, CHILDREN_BEHIND_MAX = 20, 100


@strawberry.type(description="The latest approved figure of the indicator for one reporting period.")
class TargetHistoryPoint:
    period: str = strawberry.field(description="The reporting period: 2025, 202503, 2025T1, 2025SY.")
    value: float | None = strawberry.field(description="Null unless state is REPORTED.")
    state: IndicatorStateEnum
    version: int = strawberry.field(description="The approved version of the period's report the figure was frozen at.")


@strawberry.type(
    description="A child tenant whose own current value is below the target, or not reported, and where it "
    "stands against the same target (its own history and trend)."
)
class ChildBehind:
    tenant: TenantType
    code: str
    name: str
    current: IndicatorValueType = strawberry.field(description="The indicator over the child's subtree, this school year.")
    value: float | None = strawberry.field(description="The current value; null unless REPORTED.")
    state: IndicatorStateEnum
    status: TargetStatusEnum
    gap: float | None = strawberry.field(description="target - value; null without a value.")
    trend: float | None = strawberry.field(description="The child's slope per year; null without one.")


@strawberry.type(description=PROGRESS_RULE)
class TargetProgress:
    target: float = strawberry.field(description="The value to reach.")
    due_date: dt.date
    current: IndicatorValueType | None = strawberry.field(
        description="The indicator over the tenant's subtree for the current school year (live figures)."
    )
    status: TargetStatusEnum
    gap: float | None = strawberry.field(description="target - current value (negative once exceeded); null without a value.")
    trend: float | None = strawberry.field(
        description="The least-squares slope per year through the history and the current value; null with fewer than "
        "two values on different days."
    )
    history: list[TargetHistoryPoint] = strawberry.field(
        description="The latest approved snapshot of each reporting period, oldest first (by the period's end)."
    )
    tenant_uuid: strawberry.Private[uuid.UUID | None]  # None: the tenant is out of sight
    indicator: strawberry.Private[str]
    today: strawberry.Private[dt.date]

    @strawberry.field(
        description="The children of the tenant whose own current value is below the target or not reported (a child "
        "where the indicator does not apply is left out), worst first: MISSED, AT_RISK, NO_DATA, ON_TRACK, then the "
        f"lowest value. Only children you may see; at most `first` ({CHILDREN_BEHIND_DEFAULT} unless given, up to "
        f"{CHILDREN_BEHIND_MAX})."
    )
    async def children_behind(self, info: Info, first: int = CHILDREN_BEHIND_DEFAULT) -> list[ChildBehind]:
        from runxin.graphql.targets.standing import children_behind

        return await children_behind(info, self, first)


@strawberry.type(description=CASCADE_RULE)
class EffectiveTarget:
    indicator: str = strawberry.field(description="The indicator code (see indicatorDefinitions).")
    value: float
    due_date: dt.date
    inherited: bool = strawberry.field(description="True when the target was set for a tenant above this one.")
    progress: TargetProgress = strawberry.field(description="This tenant's progress towards it (over its own subtree).")
    target_uuid: strawberry.Private[uuid.UUID]
    scope_uuid: strawberry.Private[uuid.UUID]
    set_by_uuid: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="The Target record it comes from, where you may see the record (as node(id:) shows it); null for a "
        "target set for a tenant above yours, of which you see what it asks and who set it."
    )
    async def target(self, info: Info) -> TargetNode | None:
        # The one rule for showing a record by id (scoping, read scope, the city's disclosure policy).
        from runxin.graphql.tenants.queries import _load_node

        return await _load_node(info, encode_id("Target", self.target_uuid))  # type: ignore[return-value]

    @strawberry.field(description="The bureau that set it.")
    async def set_by(self, info: Info) -> TenantType | None:
        from runxin.graphql.tenants.loaders import tenant_by_id

        return await tenant_by_id(info.context).load(self.set_by_uuid)

    @strawberry.field(description="The tenant it was set for: this one, or one above it.")
    async def scope(self, info: Info) -> TenantType | None:
        from runxin.graphql.tenants.loaders import tenant_by_id

        return await tenant_by_id(info.context).load(self.scope_uuid)
