"""Reading home visits: Tenant.homeVisits (the school's own only) and node(id:)."""

from __future__ import annotations

import uuid
from typing import Any

from strawberry.dataloader import DataLoader

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Context, Info
from runxin.graphql.homeschool.types import HomeVisitNode
from runxin.graphql.loaders import by_id_loader
from runxin.graphql.node import register_node
from runxin.graphql.student_records import student_records_of
from runxin.platform.homeschool.models import HomeVisit


def home_visit_by_id(context: Context) -> DataLoader[uuid.UUID, HomeVisitNode | None]:
    return context.loader("HomeVisitByIdLoader", lambda ctx: by_id_loader(ctx, HomeVisit, HomeVisitNode.from_row))


async def home_visits_of(info: Info, tenant: Any, args: PageArgs, school_year: int | None) -> Connection[HomeVisitNode]:
    where = None if school_year is None else HomeVisit.school_year == school_year
    return await student_records_of(info, tenant, args, HomeVisit, HomeVisitNode.from_row, where=where)


async def _home_visit_node(context: Any, visit_id: Any) -> HomeVisitNode | None:
    return await home_visit_by_id(context).load(visit_id)


register_node("HomeVisit", _home_visit_node, resource="homeschool")
