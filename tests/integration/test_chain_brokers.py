"""The chain's jobs over the production brokers, for real: a school's write rings through RabbitMQ
(publisher confirms) or Redis, a worker consumes it, and the change climbs to the city's rollup,
with the write's trace context carried in every message."""

from __future__ import annotations

import asyncio
import time
import uuid

from opentelemetry import trace
from sqlalchemy import select

from runxin.platform.config import Settings
from runxin.platform.db.engine import WRITE_TRANSACTION
from runxin.platform.rollup.models import Aggregate
from runxin.tenants.scoping import bind_principal
from runxin.workers.embedded import start_chain
from tests.e2e.test_chain import EXPORTER
from tests.factories.rollup import drain
from tests.factories.tree import make_tree
from tests.integration.test_broker import broker_url  # noqa: F401 - the fixture (real servers; skip or fail as CI demands)
from tests.integration.test_indicators import add, principal_for, profile, station

tracer = trace.get_tracer("tests")


async def test_a_write_climbs_to_the_city_through_the_real_broker(
    database_url, broker_url, system_session, sessionmaker, tmp_path
) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    # Given a settled city (settled here, before any worker runs: no message but the write's own exists)
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    school = tree.all_schools()[0]
    await add(system_session, profile(school, central_rank=True, independent=True))
    await drain(sessionmaker, years=(2025,))
    # And a worker consuming the chain's queues on the real broker (queues of this test's own)
    settings = Settings.from_env(env_file=None, data_dir=tmp_path / "data", database_url=database_url).replace(
        broker_url=broker_url,
        queue_namespace=f"test{uuid.uuid4().hex[:8]}",
        sweep_seconds=0.5,
        worker_threads=2,
        rollup_years=(2025,),
    )
    handle = start_chain(settings, consume=True)
    try:
        EXPORTER.clear()
        # When the school records a station, in a trace of its own
        with tracer.start_as_current_span("test write") as span:
            trace_id = span.get_span_context().trace_id
            async with sessionmaker() as session:
                bind_principal(session, principal_for(school))
                await session.connection(execution_options={WRITE_TRANSACTION: True})  # a writer waits its turn on SQLite
                session.add(station(school))
                await session.commit()

        # Then the city's station coverage counts it
        async def city_numerator() -> float | None:
            row = (
                await system_session.execute(
                    select(Aggregate.numerator).where(
                        Aggregate.tenant_id == tree.city.id, Aggregate.indicator == "STATION_COVERAGE", Aggregate.year == 2025
                    )
                )
            ).first()
            return None if row is None else row[0]

        deadline = time.monotonic() + 20
        while await city_numerator() != 1.0:
            assert time.monotonic() < deadline, "the change did not reach the city through the broker"
            await asyncio.sleep(0.05)
        # And the jobs that carried it (school, county, city) ran in the write's trace, on this test's queue
        jobs = [s for s in EXPORTER.get_finished_spans() if s.name == "job rollup_tenant" and s.context.trace_id == trace_id]
        assert len(jobs) == 3, [(s.name, s.context.trace_id == trace_id) for s in EXPORTER.get_finished_spans()]
        assert {s.attributes["messaging.destination.name"] for s in jobs} == {f"{settings.queue_namespace}.rollup"}
    finally:
        handle.stop()
