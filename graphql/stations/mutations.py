"""stationCreate and stationUpdate."""

from __future__ import annotations

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import creating, run_mutation, updating
from runxin.graphql.permissions import can_write
from runxin.graphql.stations.inputs import StationCreateInput, StationUpdateInput
from runxin.graphql.stations.types import StationNode
from runxin.platform.stations.services import create_station, update_station


@strawberry.type
class StationPayload:
    station: StationNode | None
    user_errors: list[UserError]


@strawberry.type
class StationMutation:
    @strawberry.mutation(permission_classes=[can_write("stations")], description="Record a school's station or counselling room.")
    async def station_create(self, info: Info, input: StationCreateInput) -> StationPayload:
        station, errors = await run_mutation(info, creating(input, create_station), StationNode.from_row)
        return StationPayload(station=station, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("stations")], description="Change a station; only the fields given change.")
    async def station_update(self, info: Info, input: StationUpdateInput) -> StationPayload:
        station, errors = await run_mutation(info, updating(input, "Station", update_station), StationNode.from_row)
        return StationPayload(station=station, user_errors=errors)
