"""Endpoints, the outbox of deliveries, and the questions the workers ask of it.

A city configures the endpoints of its platform; `enqueue_for_city` writes one Delivery per active
endpoint when the city's approved figures for a period change (its webhook id is derived from the
endpoint, period and version, so writing it twice finds the first); `reconcile` is the scheduled
check that every accepted period has its delivery at every endpoint; `replay` sends dead (or any
named) deliveries again under the same webhook id; `due_delivery_ids` is the sweeper's question.

Every function works through the session it is given and flushes without committing. The caller
scopes that session: a city's principal in the API, a system session (`as_system`) in the workers and
the command line (this layer cannot import the tenants layer that does it).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from runxin.platform.db.base import utcnow
from runxin.platform.delivery import signing
from runxin.platform.delivery.models import Delivery, DeliveryEndpoint
from runxin.platform.delivery.payload import EVENT_TYPE, aware, figures_for_city, payload_bytes, sha256_hex
from runxin.platform.delivery.ssrf import Destinations, check_target
from runxin.platform.doorbell import ring_after_commit
from runxin.platform.errors import Conflict, Invalid, NotFound
from runxin.platform.periods import parse_period
from runxin.platform.reporting.models import Report
from runxin.platform.telemetry import current_traceparent
from runxin.platform.tree.models import Tenant, TenantKind
from runxin.platform.tree.services import get_tenant
from runxin.platform.validation import Checks

DOORBELL = "delivery"
STATUSES = ("PENDING", "DELIVERED", "PARTIAL", "DEAD")
URL_MAX = 500
TIMEOUT_RANGE = (0.5, 60.0)
_ENDPOINT_FIELDS = frozenset({"url", "description", "active", "timeout_seconds"})
# Where endpoints may point when a caller does not pass the deployment's rules: production's.
PRODUCTION_RULES = Destinations(production=True)


@dataclass(frozen=True, slots=True)
class EndpointWithSecret:
    """An endpoint and a secret to show the bureau once (on creation and rotation only)."""

    endpoint: DeliveryEndpoint
    secret: str


def check_url(checks: Checks, field: str = "url", destinations: Destinations = PRODUCTION_RULES) -> None:
    """An absolute http(s) URL of a host, with no credentials in it and no fragment, that deliveries may reach
    (https only in production, no private or loopback address: see ssrf.py)."""
    value = checks.values.get(field)
    if value is None:
        return
    text = str(value).strip()
    example = "e.g. https://platform.example.cn/runxin/webhooks"
    if not text:
        checks.fail(field, "REQUIRED", f"Give the URL the figures are posted to, {example}.")
        return
    if len(text) > URL_MAX:
        checks.fail(field, "TOO_LONG", f"The URL is {len(text)} characters; shorten it to {URL_MAX} at most.")
        return
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - reading it raises on a port that is not a number from 0 to 65535
    except ValueError:
        checks.fail(field, "URL_INVALID", f"{text!r} is not a URL; write it in full, {example}.")
        return
    if parts.scheme not in ("http", "https"):
        checks.fail(field, "URL_SCHEME", f"The URL must start with https:// (or http:// on a private network), {example}.")
    elif not parts.hostname:
        checks.fail(field, "URL_INVALID", f"{text!r} names no host; write it in full, {example}.")
    elif parts.username is not None or parts.password is not None:
        checks.fail(
            field,
            "URL_CREDENTIALS",
            "Leave user names and passwords out of the URL: every message is signed, and the receiver checks the signature.",
        )
    elif parts.fragment:
        checks.fail(field, "URL_FRAGMENT", "Drop the #fragment: it is never sent to the server.")
    elif any(c.isspace() for c in text):
        checks.fail(field, "URL_INVALID", "The URL contains spaces; percent-encode them (%20).")
    elif refused := check_target(text, destinations):
        checks.fail(field, *refused)


def _check_endpoint(values: Mapping[str, Any], destinations: Destinations) -> None:
    checks = Checks(values)
    check_url(checks, destinations=destinations)
    checks.text("description", min_length=0, max_length=200)
    checks.number("timeout_seconds", minimum=TIMEOUT_RANGE[0], maximum=TIMEOUT_RANGE[1], label="timeoutSeconds", unit=" s")
    if "active" in values and not isinstance(values["active"], bool):
        checks.fail("active", "NOT_A_BOOLEAN", "active is true or false.")
    checks.raise_if_any()


async def get_endpoint(session: Any, endpoint_id: uuid.UUID, *, field: str = "id") -> DeliveryEndpoint:
    endpoint = (await session.execute(select(DeliveryEndpoint).where(DeliveryEndpoint.id == endpoint_id))).scalar_one_or_none()
    if endpoint is None:
        raise NotFound("No delivery endpoint with that id in your part of the tree.", field=field)
    return endpoint


async def create_endpoint(
    session: Any,
    *,
    tenant_id: uuid.UUID,
    url: str,
    description: str = "",
    timeout_seconds: float = 10.0,
    active: bool = True,
    now: dt.datetime | None = None,
    destinations: Destinations = PRODUCTION_RULES,
) -> EndpointWithSecret:
    """Add an endpoint of a city's platform with a fresh signing secret (returned once; flushes).

    `destinations` says which URLs may be registered; the default is production's rules (the API and
    the command line pass the deployment's, `Destinations.from_settings`)."""
    tenant = await get_tenant(session, tenant_id)
    if tenant.kind != TenantKind.CITY.value:
        raise Invalid(
            "tenantId",
            "TENANT_KIND",
            f"Figures go to the city's platform: a city bureau configures its endpoints, not a {tenant.kind.lower()}.",
        )
    values = {"url": url.strip(), "description": description.strip(), "timeout_seconds": timeout_seconds, "active": active}
    _check_endpoint(values, destinations)
    stored, secret = signing.rotate([], now or utcnow())
    endpoint = DeliveryEndpoint(tenant_id=tenant.id, root_id=tenant.root_id, secrets=signing.dump_secrets(stored), **values)
    session.add(endpoint)
    await session.flush()
    return EndpointWithSecret(endpoint, secret)


