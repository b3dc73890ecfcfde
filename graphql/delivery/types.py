"""Delivery, DeliveryAttempt and DeliveryEndpoint as the city reads them (never a secret, never the payload)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import strawberry
from sqlalchemy import select

from runxin.graphql.context import Context, Info
from runxin.graphql.enums import enum_of
from runxin.graphql.loaders import by_id_loader, columns, many_by_key_loader
from runxin.graphql.tenants.record import TenantRecord, record_fields
from runxin.platform.delivery import signing
from runxin.platform.delivery.models import DeliveryAttempt, DeliveryEndpoint
from runxin.platform.delivery.payload import aware
from runxin.platform.delivery.policy import Breaker, CircuitState
from runxin.platform.delivery.services import STATUSES

DeliveryStatusEnum = enum_of(
    "DeliveryStatus",
    STATUSES,
    description="PENDING: being tried (see nextAttemptAt); DELIVERED; PARTIAL: arrived, some figures refused (see rejected); "
    "DEAD: every try for at least 72 hours failed, replay it with deliveryReplay.",
)
DeliveryAttemptOutcomeEnum = enum_of(
    "DeliveryAttemptOutcome",
    ("DELIVERED", "PARTIAL", "RETRY", "THROTTLED", "FAILED", "DEAD"),
    description="RETRY: failed, tried again later; THROTTLED: 429 or 503, tried again not before Retry-After; "
    "FAILED: failed after another sender had taken the delivery over (it decided nothing); DEAD: the last try failed.",
)
DeliveryCircuitStateEnum = enum_of(
    "DeliveryCircuitState",
    CircuitState,
    description="CLOSED: sending; OPEN: too many failures in a row, nothing is sent until circuitOpenUntil; "
    "HALF_OPEN: the next attempt is a probe whose success closes the circuit.",
)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return aware(moment) if moment is not None else None


@strawberry.type(name="DeliveryAttempt", description="One try at a delivery: one HTTP request, or one that could not be made.")
class DeliveryAttemptType:
    number: int = strawberry.field(description="1 for the first attempt; numbers go on after a replay.")
    at: dt.datetime = strawberry.field(description="When the attempt started.")
    status_code: int | None = strawberry.field(description="The receiver's HTTP status; null when no answer came (see error).")
    latency_ms: float | None
    outcome: DeliveryAttemptOutcomeEnum
    error: str = strawberry.field(description="What went wrong, e.g. 'HTTP 503 Service Unavailable' or 'no answer within 10 s'.")
    response_excerpt: str = strawberry.field(description="The first 500 characters of the receiver's answer.")

    @classmethod
    def from_row(cls, row: Any) -> DeliveryAttemptType:
        return cls(
            number=row.number,
            at=aware(row.started_at),
            status_code=row.status_code,
            latency_ms=row.latency_ms,
            outcome=DeliveryAttemptOutcomeEnum(row.outcome),
            error=row.error,
            response_excerpt=row.response_excerpt,
        )


@strawberry.type(description="A figure the receiver refused in a partial success.")
class RejectedFigure:
    tenant: str = strawberry.field(description="The tenant's code.")
    indicator: str
    reason: str


@strawberry.type(description="A secret that signs deliveries (the secret itself is shown only when it is made).")
class DeliverySigningSecret:
    created_at: dt.datetime
    expires_at: dt.datetime | None = strawberry.field(description="When it stops signing; null: until the next rotation.")


@strawberry.type(name="DeliveryEndpoint", description="Where a city's approved figures are posted, signed per Standard Webhooks.")
class DeliveryEndpointNode(TenantRecord):
    url: str
    description: str
    active: bool = strawberry.field(description="False: deliveries wait, pending, until it is switched on again.")
    timeout_seconds: float
    consecutive_failures: int
    circuit_open_until: dt.datetime | None
    secrets_json: strawberry.Private[str]

    @strawberry.field(description="The circuit breaker now.")
    def circuit_state(self) -> DeliveryCircuitStateEnum:  # type: ignore[valid-type]
        breaker = Breaker(self.consecutive_failures, self.circuit_open_until)
        return DeliveryCircuitStateEnum(breaker.state(dt.datetime.now(dt.UTC)).value)

    @strawberry.field(description="The secrets that sign now, newest first: two while a rotation's overlap runs.")
    def signing_secrets(self) -> list[DeliverySigningSecret]:
        now = dt.datetime.now(dt.UTC)
        stored = sorted(signing.load_secrets(self.secrets_json), key=lambda s: s.created_at, reverse=True)
        return [DeliverySigningSecret(created_at=s.created_at, expires_at=s.expires_at) for s in stored if s.live(now)]

    @classmethod
    def from_row(cls, row: Any) -> DeliveryEndpointNode:
        return cls(
            **record_fields(row),
            url=row.url,
            description=row.description,
            active=row.active,
            timeout_seconds=row.timeout_seconds,
            consecutive_failures=row.consecutive_failures,
            circuit_open_until=_utc(row.circuit_open_until),
            secrets_json=row.secrets,
        )


@strawberry.type(
    name="Delivery",
    description="One message of a city's approved figures for a period and version to one endpoint, with every attempt. "
    "The receiver deduplicates by webhookId, which stays the same across retries and replays.",
)
class DeliveryNode(TenantRecord):
    webhook_id: str
    event_type: str
    period: str
    version: int = strawberry.field(description="The version of the city's accepted report the figures are of.")
    status: DeliveryStatusEnum
    attempt_count: int = strawberry.field(description="Attempts made so far (replays included).")
    payload_sha256: str = strawberry.field(description="SHA-256 (hex) of the exact body sent.")
    next_attempt_at: dt.datetime | None = strawberry.field(description="When it is tried next; null unless PENDING.")
    first_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    last_status_code: int | None
    last_error: str
    created_at: dt.datetime
    endpoint_uuid: strawberry.Private[uuid.UUID]
    rejected_json: strawberry.Private[str]

    @strawberry.field(description="The figures the receiver refused (a PARTIAL delivery).")
    def rejected(self) -> list[RejectedFigure]:
        return [
            RejectedFigure(tenant=r.get("tenant", ""), indicator=r.get("indicator", ""), reason=r.get("reason", ""))
            for r in json.loads(self.rejected_json or "[]")
        ]

    @strawberry.field(description="Every attempt, first to last.")
    async def attempts(self, info: Info) -> list[DeliveryAttemptType]:
        return await attempts_by_delivery(info.context).load(self.uuid)

    @strawberry.field
    async def endpoint(self, info: Info) -> DeliveryEndpointNode | None:
        return await endpoint_by_id(info.context).load(self.endpoint_uuid)

    @classmethod
    def from_row(cls, row: Any) -> DeliveryNode:
        return cls(
            **record_fields(row),
            webhook_id=row.webhook_id,
            event_type=row.event_type,
            period=row.period,
            version=row.version,
            status=DeliveryStatusEnum(row.status),
            attempt_count=row.attempts,
            payload_sha256=row.payload_sha256,
            next_attempt_at=aware(row.next_attempt_at) if row.status == "PENDING" else None,
            first_attempt_at=_utc(row.first_attempt_at),
            delivered_at=_utc(row.delivered_at),
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            created_at=aware(row.created_at),
            endpoint_uuid=row.endpoint_id,
            rejected_json=row.rejected,
        )


def attempts_by_delivery(context: Context) -> Any:
    return context.loader(
        "DeliveryAttemptsByDeliveryLoader",
        lambda ctx: many_by_key_loader(
            ctx,
            lambda ids: (
                select(*columns(DeliveryAttempt))
                .where(DeliveryAttempt.delivery_id.in_(ids))
                .order_by(DeliveryAttempt.delivery_id, DeliveryAttempt.number, DeliveryAttempt.id)
            ),
            lambda row: row.delivery_id,
            DeliveryAttemptType.from_row,
        ),
    )


def endpoint_by_id(context: Context) -> Any:
    return context.loader(
        "DeliveryEndpointByIdLoader", lambda ctx: by_id_loader(ctx, DeliveryEndpoint, DeliveryEndpointNode.from_row)
    )
