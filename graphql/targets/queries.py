"""Reading indicators and targets: indicatorDefinitions, Tenant.indicators / gaps / targets / targetProgress, node(id:)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Info
from runxin.graphql.loaders import by_id_loader
from runxin.graphql.node import register_node
from runxin.graphql.permissions import can_read
from runxin.graphql.records import records_of
from runxin.graphql.targets.loaders import check_codes, check_year, gaps_loader, indicators_for
from runxin.graphql.targets.progress import EffectiveTarget
from runxin.graphql.targets.standing import effective_targets_of
from runxin.graphql.targets.types import GapType, IndicatorDefinition, IndicatorValueType, TargetNode
from runxin.platform.indicators import INDICATORS
from runxin.platform.targets.models import Target


async def indicators_of(info: Info, tenant: Any, codes: Sequence[str] | None, year: int | None) -> list[IndicatorValueType]:
    wanted = check_codes(codes)
    if wanted == ():
        return []
    values = await indicators_for(info.context, tenant, wanted, check_year(year))
    return [IndicatorValueType.of(value) for value in values.values()]


async def gaps_of(info: Info, tenant: Any, year: int | None) -> list[GapType]:
    if tenant.kind.value != "SCHOOL":
        return []  # gaps are measured against the school standard; a bureau's are its schools'
    gaps = await gaps_loader(info.context, check_year(year)).load(tenant.uuid)
    return [GapType.of(gap) for gap in gaps]


async def targets_of(info: Info, tenant: Any, args: PageArgs, scope: Any) -> Connection[TargetNode]:
    return await records_of(info, tenant, args, scope, Target, TargetNode.from_row)


async def target_progress_of(info: Info, tenant: Any, indicators: Sequence[str] | None) -> list[EffectiveTarget]:
    """The targets in force at `tenant` (the cascade), each with the tenant's progress towards it."""
    return await effective_targets_of(info, tenant, list(indicators) if indicators is not None else None)


async def _target_node(context: Any, target_id: Any) -> TargetNode | None:
    return await context.loader("TargetByIdLoader", lambda ctx: by_id_loader(ctx, Target, TargetNode.from_row)).load(target_id)


register_node("Target", _target_node, resource="targets")


@strawberry.type
class IndicatorQuery:
    @strawberry.field(permission_classes=[can_read("indicators")], description="Every indicator, in the order of the domain brief.")
    def indicator_definitions(self) -> list[IndicatorDefinition]:
        return [IndicatorDefinition.of(indicator) for indicator in INDICATORS]
