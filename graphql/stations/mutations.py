"""stationCreate and stationUpdate."""

from __future__ import annotations

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import id_arg, input_values, run_mutation
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
        async def action(session):  # type: ignore[no-untyped-def]
            tenant_id = id_arg(input.tenant_id, "Tenant", "tenant_id")
            return await create_station(session, tenant_id=tenant_id, values=input_values(input, exclude=("tenant_id",)))

        station, errors = await run_mutation(info, action, StationNode.from_row)
        return StationPayload(station=station, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("stations")], description="Change a station; only the fields given change.")
    async def station_update(self, info: Info, input: StationUpdateInput) -> StationPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            station_id = id_arg(input.id, "Station", "id")
            return await update_station(session, station_id, input_values(input, exclude=("id",)))

        station, errors = await run_mutation(info, action, StationNode.from_row)
        return StationPayload(station=station, user_errors=errors)
