"""Reading stations: Tenant.stations and node(id:)."""

from __future__ import annotations

from typing import Any

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Info
from runxin.graphql.loaders import by_id_loader
from runxin.graphql.node import register_node
from runxin.graphql.records import records_of
from runxin.graphql.stations.types import StationNode
from runxin.platform.stations.models import Station


async def stations_of(info: Info, tenant: Any, args: PageArgs, scope: Any) -> Connection[StationNode]:
    return await records_of(info, tenant, args, scope, Station, StationNode.from_row)


async def _station_by_id(context: Any, station_id: Any) -> StationNode | None:
    return await context.loader("StationByIdLoader", lambda ctx: by_id_loader(ctx, Station, StationNode.from_row)).load(station_id)


register_node("Station", _station_by_id, resource="stations")