async def update_endpoint(
    session: Any, endpoint_id: uuid.UUID, changes: Mapping[str, Any], *, destinations: Destinations = PRODUCTION_RULES
) -> DeliveryEndpoint:
    """Change an endpoint's url, description, active flag or timeout (only the fields given)."""
    unknown = set(changes) - _ENDPOINT_FIELDS
    if unknown:
        raise Invalid(
            min(unknown), "NOT_CHANGEABLE", f"Only {', '.join(sorted(_ENDPOINT_FIELDS))} of an endpoint can be changed."
        )
    endpoint = await get_endpoint(session, endpoint_id)
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    nulls = [k for k, v in clean.items() if v is None]
    if nulls:
        raise Invalid(nulls[0], "REQUIRED", f"{nulls[0]} cannot be null; leave it out to keep the current value.")
    _check_endpoint(clean, destinations)
    for key, value in clean.items():
        setattr(endpoint, key, value)
    await session.flush()
    return endpoint


async def rotate_endpoint_secret(
    session: Any, endpoint_id: uuid.UUID, *, overlap: dt.timedelta = signing.DEFAULT_OVERLAP, now: dt.datetime | None = None
) -> EndpointWithSecret:
    """Give an endpoint a new secret that signs at once; the old ones sign on until `now + overlap`."""
    if not dt.timedelta(0) <= overlap <= dt.timedelta(days=30):
        raise Invalid(
            "overlapHours",
            "OVERLAP_RANGE",
            "The old secret may keep signing for 0 to 720 hours; 24 gives a receiver a day to switch.",
        )
    endpoint = await get_endpoint(session, endpoint_id)
    stored, secret = signing.rotate(signing.load_secrets(endpoint.secrets), now or utcnow(), overlap=overlap)
    endpoint.secrets = signing.dump_secrets(stored)
    await session.flush()
    return EndpointWithSecret(endpoint, secret)


async def list_endpoints(session: Any, tenant_id: uuid.UUID | None = None) -> list[DeliveryEndpoint]:
    """Endpoints the session sees (of one city when `tenant_id` is given), oldest first."""
    statement = select(DeliveryEndpoint).order_by(DeliveryEndpoint.id)
    if tenant_id is not None:
        statement = statement.where(DeliveryEndpoint.tenant_id == tenant_id)
    return list((await session.execute(statement)).scalars())


def webhook_id_for(endpoint_id: uuid.UUID, period: str, version: int) -> str:
    """The stable webhook id of (endpoint, period, version): the receiver's idempotency key."""
    return "msg_" + uuid.uuid5(endpoint_id, f"{period}:{version}").hex


async def enqueue_for_city(
    session: Any, *, city_id: uuid.UUID, period: str, version: int, now: dt.datetime | None = None
) -> list[Delivery]:
    """One delivery of the city's figures for (period, version) per active endpoint, due now.

    Idempotent: a delivery that already exists for an endpoint is returned as it is. Rings the
    doorbell for the new ones once the caller commits. Call it in the transaction that approves.
    """
    deliveries, _created = await _enqueue(session, city_id=city_id, period=period, version=version, now=now)
    return deliveries


