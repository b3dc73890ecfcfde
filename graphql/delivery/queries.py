"""deliveries, deliveryEndpoints and adxDocument: the city's delivery log, its endpoints, its figures as ADX."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select

from runxin.graphql.connections import Connection, PageArgs, make_connection, page_statement
from runxin.graphql.context import Info
from runxin.graphql.delivery.permissions import at_city
from runxin.graphql.delivery.types import DeliveryEndpointNode, DeliveryNode, DeliveryStatusEnum, endpoint_by_id
from runxin.graphql.loaders import by_id_loader, columns
from runxin.graphql.node import register_node
from runxin.platform.delivery.adx import adx_for_city
from runxin.platform.delivery.models import Delivery
from runxin.platform.delivery.services import list_endpoints
from runxin.platform.periods import parse_period
from runxin.tenants.policy import Permission


async def _delivery_node(context: Any, delivery_id: Any) -> DeliveryNode | None:
    return await context.loader("DeliveryByIdLoader", lambda ctx: by_id_loader(ctx, Delivery, DeliveryNode.from_row)).load(
        delivery_id
    )


async def _endpoint_node(context: Any, endpoint_id: Any) -> DeliveryEndpointNode | None:
    return await endpoint_by_id(context).load(endpoint_id)


register_node("Delivery", _delivery_node, resource="deliveries")
register_node("DeliveryEndpoint", _endpoint_node, resource="deliveries")


@strawberry.type
class DeliveryQuery:
    @strawberry.field(
        permission_classes=[at_city(Permission.READ)],
        description="The city's deliveries to its platform, oldest first (use last: for the newest), with every attempt. "
        "For the city bureau (deliveries:read for a client).",
    )
    async def deliveries(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: DeliveryStatusEnum | None = None,  # type: ignore[valid-type]
        period: str | None = None,
    ) -> Connection[DeliveryNode]:
        args = PageArgs(first, after, last, before).check()
        statement = select(*columns(Delivery))
        if status is not None:
            statement = statement.where(Delivery.status == status.value)  # type: ignore[attr-defined]
        if period is not None:
            statement = statement.where(Delivery.period == parse_period(period).id)
        rows = await info.context.db.rows(page_statement(statement, Delivery.id, args))
        return make_connection(rows, args, key_of=lambda row: row.id, node_of=DeliveryNode.from_row)

    @strawberry.field(
        permission_classes=[at_city(Permission.READ)], description="Where the city's figures are posted, oldest first."
    )
    async def delivery_endpoints(self, info: Info) -> list[DeliveryEndpointNode]:
        tenant_id = info.context.principal.tenant_id  # type: ignore[union-attr]
        endpoints = await info.context.db.run(lambda session: list_endpoints(session, tenant_id))
        return [DeliveryEndpointNode.from_row(e) for e in endpoints]

    @strawberry.field(
        permission_classes=[at_city(Permission.READ)],
        description="The city's and its counties' latest approved figures for a period as an IHE ADX document "
        "(urn:ihe:qrph:adx:2015), for systems that speak DHIS2. Values not reported are left out.",
    )
    async def adx_document(self, info: Info, period: str) -> str | None:
        canonical = parse_period(period).id
        city_id = info.context.principal.tenant_id  # type: ignore[union-attr]
        return await info.context.db.run(lambda session: adx_for_city(session, city_id, canonical))
