"""Reading centres: Tenant.centres, CounsellingCentre.activity and node(id:)."""

from __future__ import annotations

import uuid
from typing import Any

from runxin.graphql.centres.types import CentreActivityType, CentreNode
from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Info
from runxin.graphql.loaders import by_id_loader
from runxin.graphql.node import register_node
from runxin.graphql.periods import periods_where
from runxin.graphql.records import children_of, records_of
from runxin.platform.centres.models import CentreActivity, CounsellingCentre


async def centres_of(info: Info, tenant: Any, args: PageArgs, scope: Any) -> Connection[CentreNode]:
    return await records_of(info, tenant, args, scope, CounsellingCentre, CentreNode.from_row)


async def activity_of(info: Info, centre_id: uuid.UUID, periods: list[str] | None) -> list[CentreActivityType]:
    return await children_of(
        info,
        CentreActivity,
        CentreActivity.centre_id,
        centre_id,
        CentreActivityType.from_row,
        order_by=CentreActivity.period,
        where=periods_where(CentreActivity.period, periods),
    )


async def _centre_by_id(context: Any, centre_id: Any) -> CentreNode | None:
    return await context.loader(
        "CounsellingCentreByIdLoader", lambda ctx: by_id_loader(ctx, CounsellingCentre, CentreNode.from_row)
    ).load(centre_id)


register_node("CounsellingCentre", _centre_by_id, resource="centres")