async def _enqueue(
    session: Any, *, city_id: uuid.UUID, period: str, version: int, now: dt.datetime | None
) -> tuple[list[Delivery], list[Delivery]]:
    period = parse_period(period).id
    city = await get_tenant(session, city_id)
    if city.kind != TenantKind.CITY.value:
        raise Invalid("tenantId", "TENANT_KIND", "Deliveries carry a city's accepted figures; this tenant is not a city.")
    endpoints = list(
        (
            await session.execute(
                select(DeliveryEndpoint)
                .where(DeliveryEndpoint.tenant_id == city.id, DeliveryEndpoint.active.is_(True))
                .order_by(DeliveryEndpoint.id)
            )
        ).scalars()
    )
    if not endpoints:
        return [], []
    wanted = {endpoint.id: webhook_id_for(endpoint.id, period, version) for endpoint in endpoints}
    existing = {
        d.webhook_id: d
        for d in (await session.execute(select(Delivery).where(Delivery.webhook_id.in_(list(wanted.values()))))).scalars()
    }
    missing = [endpoint for endpoint in endpoints if wanted[endpoint.id] not in existing]
    created: list[Delivery] = []
    if missing:
        body = payload_bytes(city.code, period, version, await figures_for_city(session, city.id, period, version=version))
        due = now or utcnow()
        traceparent = current_traceparent()
        for endpoint in missing:
            delivery = Delivery(
                tenant_id=city.id,
                root_id=city.root_id,
                endpoint_id=endpoint.id,
                webhook_id=wanted[endpoint.id],
                event_type=EVENT_TYPE,
                period=period,
                version=version,
                payload=body.decode(),
                payload_sha256=sha256_hex(body),
                status="PENDING",
                attempts=0,
                attempts_before_replay=0,
                next_attempt_at=due,
                traceparent=traceparent,
            )
            session.add(delivery)
            created.append(delivery)
        try:
            await session.flush()
        except IntegrityError as exc:
            # Another transaction wrote the same webhook id first (an approval and the reconciler at
            # the same moment). The row exists, which is all that matters; this transaction cannot go
            # on (PostgreSQL has aborted it), so the caller rolls back and runs it again.
            raise Conflict(
                "The same delivery was being written at the same moment; send this again (it will find it).",
                code="CONCURRENT_WRITE",
            ) from exc
        ring_after_commit(session, DOORBELL, [d.id for d in created])
    by_id = {**existing, **{d.webhook_id: d for d in created}}
    return [by_id[wanted[endpoint.id]] for endpoint in endpoints], created


async def reconcile(session: Any, now: dt.datetime | None = None) -> list[uuid.UUID]:
    """Make sure every period a city has accepted has a delivery at its current version on every active
    endpoint (an endpoint added later, rows lost); return the ids of the deliveries created."""
    accepted = (
        await session.execute(
            select(Report.tenant_id, Report.period, Report.version)
            .join(Tenant, Tenant.id == Report.tenant_id)
            .where(Report.state == "APPROVED", Tenant.kind == TenantKind.CITY.value)
            .order_by(Report.tenant_id, Report.period)
        )
    ).all()
    if not accepted:
        return []
    endpoints: dict[uuid.UUID, list[uuid.UUID]] = {}
    for row in await session.execute(
        select(DeliveryEndpoint.id, DeliveryEndpoint.tenant_id).where(
            DeliveryEndpoint.active.is_(True), DeliveryEndpoint.tenant_id.in_({r.tenant_id for r in accepted})
        )
    ):
        endpoints.setdefault(row.tenant_id, []).append(row.id)
    created: list[uuid.UUID] = []
    for report in accepted:
        wanted = [webhook_id_for(e, report.period, report.version) for e in endpoints.get(report.tenant_id, [])]
        if not wanted:
            continue
        found = set((await session.execute(select(Delivery.webhook_id).where(Delivery.webhook_id.in_(wanted)))).scalars())
        if found.issuperset(wanted):
            continue
        _all, new = await _enqueue(session, city_id=report.tenant_id, period=report.period, version=report.version, now=now)
        created.extend(d.id for d in new)
    return created


