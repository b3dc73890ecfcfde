"""One attempt at one delivery: claim it, POST it with no transaction open, record what happened.

1. Claim, in a short transaction: the delivery must be pending, due and not leased, its endpoint
   active and its circuit not open (a half-open circuit lets exactly one claim through as the probe).
   The claim is a conditional UPDATE on the attempt number the sender read, so of two senders racing
   for the same row exactly one wins; it sets a lease (the endpoint's timeout plus a margin) and
   commits. A sender that dies after this leaves only a lease, which runs out.
2. The HTTP POST, signed (see signing.py), with no transaction open and no lock held: a slow receiver
   holds nothing of ours but one connection. Network errors (refused, timed out, reset mid-answer)
   are failed attempts like any non-2xx answer; redirects are not followed (configure the final URL).
3. Record, in a second short transaction: the attempt's row (status code, latency, error, the first 500
   characters of the answer), the delivery's new state (DELIVERED or PARTIAL, or the next attempt from
   the policy, or DEAD) and the endpoint's breaker. Guarded: if the delivery's attempt number is no
   longer the one claimed (the lease ran out and another sender took over), the attempt is logged but
   changes nothing, so a stale sender cannot overwrite a newer result.

Each attempt is a span "delivery.attempt" in the trace of the write that made the delivery (its
stored traceparent), and the W3C traceparent goes out with the request. Spans carry the webhook id,
the attempt number, the status code and the outcome, never the payload.

Sessions: the workers pass the sessionmaker and a `prepare` hook that makes each session a system
session (`runxin.tenants.scoping.as_system`); this layer cannot import the tenants layer itself.
The webhook-timestamp header is the wall clock, not `now`: the receiver checks it against its own clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import json
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.propagate import extract, inject
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from runxin.platform.crashpoints import crash_point
from runxin.platform.db.base import utcnow
from runxin.platform.db.conflicts import lost_race
from runxin.platform.db.engine import WRITE_TRANSACTION
from runxin.platform.delivery import policy, signing
from runxin.platform.delivery.models import Delivery, DeliveryAttempt, DeliveryEndpoint
from runxin.platform.delivery.payload import aware, read_receipt

log = logging.getLogger("runxin.delivery")
tracer = trace.get_tracer(__name__)

LEASE_MARGIN = dt.timedelta(seconds=30)
EXCERPT_CHARS = 500
USER_AGENT = "Runxin-Webhooks/1.0"
TRANSACTION_TRIES = 5
T = TypeVar("T")
Prepare = Callable[[AsyncSession], None]


class Outcome(enum.StrEnum):
    # An attempt was made (also the attempt rows' outcome):
    DELIVERED = "DELIVERED"
    PARTIAL = "PARTIAL"
    RETRY = "RETRY"  # failed; tried again at the delivery's next_attempt_at
    THROTTLED = "THROTTLED"  # 429 or 503: tried again not before the receiver's Retry-After
    DEAD = "DEAD"  # failed, and the schedule is over: visible and replayable
    STALE = "STALE"  # the attempt was made, but another sender had taken the delivery over
    # No attempt was made:
    NOT_FOUND = "NOT_FOUND"
    SETTLED = "SETTLED"  # already delivered, partial or dead
    NOT_DUE = "NOT_DUE"
    LEASED = "LEASED"  # another sender holds it
    CIRCUIT_OPEN = "CIRCUIT_OPEN"  # the endpoint's breaker is open: put off to when it half-opens
    INACTIVE = "INACTIVE"  # the endpoint is switched off: the delivery waits, pending


# The attempt row's outcome when a stale sender failed (nothing was decided by it).
FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class Claim:
    """What a sender holds after claiming: everything the HTTP call needs, and the number it claimed."""

    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    number: int
    webhook_id: str
    url: str
    body: bytes
    secrets: list[str]
    timeout: float
    traceparent: str | None
    claimed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class HttpResult:
    status_code: int | None
    latency_ms: float
    error: str
    body: bytes
    retry_after: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _GiveBack(Exception):
    """Roll the transaction back and answer `outcome` (a claim that must not stand)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.value)
        self.outcome = outcome


