"""Sending deliveries to the reference receiver over real HTTP, on SQLite and PostgreSQL.

Time is driven by the `now` the sender is given, never by sleeping: an attempt "five hours later"
is an attempt whose clock says so. The receiver checks signatures against the real clock, which is
why the webhook-timestamp header always carries the real time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from runxin.platform.delivery.models import Delivery, DeliveryAttempt, DeliveryEndpoint
from runxin.platform.delivery.payload import aware
from runxin.platform.delivery.sender import HttpResult, Outcome, attempt_delivery, claim_delivery, record_result
from runxin.platform.delivery.services import due_delivery_ids, enqueue_for_city, replay
from runxin.platform.tree.models import Tenant
from runxin.tenants.scoping import as_system
from tests.factories.deliveries import accept_everything, add_endpoint
from tests.factories.tree import Tree, make_tree
from tests.receiver import Fault, ReceiverServer, ReferenceReceiver

T0 = dt.datetime.now(dt.UTC).replace(microsecond=0)


def prepare(session) -> None:  # type: ignore[no-untyped-def]
    as_system(session, "delivery test")


@dataclass
class World:
    tree: Tree
    endpoint: DeliveryEndpoint
    server: ReceiverServer

    @property
    def receiver(self) -> ReferenceReceiver:
        return self.server.receiver

    @property
    def city(self) -> Tenant:
        return self.tree.city


@pytest.fixture
def server() -> Iterator[ReceiverServer]:
    server = ReceiverServer(ReferenceReceiver()).start()
    yield server
    server.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
async def world(system_session, server) -> World:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    await accept_everything(system_session, tree.city, tree.counties)
    endpoint, secret = await add_endpoint(system_session, tree.city, server.url)
    server.receiver.set_secrets([secret])
    return World(tree, endpoint, server)


async def reload(session, model, row_id):  # type: ignore[no-untyped-def]
    return (await session.execute(select(model).where(model.id == row_id).execution_options(populate_existing=True))).scalar_one()


async def enqueue(session, world: World, *, period: str = "2025", version: int = 1) -> Delivery:  # type: ignore[no-untyped-def]
    [delivery] = await enqueue_for_city(session, city_id=world.city.id, period=period, version=version, now=T0)
    await session.commit()
    return delivery


async def attempt(sessionmaker, http, delivery_id, at: dt.datetime) -> str:  # type: ignore[no-untyped-def]
    return await attempt_delivery(sessionmaker, delivery_id, client=http, now=lambda: at, rng=random.Random(7), prepare=prepare)


async def attempts_of(session, delivery_id) -> list[DeliveryAttempt]:  # type: ignore[no-untyped-def]
    statement = select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id).order_by(DeliveryAttempt.number)
    return list((await session.execute(statement.execution_options(populate_existing=True))).scalars())


def assert_figures_arrived(world: World, version: int = 1) -> None:
    stored = world.receiver.snapshot()
    city, (first, second) = world.city.code, world.tree.counties
    assert stored[(city, "2025", "STATION_COVERAGE")].value == 0.25 * version
    assert stored[(first.code, "2025", "STATION_COVERAGE")].value == 0.1
    assert stored[(second.code, "2025", "STATION_COVERAGE")].value == 0.2
    assert stored[(city, "2025", "COUNSELLOR_COVERAGE")].state == "NOT_REPORTED"


async def test_a_delivery_arrives_once_and_a_second_run_changes_nothing(sessionmaker, system_session, http, world) -> None:  # type: ignore[no-untyped-def]
    # Given the city's accepted figures, enqueued for its endpoint
    delivery = await enqueue(system_session, world)
    # When a sender attempts it, and a duplicate job runs again
    first = await attempt(sessionmaker, http, delivery.id, T0)
    second = await attempt(sessionmaker, http, delivery.id, T0 + dt.timedelta(seconds=1))
    # Then it was delivered exactly once, and recorded
    assert (first, second) == (Outcome.DELIVERED, Outcome.SETTLED)
    assert world.receiver.received == 1 and world.receiver.duplicates == 0
    assert world.receiver.webhook_ids == [delivery.webhook_id]
    assert_figures_arrived(world)
    row = await reload(system_session, Delivery, delivery.id)
    assert (row.status, row.attempts, row.last_status_code, row.leased_until) == ("DELIVERED", 1, 200, None)
    assert aware(row.delivered_at) == T0
    [logged] = await attempts_of(system_session, delivery.id)
    assert (logged.number, logged.status_code, logged.outcome) == (1, 200, "DELIVERED")
    assert logged.latency_ms is not None and logged.latency_ms > 0
    assert json.loads(logged.response_excerpt) == {"accepted": 6}  # 2 indicators of the city and 2 counties


# Every way the receiver fails (a partial success is a success: see test_partial_success_keeps_what_was_refused).
FAILURES = [*(f for f in Fault if f is not Fault.PARTIAL), "DOWN"]


@pytest.mark.parametrize("fault", FAILURES, ids=lambda f: str(f).lower())
async def test_every_failure_is_retried_until_the_figures_arrive(sessionmaker, system_session, http, world, fault) -> None:  # type: ignore[no-untyped-def]
    delivery = await enqueue(system_session, world)
    # Given a receiver that fails once in this way
    if fault == "DOWN":
        world.server.stop()
    else:
        world.receiver.fail(fault, retry_after="600", hang_seconds=1.5)
    # When the first attempt is made
    outcome = await attempt(sessionmaker, http, delivery.id, T0)
    row = await reload(system_session, Delivery, delivery.id)
    # Then it is a failed attempt, scheduled again, with what went wrong on record
    expected = {Fault.UNAVAILABLE: 503, Fault.THROTTLE: 429, Fault.ACCEPT_THEN_500: 500}.get(fault)  # type: ignore[call-overload]
    assert row.status == "PENDING" and row.leased_until is None
    assert row.last_status_code == expected
    assert outcome == (Outcome.THROTTLED if expected in (429, 503) else Outcome.RETRY)
    assert row.last_error
    if fault is Fault.THROTTLE:
        assert aware(row.next_attempt_at) == T0 + dt.timedelta(seconds=600), "Retry-After is honoured"
    else:
        assert T0 + dt.timedelta(seconds=4) <= aware(row.next_attempt_at) <= T0 + dt.timedelta(seconds=6)
    # And trying before it is due does nothing
    assert await attempt(sessionmaker, http, delivery.id, T0 + dt.timedelta(seconds=1)) == Outcome.NOT_DUE
    # When the receiver is back and the retry is due
    if fault == "DOWN":
        world.server.start()
    retry = await attempt(sessionmaker, http, delivery.id, aware(row.next_attempt_at))
    # Then the figures arrive, once in effect
    assert retry == Outcome.DELIVERED
    assert world.receiver.received == 1
    assert_figures_arrived(world)
    if fault is Fault.ACCEPT_THEN_500:
        assert world.receiver.duplicates == 1, "the retry of a message already stored is recognised by its id"
    logged = await attempts_of(system_session, delivery.id)
    assert [a.number for a in logged] == [1, 2]
    assert logged[0].error and logged[1].outcome == "DELIVERED"


async def test_network_errors_say_what_happened(sessionmaker, system_session, http, world) -> None:  # type: ignore[no-untyped-def]
    delivery = await enqueue(system_session, world)
    world.receiver.fail(Fault.HANG, hang_seconds=1.5)
    await attempt(sessionmaker, http, delivery.id, T0)
    [hung] = await attempts_of(system_session, delivery.id)
    assert hung.status_code is None and "no answer within 0.5 s" in hung.error
    assert 450 <= hung.latency_ms < 1500
    world.receiver.fail(Fault.RESET)
    row = await reload(system_session, Delivery, delivery.id)
    await attempt(sessionmaker, http, delivery.id, aware(row.next_attempt_at))
    _, reset = await attempts_of(system_session, delivery.id)
    assert reset.status_code is None and "RemoteProtocolError" in reset.error


async def test_a_delivery_dies_after_three_days_of_failures_and_replays_under_the_same_id(
    sessionmaker, system_session, http, world
) -> None:  # type: ignore[no-untyped-def]
    # Given a receiver that answers 503 until healed
    delivery = await enqueue(system_session, world)
    world.receiver.fail(Fault.UNAVAILABLE, times=None)
    # When every attempt the schedule allows is made, each when it is due
    at, outcomes = T0, []
    while (row := await reload(system_session, Delivery, delivery.id)).status == "PENDING":
        endpoint = await reload(system_session, DeliveryEndpoint, world.endpoint.id)
        at = max(aware(row.next_attempt_at), aware(endpoint.circuit_open_until) if endpoint.circuit_open_until else at)
        outcomes.append(await attempt(sessionmaker, http, delivery.id, at))
        assert len(outcomes) < 30
    # Then it is dead, and only after at least 72 hours
    assert row.status == "DEAD" and outcomes[-1] == Outcome.DEAD
    assert set(outcomes[:-1]) == {Outcome.THROTTLED}
    assert row.attempts >= 11
    assert at - aware(row.first_attempt_at) >= dt.timedelta(hours=72)
    assert await due_delivery_ids(system_session, at + dt.timedelta(days=30)) == []
    # When it is replayed once the receiver is fixed
    world.receiver.heal()
    later = at + dt.timedelta(days=2)
    [replayed] = await replay(system_session, dead=True, now=later)
    await system_session.commit()
    assert replayed.id == delivery.id
    assert await due_delivery_ids(system_session, later) == [delivery.id]
    # Then it goes, under the same webhook id, its attempts numbered on
    assert await attempt(sessionmaker, http, delivery.id, later) == Outcome.DELIVERED
    assert world.receiver.webhook_ids == [delivery.webhook_id]
    numbers = [a.number for a in await attempts_of(system_session, delivery.id)]
    assert numbers == list(range(1, row.attempts + 2))


async def test_partial_success_keeps_what_was_refused(sessionmaker, system_session, http, world) -> None:  # type: ignore[no-untyped-def]
    county = world.tree.counties[0]
    delivery = await enqueue(system_session, world)
    world.receiver.fail(Fault.PARTIAL, rejected=[(county.code, "STATION_COVERAGE")])
    assert await attempt(sessionmaker, http, delivery.id, T0) == Outcome.PARTIAL
    row = await reload(system_session, Delivery, delivery.id)
    assert row.status == "PARTIAL" and aware(row.delivered_at) == T0
    assert json.loads(row.rejected) == [
        {"tenant": county.code, "indicator": "STATION_COVERAGE", "reason": "refused by the reference receiver"}
    ]
    stored = world.receiver.snapshot()
    assert (county.code, "2025", "STATION_COVERAGE") not in stored
    assert stored[(world.city.code, "2025", "STATION_COVERAGE")].value == 0.25
    # A replay of a partial delivery is sent again (the receiver answers as it did the first time)
    [again] = await replay(system_session, delivery_ids=[delivery.id], now=T0 + dt.timedelta(hours=1))
    await system_session.commit()
    assert again.status == "PENDING" and again.rejected == "[]"
    assert await attempt(sessionmaker, http, delivery.id, T0 + dt.timedelta(hours=1)) == Outcome.PARTIAL
    assert world.receiver.duplicates == 1


async def test_a_stale_sender_cannot_overwrite_a_newer_result(sessionmaker, system_session, http, world) -> None:  # type: ignore[no-untyped-def]
    delivery = await enqueue(system_session, world)
    # Given sender A claimed the delivery and then stalled past its lease
    async with sessionmaker() as session:
        prepare(session)
        async with session.begin():
            claim_a = await claim_delivery(session, delivery.id, now=T0)
    assert not isinstance(claim_a, Outcome) and claim_a.number == 1
    assert await attempt(sessionmaker, http, delivery.id, T0 + dt.timedelta(seconds=10)) == Outcome.LEASED
    assert await due_delivery_ids(system_session, T0 + dt.timedelta(seconds=10)) == []
    # When sender B takes over after the lease and delivers
    after_lease = T0 + dt.timedelta(seconds=claim_a.timeout) + dt.timedelta(seconds=31)
    assert await due_delivery_ids(system_session, after_lease) == [delivery.id]
    assert await attempt(sessionmaker, http, delivery.id, after_lease) == Outcome.DELIVERED
    # And A finally comes back with a failure
    async with sessionmaker() as session:
        prepare(session)
        async with session.begin():
            late = await record_result(
                session, claim_a, HttpResult(503, 900.0, "HTTP 503", b"", None), now=after_lease + dt.timedelta(seconds=5)
            )
    # Then A's failure is logged but decides nothing
    assert late == Outcome.STALE
    row = await reload(system_session, Delivery, delivery.id)
    assert (row.status, row.attempts) == ("DELIVERED", 2)
    assert [(a.number, a.outcome) for a in await attempts_of(system_session, delivery.id)] == [(1, "FAILED"), (2, "DELIVERED")]
    endpoint = await reload(system_session, DeliveryEndpoint, world.endpoint.id)
    assert endpoint.consecutive_failures == 0


async def test_the_circuit_opens_after_five_failures_and_a_probe_closes_it(sessionmaker, system_session, http, world) -> None:  # type: ignore[no-untyped-def]
    # Given six deliveries due at once and a receiver that answers 503
    deliveries = [await enqueue(system_session, world, period=str(year)) for year in range(2020, 2026)]
    world.receiver.fail(Fault.UNAVAILABLE, times=None)
    # When they are attempted
    outcomes = [await attempt(sessionmaker, http, d.id, T0) for d in deliveries]
    # Then five fail, the breaker opens, and the sixth is put off without spending an attempt
    assert outcomes == [Outcome.THROTTLED] * 5 + [Outcome.CIRCUIT_OPEN]
    assert world.receiver.requests == 5
    endpoint = await reload(system_session, DeliveryEndpoint, world.endpoint.id)
    assert endpoint.consecutive_failures == 5
    assert aware(endpoint.circuit_open_until) == T0 + dt.timedelta(seconds=60)
    sixth = await reload(system_session, Delivery, deliveries[-1].id)
    assert (sixth.attempts, aware(sixth.next_attempt_at)) == (0, T0 + dt.timedelta(seconds=60))
    # And while it is open the sweeper hands out nothing, though retries are due
    assert await due_delivery_ids(system_session, T0 + dt.timedelta(seconds=30)) == []
    # When it half-opens, one probe goes and a second sender is held back
    half_open = T0 + dt.timedelta(seconds=61)
    assert len(await due_delivery_ids(system_session, half_open)) == 6
    world.receiver.heal()
    async with sessionmaker() as session:
        prepare(session)
        async with session.begin():
            probe = await claim_delivery(session, deliveries[-1].id, now=half_open)
    assert not isinstance(probe, Outcome)
    assert await attempt(sessionmaker, http, deliveries[0].id, half_open) == Outcome.CIRCUIT_OPEN
    # Then the probe's success closes the breaker, and the rest follow
    async with sessionmaker() as session:
        prepare(session)
        async with session.begin():
            assert await record_result(session, probe, HttpResult(204, 5.0, "", b"", None), now=half_open) == Outcome.DELIVERED
    endpoint = await reload(system_session, DeliveryEndpoint, world.endpoint.id)
    assert (endpoint.consecutive_failures, endpoint.circuit_open_until) == (0, None)
    for d in deliveries[:-1]:
        row = await reload(system_session, Delivery, d.id)
        assert await attempt(sessionmaker, http, d.id, max(half_open, aware(row.next_attempt_at))) == Outcome.DELIVERED


async def test_an_inactive_endpoint_holds_its_deliveries_pending(sessionmaker, system_session, http, world) -> None:  # type: ignore[no-untyped-def]
    delivery = await enqueue(system_session, world)
    endpoint = await reload(system_session, DeliveryEndpoint, world.endpoint.id)
    endpoint.active = False
    await system_session.commit()
    assert await due_delivery_ids(system_session, T0) == []
    assert await attempt(sessionmaker, http, delivery.id, T0) == Outcome.INACTIVE
    assert (await reload(system_session, Delivery, delivery.id)).status == "PENDING"


async def test_the_attempt_joins_the_trace_of_the_write_that_made_the_delivery(sessionmaker, system_session, http, world) -> None:  # type: ignore[no-untyped-def]
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    delivery = await enqueue(system_session, world)
    row = await reload(system_session, Delivery, delivery.id)
    row.traceparent = f"00-{trace_id}-00f067aa0ba902b7-01"
    await system_session.commit()
    assert await attempt(sessionmaker, http, delivery.id, T0) == Outcome.DELIVERED
    [sent] = world.receiver.traceparents
    assert sent.split("-")[1] == trace_id


async def test_a_wrong_secret_is_refused_by_the_receiver_and_retried(sessionmaker, system_session, http, world) -> None:  # type: ignore[no-untyped-def]
    # Given a receiver that does not know the endpoint's secret
    world.receiver.set_secrets(["whsec_" + "A" * 43 + "="])
    delivery = await enqueue(system_session, world)
    # Then the signature is refused (401) and nothing is stored
    assert await attempt(sessionmaker, http, delivery.id, T0) == Outcome.RETRY
    assert (await reload(system_session, Delivery, delivery.id)).last_status_code == 401
    assert world.receiver.refused == 1 and world.receiver.snapshot() == {}


async def test_senders_racing_for_one_delivery_send_it_once(sessionmaker, system_session, http, world) -> None:  # type: ignore[no-untyped-def]
    # Given one due delivery and eight jobs for it at once (a doorbell, the sweeper, redeliveries)
    delivery = await enqueue(system_session, world)
    outcomes = await asyncio.gather(*(attempt(sessionmaker, http, delivery.id, T0) for _ in range(8)))
    # Then exactly one claimed and sent it; the others found it held or already settled
    assert sorted(outcomes).count(Outcome.DELIVERED) == 1
    assert set(outcomes) - {Outcome.DELIVERED} <= {Outcome.LEASED, Outcome.SETTLED}
    assert world.receiver.requests == 1
    assert (await reload(system_session, Delivery, delivery.id)).attempts == 1
