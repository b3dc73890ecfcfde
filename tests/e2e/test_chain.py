"""The chain end to end in one process: a mutation over HTTP, the doorbell, the embedded worker on
Dramatiq's in-memory broker, the sweeper, and one trace from the mutation to the city's recompute."""

from __future__ import annotations

import asyncio
import time

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import select

from runxin.platform import doorbell
from runxin.platform.db.engine import make_sessionmaker
from runxin.platform.rollup.models import Aggregate, RollupDirty
from runxin.platform.telemetry import configure_tracing
from runxin.tenants.scoping import ScopedSession
from runxin.workers.embedded import ChainHandle, start_chain
from tests.e2e.test_stations import CREATE, valid_input
from tests.factories.rollup import drain
from tests.factories.tree import make_tree
from tests.integration.test_indicators import add, profile

STATION_COVERAGE = "STATION_COVERAGE"
YEARS = (2025, 2026)
EXPORTER = InMemorySpanExporter()
configure_tracing("runxin-test", SimpleSpanProcessor(EXPORTER))


@pytest.fixture
def chain(settings):  # type: ignore[no-untyped-def]
    """Starts the embedded worker and sweeper when called (after the test has settled its world, so
    that no message but the test's own is in flight); stops them at the end."""
    handles: list[ChainHandle] = []

    def start() -> ChainHandle:
        handles.append(start_chain(settings.replace(sweep_seconds=0.2, worker_threads=2, rollup_years=YEARS), consume=True))
        return handles[-1]

    yield start
    for handle in handles:
        handle.stop()


async def city_cell(system_session, city, year: int = 2026) -> tuple[float, float] | None:  # type: ignore[no-untyped-def]
    row = (
        await system_session.execute(
            select(Aggregate.numerator, Aggregate.units_total).where(
                Aggregate.tenant_id == city.id, Aggregate.indicator == STATION_COVERAGE, Aggregate.year == year
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def wait_for(predicate, timeout: float = 10.0) -> float:  # type: ignore[no-untyped-def]
    """Poll until `predicate()` is true; return the seconds it took (fail after `timeout`)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if await predicate():
            return time.perf_counter() - started
        await asyncio.sleep(0.02)
    raise AssertionError(f"not reached within {timeout} s")


async def nothing_pending(system_session) -> bool:  # type: ignore[no-untyped-def]
    rows = (await system_session.execute(select(RollupDirty.generation, RollupDirty.done_generation))).all()
    return all(g <= d for g, d in rows)


async def test_a_school_mutation_reaches_the_city_aggregate_through_the_embedded_worker(api, system_session, chain) -> None:  # type: ignore[no-untyped-def]
    # Given a settled city whose school must have a station (central rank)
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    school = tree.all_schools()[0]
    await add(system_session, profile(school, central_rank=True, independent=True))
    await drain(make_sessionmaker(system_session.bind, ScopedSession), years=YEARS)
    chain()
    before = await city_cell(system_session, tree.city)
    assert before is not None and before[0] == 0  # no station anywhere yet
    EXPORTER.clear()

    # When the school records its station over HTTP, inside a trace the caller started
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    headers = {"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01", "Authorization": f"Bearer {api.token_for(school)}"}
    response = await api.client.post(
        "/graphql", json={"query": CREATE, "variables": {"input": valid_input(school)}}, headers=headers
    )
    assert response.json()["data"]["stationCreate"]["userErrors"] == []

    # Then the city's figure follows, without anyone asking
    async def city_has_it() -> bool:
        cell = await city_cell(system_session, tree.city)
        return cell is not None and cell[0] == 1

    await wait_for(city_has_it)
    # And the mutation, and the jobs for the school, its county and the city, are one trace
    await wait_for(lambda: nothing_pending(system_session))
    spans = [s for s in EXPORTER.get_finished_spans() if format(s.context.trace_id, "032x") == trace_id]
    names = [s.name for s in spans]
    assert "graphql.operation" in names
    assert names.count("job rollup_tenant") == 3, names  # the school, its county, the city
    # And no span carries the query text or its variables
    for span in spans:
        assert not any("stationCreate" in str(v) or school.name in str(v) for v in (span.attributes or {}).values())


async def test_a_lost_ring_only_delays_the_sweeper_finds_the_mark(api, system_session, chain) -> None:  # type: ignore[no-untyped-def]
    # Given a settled city, and a doorbell that rings nobody (the ring is lost)
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    await add(system_session, profile(school, central_rank=True, independent=True))
    await drain(make_sessionmaker(system_session.bind, ScopedSession), years=YEARS)
    chain()
    doorbell.uninstall()
    # When the school records its station
    body = await api.gql(CREATE, {"input": valid_input(school)}, as_=school)
    assert body["data"]["stationCreate"]["userErrors"] == []

    # Then the sweeper re-rings what the database says is pending, and the city follows
    async def city_has_it() -> bool:
        cell = await city_cell(system_session, tree.city)
        return cell is not None and cell[0] == 1

    await wait_for(city_has_it, timeout=15)