def _no_prepare(_session: AsyncSession) -> None:
    return None


async def attempt_delivery(
    sessionmaker: async_sessionmaker[AsyncSession],
    delivery_id: uuid.UUID | str,
    *,
    client: httpx.AsyncClient,
    now: Callable[[], dt.datetime] = utcnow,
    rng: Any = random,
    prepare: Prepare = _no_prepare,
) -> str:
    """Make one attempt at the delivery if it may be made now; return the Outcome (a string).

    Idempotent in effect: run for a delivery that is settled, not due or held by another sender, it
    changes nothing. `now` drives the schedule (tests move it); `rng` the jitter.
    """
    delivery_id = delivery_id if isinstance(delivery_id, uuid.UUID) else uuid.UUID(str(delivery_id))
    claim = await _transaction(sessionmaker, prepare, lambda s: claim_delivery(s, delivery_id, now=_utc(now())))
    if not isinstance(claim, Claim):
        return claim
    crash_point("delivery.after_claim")
    parent = _parent(claim.traceparent)
    attributes = {"runxin.delivery.webhook_id": claim.webhook_id, "runxin.delivery.attempt": claim.number}
    with tracer.start_as_current_span("delivery.attempt", context=parent, kind=SpanKind.CLIENT, attributes=attributes) as span:
        result = await post(client, claim)
        if result.status_code is not None:
            span.set_attribute("http.response.status_code", result.status_code)
        if result.ok:
            crash_point("delivery.after_2xx")
        outcome = await _transaction(sessionmaker, prepare, lambda s: record_result(s, claim, result, now=_utc(now()), rng=rng))
        span.set_attribute("runxin.delivery.outcome", outcome.value)
        if not result.ok:
            span.set_status(Status(StatusCode.ERROR, result.error or f"HTTP {result.status_code}"))
    return outcome


def _parent(traceparent: str | None) -> Context | None:
    """The attempt's parent: the job's span when it is in the delivery's trace (the usual case, the
    job was rung with the writer's context), else the writer's span stored in the row (a job rung
    without it), so the attempt always joins the trace of the approval that wrote the delivery."""
    if not traceparent:
        return None  # the current context
    stored = extract({"traceparent": traceparent})
    current = trace.get_current_span().get_span_context()
    if current.is_valid and current.trace_id == trace.get_current_span(stored).get_span_context().trace_id:
        return None
    return stored


def _utc(moment: dt.datetime) -> dt.datetime:
    # Stored times are compared as text on SQLite: every one must be in UTC.
    return aware(moment)


async def _transaction(
    sessionmaker: async_sessionmaker[AsyncSession], prepare: Prepare, work: Callable[[AsyncSession], Awaitable[T]]
) -> T | Outcome:
    """Run `work` in a short transaction of its own, again if it lost a race with another writer."""
    for attempt in range(1, TRANSACTION_TRIES + 1):
        try:
            async with sessionmaker() as session:
                prepare(session)
                async with session.begin():
                    # Both transactions write: on SQLite take the write lock at BEGIN, so a claim waits
                    # its turn instead of failing when another writer commits between its read and write.
                    await session.connection(execution_options={WRITE_TRANSACTION: True})
                    return await work(session)
        except _GiveBack as given_back:
            return given_back.outcome
        except DBAPIError as exc:
            # SQLite refuses a write from a transaction whose snapshot another writer has since moved
            # past; PostgreSQL may report a serialization failure. Both are safe to run again: the work
            # reads afresh and its updates are conditional.
            if attempt == TRANSACTION_TRIES or not lost_race(exc):
                raise
            await asyncio.sleep(0.01 * attempt * random.random())
    raise AssertionError("unreachable")


