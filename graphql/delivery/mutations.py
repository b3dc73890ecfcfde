"""deliveryEndpointCreate, deliveryEndpointUpdate, deliveryEndpointRotateSecret and deliveryReplay.

The endpoint belongs to the caller's city. A secret is in the answer of the mutation that made it and
nowhere else, ever: the bureau stores it in its platform then.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.delivery.permissions import at_city
from runxin.graphql.delivery.types import DeliveryEndpointNode, DeliveryNode
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import id_arg, input_values, run_mutation
from runxin.platform.delivery import services
from runxin.platform.delivery.ssrf import Destinations
from runxin.tenants.policy import Permission

UNSET = strawberry.UNSET
CAN_CONFIGURE = [at_city(Permission.WRITE, admin=True)]


@strawberry.input
class DeliveryEndpointCreateInput:
    url: str = strawberry.field(description="Where to POST, e.g. https://platform.example.cn/runxin/webhooks.")
    description: str | None = UNSET
    timeout_seconds: float | None = strawberry.field(default=UNSET, description="0.5 to 60; 10 when left out.")
    active: bool | None = UNSET


@strawberry.input
class DeliveryEndpointUpdateInput:
    id: strawberry.ID
    url: str | None = UNSET
    description: str | None = UNSET
    timeout_seconds: float | None = UNSET
    active: bool | None = UNSET


@strawberry.input
class DeliveryEndpointRotateSecretInput:
    id: strawberry.ID
    overlap_hours: float = strawberry.field(default=24.0, description="How long the old secret keeps signing (0 to 720 hours).")


@strawberry.input
class DeliveryReplayInput:
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Deliveries to send again, in any state.")
    dead: bool = strawberry.field(default=False, description="Also every dead delivery of the city.")


@strawberry.type
class DeliveryEndpointPayload:
    endpoint: DeliveryEndpointNode | None
    user_errors: list[UserError]


@strawberry.type
class DeliveryEndpointSecretPayload:
    endpoint: DeliveryEndpointNode | None
    secret: str | None = strawberry.field(description="The new signing secret (whsec_...): shown this once, store it now.")
    user_errors: list[UserError]


@strawberry.type
class DeliveryReplayPayload:
    deliveries: list[DeliveryNode] = strawberry.field(
        description="What was sent again (a delivery in flight is left to its sender)."
    )
    user_errors: list[UserError]


@strawberry.type
class DeliveryMutation:
    @strawberry.mutation(
        permission_classes=CAN_CONFIGURE,
        description="Add an endpoint of the city's platform; the answer holds its signing secret, once.",
    )
    async def delivery_endpoint_create(self, info: Info, input: DeliveryEndpointCreateInput) -> DeliveryEndpointSecretPayload:
        made: dict[str, str] = {}

        async def action(session: Any) -> Any:
            values = {k: v for k, v in input_values(input).items() if v is not None}  # null: the default
            created = await services.create_endpoint(
                session,
                tenant_id=info.context.principal.tenant_id,  # type: ignore[union-attr]
                destinations=Destinations.from_settings(info.context.settings),
                **values,
            )
            made["secret"] = created.secret
            return created.endpoint

        endpoint, errors = await run_mutation(info, action, DeliveryEndpointNode.from_row)
        return DeliveryEndpointSecretPayload(
            endpoint=endpoint, secret=made.get("secret") if endpoint else None, user_errors=errors
        )

    @strawberry.mutation(permission_classes=CAN_CONFIGURE, description="Change an endpoint; only the fields given change.")
    async def delivery_endpoint_update(self, info: Info, input: DeliveryEndpointUpdateInput) -> DeliveryEndpointPayload:
        async def action(session: Any) -> Any:
            return await services.update_endpoint(
                session,
                id_arg(input.id, "DeliveryEndpoint", "id"),
                input_values(input, exclude=("id",)),
                destinations=Destinations.from_settings(info.context.settings),
            )

        endpoint, errors = await run_mutation(info, action, DeliveryEndpointNode.from_row)
        return DeliveryEndpointPayload(endpoint=endpoint, user_errors=errors)

    @strawberry.mutation(
        permission_classes=CAN_CONFIGURE,
        description="Give an endpoint a new secret that signs at once; the old one keeps signing for overlapHours, "
        "so the receiver can switch without missing a message. The answer holds the new secret, once.",
    )
    async def delivery_endpoint_rotate_secret(
        self, info: Info, input: DeliveryEndpointRotateSecretInput
    ) -> DeliveryEndpointSecretPayload:
        made: dict[str, str] = {}

        async def action(session: Any) -> Any:
            # Clamped only so that an absurd number is refused by the service's range check, not by timedelta.
            overlap = dt.timedelta(hours=min(max(input.overlap_hours, -1.0), 10_000.0))
            rotated = await services.rotate_endpoint_secret(session, id_arg(input.id, "DeliveryEndpoint", "id"), overlap=overlap)
            made["secret"] = rotated.secret
            return rotated.endpoint

        endpoint, errors = await run_mutation(info, action, DeliveryEndpointNode.from_row)
        return DeliveryEndpointSecretPayload(
            endpoint=endpoint, secret=made.get("secret") if endpoint else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=CAN_CONFIGURE,
        description="Send deliveries again from the start of the retry schedule, under the same webhookId (the receiver "
        "deduplicates): the ones named, and every dead one when dead is true.",
    )
    async def delivery_replay(self, info: Info, input: DeliveryReplayInput) -> DeliveryReplayPayload:
        async def action(session: Any) -> Any:
            ids = [id_arg(i, "Delivery", "ids") for i in input.ids or []]
            return await services.replay(session, delivery_ids=ids, dead=input.dead)

        nodes, errors = await run_mutation(info, action, lambda rows: [DeliveryNode.from_row(r) for r in rows])
        if nodes:
            info.context.audit.note_write(info.field_name, "Delivery", [n.uuid for n in nodes])
        return DeliveryReplayPayload(deliveries=nodes or [], user_errors=errors)
