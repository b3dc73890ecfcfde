"""Reading hotlines: Tenant.hotlines, Hotline.callCounts and node(id:)."""

from __future__ import annotations

import uuid
from typing import Any

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Info
from runxin.graphql.hotlines.types import CallCountsType, HotlineNode
from runxin.graphql.loaders import by_id_loader
from runxin.graphql.node import register_node
from runxin.graphql.periods import periods_where
from runxin.graphql.records import children_of, records_of
from runxin.platform.hotlines.models import Hotline, HotlineCallCount


async def hotlines_of(info: Info, tenant: Any, args: PageArgs, scope: Any) -> Connection[HotlineNode]:
    return await records_of(info, tenant, args, scope, Hotline, HotlineNode.from_row)


async def call_counts_of(info: Info, hotline_id: uuid.UUID, periods: list[str] | None) -> list[CallCountsType]:
    return await children_of(
        info,
        HotlineCallCount,
        HotlineCallCount.hotline_id,
        hotline_id,
        lambda row: CallCountsType.from_row(row, info.context.principal),
        order_by=HotlineCallCount.period,
        where=periods_where(HotlineCallCount.period, periods),
    )


async def _hotline_by_id(context: Any, hotline_id: Any) -> HotlineNode | None:
    return await context.loader("HotlineByIdLoader", lambda ctx: by_id_loader(ctx, Hotline, HotlineNode.from_row)).load(hotline_id)


register_node("Hotline", _hotline_by_id, resource="hotlines")