async def replay(
    session: Any,
    *,
    delivery_ids: Sequence[uuid.UUID] | None = None,
    dead: bool = False,
    endpoint_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> list[Delivery]:
    """Send deliveries again from the start of the schedule, under the same webhook id (the receiver dedups).

    `delivery_ids` names deliveries in any state (a delivered one is sent again, a pending one is made
    due now); `dead` adds every dead one; `endpoint_id` keeps to one endpoint. A delivery in flight
    (claimed, its lease running) is left to its sender. Returns what was replayed; rings the doorbell.
    """
    if not delivery_ids and not dead:
        raise Invalid("ids", "NOTHING_TO_REPLAY", "Name the deliveries to send again by id, or ask for every dead one.")
    moment = now or utcnow()
    chosen = []
    if delivery_ids:
        chosen.append(Delivery.id.in_(list(delivery_ids)))
    if dead:
        chosen.append(Delivery.status == "DEAD")
    statement = select(Delivery).where(or_(*chosen)).order_by(Delivery.id)
    if endpoint_id is not None:
        statement = statement.where(Delivery.endpoint_id == endpoint_id)
    rows = list((await session.execute(statement)).scalars())
    if delivery_ids:
        missing = set(delivery_ids) - {d.id for d in rows}
        if missing and endpoint_id is None:
            raise NotFound(
                f"{len(missing)} of the deliveries named are not in your part of the tree; check the ids.", field="ids"
            )
    replayed = []
    for delivery in rows:
        leased = delivery.leased_until is not None and aware(delivery.leased_until) > moment
        if delivery.status == "PENDING" and leased:
            continue
        delivery.status = "PENDING"
        delivery.attempts_before_replay = delivery.attempts
        delivery.first_attempt_at = None
        delivery.next_attempt_at = moment
        delivery.leased_until = None
        delivery.delivered_at = None
        delivery.rejected = "[]"
        delivery.traceparent = current_traceparent() or delivery.traceparent
        replayed.append(delivery)
    await session.flush()
    ring_after_commit(session, DOORBELL, [d.id for d in replayed])
    return replayed


async def due_delivery_ids(session: Any, now: dt.datetime | None = None, limit: int = 100) -> list[uuid.UUID]:
    """Deliveries a sender may claim now, the longest waiting first: pending, due, not leased, their
    endpoint active and its circuit not open (the sweeper enqueues these)."""
    moment = now or utcnow()
    statement = (
        select(Delivery.id)
        .join(DeliveryEndpoint, DeliveryEndpoint.id == Delivery.endpoint_id)
        .where(
            Delivery.status == "PENDING",
            Delivery.next_attempt_at <= moment,
            or_(Delivery.leased_until.is_(None), Delivery.leased_until <= moment),
            DeliveryEndpoint.active.is_(True),
            or_(DeliveryEndpoint.circuit_open_until.is_(None), DeliveryEndpoint.circuit_open_until <= moment),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def traceparents_of(session: Any, delivery_ids: list[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """The writer's traceparent of each delivery, so that a job the sweeper rings joins its trace."""
    if not delivery_ids:
        return {}
    rows = await session.execute(select(Delivery.id, Delivery.traceparent).where(Delivery.id.in_(delivery_ids)))
    return {row[0]: row[1] for row in rows.all()}


async def list_deliveries(
    session: Any, *, status: str | None = None, city_id: uuid.UUID | None = None, period: str | None = None, limit: int = 50
) -> list[Delivery]:
    """The newest deliveries the session sees, optionally of one status, city or period."""
    if status is not None and status not in STATUSES:
        raise Invalid("status", "NOT_ALLOWED", f"status {status!r} is not one of {', '.join(STATUSES)}.")
    conditions = []
    if status is not None:
        conditions.append(Delivery.status == status)
    if city_id is not None:
        conditions.append(Delivery.tenant_id == city_id)
    if period is not None:
        conditions.append(Delivery.period == parse_period(period).id)
    statement = select(Delivery).where(*conditions).order_by(Delivery.id.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())


async def resolve_delivery_refs(session: Any, refs: Sequence[str]) -> list[uuid.UUID]:
    """Delivery ids from what a person types, in order: the id itself or the webhook id ("msg_...")."""
    texts = [ref.strip() for ref in refs]
    webhook_ids = [text for text in texts if text.startswith("msg_")]
    found: dict[str, uuid.UUID] = {}
    if webhook_ids:
        found = dict(
            (await session.execute(select(Delivery.webhook_id, Delivery.id).where(Delivery.webhook_id.in_(webhook_ids)))).all()
        )
        unknown = [w for w in webhook_ids if w not in found]
        if unknown:
            raise NotFound(f"No delivery with webhook id {', '.join(unknown)} in your part of the tree.", field="ids")
    ids: list[uuid.UUID] = []
    for text in texts:
        if text in found:
            ids.append(found[text])
            continue
        try:
            ids.append(uuid.UUID(text))
        except ValueError as exc:
            raise Invalid("ids", "ID_MALFORMED", f"{text!r} is neither a delivery id nor a webhook id (msg_...).") from exc
    return ids