async def claim_delivery(session: AsyncSession, delivery_id: uuid.UUID, *, now: dt.datetime) -> Claim | Outcome:
    """Claim the delivery for one attempt (in the caller's transaction), or say why not."""
    row = (
        await session.execute(
            select(Delivery, DeliveryEndpoint)
            .join(DeliveryEndpoint, DeliveryEndpoint.id == Delivery.endpoint_id)
            .where(Delivery.id == delivery_id)
        )
    ).one_or_none()
    if row is None:
        return Outcome.NOT_FOUND
    delivery, endpoint = row
    if delivery.status != "PENDING":
        return Outcome.SETTLED
    if aware(delivery.next_attempt_at) > now:
        return Outcome.NOT_DUE
    if delivery.leased_until is not None and aware(delivery.leased_until) > now:
        return Outcome.LEASED
    if not endpoint.active:
        return Outcome.INACTIVE
    lease = dt.timedelta(seconds=endpoint.timeout_seconds) + LEASE_MARGIN
    breaker = policy.Breaker(
        endpoint.consecutive_failures, aware(endpoint.circuit_open_until) if endpoint.circuit_open_until else None
    )
    state = breaker.state(now)
    if state is policy.CircuitState.OPEN:
        await _put_off(session, delivery, breaker.open_until)  # type: ignore[arg-type]
        return Outcome.CIRCUIT_OPEN
    claimed = await session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery.id,
            Delivery.status == "PENDING",
            Delivery.attempts == delivery.attempts,
            or_(Delivery.leased_until.is_(None), Delivery.leased_until <= now),
        )
        .values(
            attempts=delivery.attempts + 1,
            leased_until=now + lease,
            first_attempt_at=delivery.first_attempt_at or now,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return Outcome.LEASED
    if state is policy.CircuitState.HALF_OPEN:
        # The probe: close the gate to everyone else for as long as this attempt may take. Of two
        # senders probing at once only one moves the gate; the other gives its claim back.
        probing = breaker.probing(now, lease)
        gate = await session.execute(
            update(DeliveryEndpoint)
            .where(
                DeliveryEndpoint.id == endpoint.id,
                DeliveryEndpoint.consecutive_failures == endpoint.consecutive_failures,
                or_(DeliveryEndpoint.circuit_open_until.is_(None), DeliveryEndpoint.circuit_open_until <= now),
            )
            .values(circuit_open_until=probing.open_until)
            .execution_options(synchronize_session=False)
        )
        if gate.rowcount != 1:
            raise _GiveBack(Outcome.CIRCUIT_OPEN)
    return Claim(
        delivery_id=delivery.id,
        endpoint_id=endpoint.id,
        number=delivery.attempts + 1,
        webhook_id=delivery.webhook_id,
        url=endpoint.url,
        body=delivery.payload.encode(),
        secrets=signing.live_secrets(signing.load_secrets(endpoint.secrets), now),
        timeout=endpoint.timeout_seconds,
        traceparent=delivery.traceparent,
        claimed_at=now,
    )


async def _put_off(session: AsyncSession, delivery: Delivery, until: dt.datetime) -> None:
    """Move a delivery's next attempt to when its endpoint's breaker half-opens (spending no attempt), so
    the sweeper does not keep handing it out meanwhile."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.status == "PENDING", Delivery.attempts == delivery.attempts)
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )


async def post(client: httpx.AsyncClient, claim: Claim) -> HttpResult:
    """POST the claimed delivery, signed; never raises for anything the network or the receiver does."""
    started = time.perf_counter()
    try:
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            **signing.signature_headers(claim.secrets, claim.webhook_id, int(time.time()), claim.body),
        }
        inject(headers)  # the W3C traceparent of the span in progress
        response = await client.post(
            claim.url, content=claim.body, headers=headers, timeout=claim.timeout, follow_redirects=False
        )
    except httpx.TimeoutException as exc:
        return _failed(started, f"no answer within {claim.timeout:g} s ({type(exc).__name__})")
    except httpx.HTTPError as exc:
        return _failed(started, f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a bad URL, no live secret: still an attempt that failed, recorded
        log.warning("delivery %s could not be sent", claim.webhook_id, exc_info=True)
        return _failed(started, f"{type(exc).__name__}: {exc}")
    return HttpResult(
        status_code=response.status_code,
        latency_ms=(time.perf_counter() - started) * 1000,
        error="" if response.is_success else f"HTTP {response.status_code} {response.reason_phrase}".strip(),
        body=response.content,
        retry_after=response.headers.get("retry-after"),
    )


def _failed(started: float, error: str) -> HttpResult:
    return HttpResult(None, (time.perf_counter() - started) * 1000, error[:500], b"", None)


def _excerpt(body: bytes) -> str:
    return body[: EXCERPT_CHARS * 4].decode("utf-8", "replace")[:EXCERPT_CHARS]


async def record_result(
    session: AsyncSession, claim: Claim, result: HttpResult, *, now: dt.datetime, rng: Any = random
) -> Outcome:
    """Record the attempt and settle the delivery and the breaker (in the caller's transaction)."""
    delivery = (
        await session.execute(select(Delivery).where(Delivery.id == claim.delivery_id).with_for_update())
    ).scalar_one_or_none()
    receipt = read_receipt(result.body) if result.ok else None
    if delivery is None or delivery.status != "PENDING" or delivery.attempts != claim.number:
        # The lease ran out and another sender took over (or the delivery was replayed or removed):
        # keep the attempt in the log, but its result decides nothing.
        if delivery is not None:
            _log_attempt(session, delivery, claim, result, receipt.status if receipt else FAILED)
        return Outcome.STALE
    endpoint = (
        await session.execute(select(DeliveryEndpoint).where(DeliveryEndpoint.id == claim.endpoint_id).with_for_update())
    ).scalar_one()
    breaker = policy.Breaker(
        endpoint.consecutive_failures, aware(endpoint.circuit_open_until) if endpoint.circuit_open_until else None
    )
    if receipt is not None:
        outcome = Outcome(receipt.status)
        delivery.status = receipt.status
        delivery.delivered_at = now
        delivery.rejected = json.dumps(receipt.rejected, ensure_ascii=False)
        breaker = breaker.after_success()
    else:
        throttled = result.status_code in policy.THROTTLE_STATUSES
        retry_after = policy.parse_retry_after(result.retry_after, now) if throttled else None
        first = aware(delivery.first_attempt_at) if delivery.first_attempt_at else now
        when = policy.next_attempt_at(
            claim.number - delivery.attempts_before_replay, now=now, first_attempt_at=first, retry_after=retry_after, rng=rng
        )
        if when is None:
            outcome = Outcome.DEAD
            delivery.status = "DEAD"
            log.warning("delivery %s is dead after %d attempts: %s", delivery.webhook_id, claim.number, result.error)
        else:
            outcome = Outcome.THROTTLED if throttled else Outcome.RETRY
            delivery.next_attempt_at = when
        breaker = breaker.after_failure(now)
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error[:500]
    delivery.leased_until = None
    endpoint.consecutive_failures = breaker.consecutive_failures
    endpoint.circuit_open_until = breaker.open_until
    _log_attempt(session, delivery, claim, result, outcome.value)
    await session.flush()
    return outcome


def _log_attempt(session: AsyncSession, delivery: Delivery, claim: Claim, result: HttpResult, outcome: str) -> None:
    session.add(
        DeliveryAttempt(
            tenant_id=delivery.tenant_id,
            root_id=delivery.root_id,
            delivery_id=delivery.id,
            number=claim.number,
            started_at=claim.claimed_at,
            latency_ms=round(result.latency_ms, 3),
            status_code=result.status_code,
            outcome=outcome,
            error=result.error[:500],
            response_excerpt=_excerpt(result.body),
        )
    )
