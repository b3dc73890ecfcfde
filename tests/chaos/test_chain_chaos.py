"""The chain under faults, in the spirit of Jepsen, on PostgreSQL with RabbitMQ.

Schools write concurrently through the domain services while `runxin worker` processes are killed
with SIGKILL at named crash points (after a commit and before the ack; between the sweeper's relay
and its outbox update; after a delivery's 2xx and before it is marked delivered) and from outside,
database connections are cut, and the broker application restarts. Twice the writes pause for an
approval round (schools submit, counties approve them and submit, the city approves the counties
and accepts), which writes a delivery to the city platform's reference receiver; after the first,
the receiver is down for a simulated day. Then the faults stop, the workers drain, and

- every stored figure equals an oracle recomputed from the raw records, and
- the receiver's final value for every (tenant, period, indicator) equals the oracle at the latest
  accepted version, each delivery applied once however often it was sent:

nothing lost, nothing counted twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import time
import uuid

import pytest
from sqlalchemy import func, select, update

from runxin.platform.config import Settings
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.db.migrate import upgrade
from runxin.platform.delivery.models import Delivery, DeliveryEndpoint
from runxin.platform.delivery.services import create_endpoint
from runxin.platform.delivery.ssrf import Destinations
from runxin.platform.indicators import BY_CODE, INDICATORS, TenantRef, compute_indicators
from runxin.platform.reporting.services import Actor, accept_report, approve_reports, reopen_report, submit_report
from runxin.platform.rollup.full import full_rollup
from runxin.platform.rollup.models import RollupDirty
from runxin.platform.rollup.years import live_years
from runxin.platform.standards import STANDARDS
from runxin.tenants.scoping import ScopedSession, as_system, bind_principal
from runxin.workers.embedded import start_chain
from tests.chaos.harness import (
    WorkerPool,
    Writers,
    cut_database_connections,
    new_namespace,
    principal_of,
    rabbitmqctl_available,
    restart_rabbitmq,
    worker_env,
)
from tests.conftest import IN_CI, POSTGRES_ADMIN_URL, _admin_sql
from tests.factories.tree import Tree, make_tree
from tests.integration.test_broker import BROKERS, reachable
from tests.receiver import ReceiverServer, ReferenceReceiver

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

RABBITMQ_URL = BROKERS["rabbitmq"]
# delivery.after_2xx always fires while the faults last: every delivery the receiver accepts then is
# never marked delivered, so it is sent again later and the receiver must apply it only once.
CRASH_POINTS = "rollup.after_commit=0.03,sweep.after_relay=0.05,delivery.after_claim=0.05,delivery.after_2xx=1.0"
WRITE_SECONDS = float(os.environ.get("RUNXIN_CHAOS_SECONDS", "20"))
DRAIN_TIMEOUT = 180.0


def require(condition: bool, what: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what}: CI must run the chaos test.")
    pytest.skip(f"{what}: start it to run the chaos test.")


@pytest.fixture
def chaos_database(postgres_url: str) -> str:  # type: ignore[no-untyped-def]
    """A fresh database migrated with Alembic (the workers refuse a database not at head)."""
    name = f"runxin_chaos_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin_sql(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    asyncio.run(_admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def pending_count(sessionmaker) -> int:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        as_system(session, "chaos check")
        rows = (await session.execute(select(RollupDirty.generation, RollupDirty.done_generation))).all()
        return sum(1 for g, d in rows if g > d)


async def as_tenant(sessionmaker, tenant, work, attempts: int = 5):  # type: ignore[no-untyped-def]
    """Run `work(session)` as an officer of `tenant` and commit; retried if a fault cut the connection."""
    for attempt in range(attempts):
        try:
            async with sessionmaker() as session:
                bind_principal(session, principal_of(tenant))
                result = await work(session)
                await session.commit()
                return result
        except (OSError, ConnectionError, Exception) as exc:
            if attempt == attempts - 1 or "PERIOD" in str(exc) or "REFUSED" in type(exc).__name__.upper():
                raise
            await asyncio.sleep(0.2)
    return None


async def approval_round(sessionmaker, tree: Tree, period: str, *, reopen: bool) -> None:  # type: ignore[no-untyped-def]
    """Schools submit, counties approve and submit, the city approves the counties and accepts."""
    std = STANDARDS["2023"]

    def actor(tenant):  # type: ignore[no-untyped-def]
        return Actor(subject=f"officer@{tenant.code}", tenant_id=tenant.id)

    if reopen:  # the city reopens its own report, then each county's (the schools' stay approved)
        await as_tenant(
            sessionmaker, tree.city, lambda s: reopen_report(s, tenant_id=tree.city.id, period=period, actor=actor(tree.city))
        )
        for county in tree.counties:
            await as_tenant(
                sessionmaker,
                tree.city,
                lambda s, c=county: reopen_report(s, tenant_id=c.id, period=period, actor=actor(tree.city)),
            )
    else:
        for school in tree.all_schools():
            await as_tenant(
                sessionmaker, school, lambda s, t=school: submit_report(s, tenant_id=t.id, period=period, actor=actor(t))
            )
        for county in tree.counties:
            ids = [school.id for school in tree.schools[county.code]]
            await as_tenant(
                sessionmaker,
                county,
                lambda s, c=county, i=ids: approve_reports(s, tenant_ids=i, period=period, actor=actor(c), standard=std),
            )
    for county in tree.counties:
        await as_tenant(sessionmaker, county, lambda s, c=county: submit_report(s, tenant_id=c.id, period=period, actor=actor(c)))
    ids = [county.id for county in tree.counties]
    await as_tenant(
        sessionmaker, tree.city, lambda s: approve_reports(s, tenant_ids=ids, period=period, actor=actor(tree.city), standard=std)
    )
    await as_tenant(
        sessionmaker,
        tree.city,
        lambda s: accept_report(s, tenant_id=tree.city.id, period=period, actor=actor(tree.city), standard=std),
    )


async def test_every_figure_survives_crashes_cuts_and_a_broker_restart(chaos_database: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    require(reachable(RABBITMQ_URL), f"RabbitMQ not reachable at {RABBITMQ_URL}")
    require(rabbitmqctl_available(), "rabbitmqctl cannot reach the local RabbitMQ")
    rng = random.Random(int(os.environ.get("RUNXIN_CHAOS_SEED", "1124")))
    namespace = new_namespace()
    settings = Settings.from_env(env_file=None, data_dir=tmp_path / "data", database_url=chaos_database).replace(
        broker_url=RABBITMQ_URL, queue_namespace=namespace
    )
    years = live_years(dt.date.today(), settings.rollup_years)
    period = str(years[-1])  # the calendar year of the current school year: begun, and kept live
    engine = make_engine(chaos_database)
    sessionmaker = make_sessionmaker(engine, ScopedSession)

    # Given a city of 3 counties and 15 schools, whose platform listens at the reference receiver
    receiver = ReceiverServer(ReferenceReceiver()).start()
    async with sessionmaker() as session:
        as_system(session, "chaos arrange")
        tree = await make_tree(session, city_code="360700", counties=3, schools_per_county=5)
        endpoint = await create_endpoint(session, tenant_id=tree.city.id, url=receiver.url, timeout_seconds=2.0, destinations=Destinations.development())
        await session.commit()
    receiver.receiver.set_secrets([endpoint.secret])
    # And this process ringing through RabbitMQ, with two worker processes that crash at named points
    producer = start_chain(settings, consume=False)
    pool = WorkerPool(
        worker_env(chaos_database, RABBITMQ_URL, namespace, tmp_path / "data", CRASH_POINTS), size=2, log_dir=tmp_path
    )
    pool.start()
    # The writers draw from their own generator: how many writes fit in a phase depends on timing,
    # and must not change which faults come.
    writers = Writers(sessionmaker, tree.all_schools(), years[-1], random.Random(rng.random()))
    faults: list[str] = []
    restarted = False

    async def under_fire(seconds: float) -> None:
        """Schools write while faults come at random (the broker restarts once in the run)."""
        nonlocal restarted
        deadline = time.monotonic() + seconds

        async def chaos() -> None:
            nonlocal restarted
            while time.monotonic() < deadline:
                await asyncio.sleep(rng.uniform(0.5, 2.0))
                pool.supervise()
                # The broker restarts once, as the first fault of the run; then kills and cuts at random.
                action = "broker" if not restarted else rng.choice(["kill", "cut", "kill"])
                if action == "kill":
                    pool.kill_one(rng)
                elif action == "cut":
                    await cut_database_connections(POSTGRES_ADMIN_URL, chaos_database.rsplit("/", 1)[1])
                else:
                    restarted = True
                    await asyncio.to_thread(restart_rabbitmq, 2.0)
                faults.append(action)

        async def supervise() -> None:
            while time.monotonic() < deadline:
                pool.supervise()
                await asyncio.sleep(0.2)

        await asyncio.gather(writers.run(deadline), chaos(), supervise())

    try:
        # When schools write under fire, the chain approves and the city accepts (version 1)
        await under_fire(WRITE_SECONDS / 2)
        await approval_round(sessionmaker, tree, period, reopen=False)
        # (the first delivery reaches the receiver, and its sender dies before recording it)
        arrived_by = time.monotonic() + 30
        while receiver.receiver.received == 0 and time.monotonic() < arrived_by:
            pool.supervise()
            await asyncio.sleep(0.1)
        # And the receiver goes down while schools write on under fire, and the city reopens and
        # accepts again (version 2), which cannot be delivered
        receiver.stop()
        await under_fire(WRITE_SECONDS / 2)
        await approval_round(sessionmaker, tree, period, reopen=True)
        async with sessionmaker() as session:
            as_system(session, "chaos oracle")
            refs = [TenantRef.of(t) for t in (tree.city, *tree.counties)]
            oracle = await compute_indicators(session, refs, year=int(period[:4]), standard=STANDARDS[settings.standards_version])
        # And a simulated day passes before the receiver is back (the retries' schedule comes due)
        await asyncio.sleep(3)
        async with sessionmaker() as session:
            as_system(session, "a day passes")
            day = dt.timedelta(days=1)
            await session.execute(
                update(Delivery)
                .where(Delivery.status == "PENDING")
                .values(
                    next_attempt_at=func.least(Delivery.next_attempt_at, func.now()),
                    first_attempt_at=Delivery.first_attempt_at - day,
                )
            )
            await session.execute(update(DeliveryEndpoint).values(circuit_open_until=None))
            await session.commit()
        receiver.start()

        # Then, once the faults stop, the workers drain (no crash points armed any more)
        pool.set_env(RUNXIN_CRASH_POINTS="")
        pool.restart_all()
        drained_by = time.monotonic() + DRAIN_TIMEOUT
        while time.monotonic() < drained_by:
            pool.supervise()
            if not await pending_count(sessionmaker) and not await undelivered(sessionmaker):
                break
            await asyncio.sleep(0.5)
        left, in_flight = await pending_count(sessionmaker), await undelivered(sessionmaker)
    finally:
        pool.stop()
        producer.stop()
        receiver.stop()

    # Then the run really was under fire: writes went through, workers died, the broker restarted
    assert writers.writes >= 50, (writers.writes, writers.failures)
    assert pool.restarts >= 3 and restarted, (pool.restarts, faults)
    # And nothing is left pending or undelivered
    assert left == 0, f"{left} tenants still pending after {DRAIN_TIMEOUT:.0f} s"
    assert in_flight == [], f"deliveries not delivered: {in_flight}"
    # And every stored figure equals the oracle recomputed from raw records
    async with sessionmaker() as session:
        as_system(session, "chaos oracle")
        check = await full_rollup(session, years=years, standard=STANDARDS[settings.standards_version], repair=False)
    await engine.dispose()
    assert check.cells == len(years) * len(INDICATORS) * (1 + 3 + 15)
    assert check.mismatches == [], check.mismatches[:10]
    # And the receiver holds, for the city and every county, the figures of the latest version
    # (version 2), each delivery applied once however many times it was sent
    got = receiver.receiver.snapshot()
    codes = {t.id: t.code for t in (tree.city, *tree.counties)}
    wrong = []
    for (tenant_id, indicator), value in oracle.items():
        figure = got.get((codes[tenant_id], period, indicator))
        want = (value.state.value, None if value.value is None else round(value.value, 9))
        have = (
            None
            if figure is None
            else (figure.state, None if figure.value is None else round(figure.value, 9), figure.delivery_version)
        )
        # A student-derived figure may arrive suppressed (the city's pattern, platform/disclosure/
        # patterns.py, tested on its own elsewhere): then with no value, and of the latest version too.
        suppressed = have is not None and BY_CODE[indicator].student_derived and have[:2] == ("SUPPRESSED", None)
        if have is None or (have[:2] != want and not suppressed) or have[2] != 2:
            wrong.append((codes[tenant_id], indicator, want, have))
    assert wrong == []
    assert receiver.receiver.received == 2, (receiver.receiver.received, receiver.receiver.webhook_ids)
    assert receiver.receiver.duplicates >= 1  # version 1 arrived again after its sender died, and changed nothing
    print(
        f"chaos: {writers.writes} writes ({writers.failures} refused), faults {faults}, worker restarts {pool.restarts}, "
        f"deliveries applied {receiver.receiver.received}, duplicates refused {receiver.receiver.duplicates}"
    )


async def undelivered(sessionmaker) -> list:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        as_system(session, "chaos check")
        return list(
            (await session.execute(select(Delivery.webhook_id, Delivery.status).where(Delivery.status != "DELIVERED"))).all()
        )
