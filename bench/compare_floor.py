"""The raw-SQL floor of bench/compare.py: each query's answer as one asyncpg statement, no HTTP.

Ten connections (as many as the HTTP load has) each run the statement in a loop for the duration;
the figures are what PostgreSQL itself costs for the answer, plus a little asyncpg. The client runs
in the benchmark's own Python process on the same machine, so at high rates it is part of what is
measured: read the floor as "at least this fast", not as a server.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg
import compare_queries as q
from _common import percentile


@dataclass(frozen=True)
class FloorStatement:
    sql: str
    args: Callable[[int], Sequence[Any]]  # the arguments of the i-th execution
    canonical: Callable[[Any], tuple]


def floor_statements(sample: q.Sample) -> dict[str, FloorStatement]:
    writes = sample.q4_writes()

    def q4_args(i: int) -> Sequence[Any]:
        station, hours = writes[i % len(writes)]
        return (station.id, Decimal(f"{hours:.1f}"), [q.Q4_CODE], sample.year, sample.county)

    return {
        "Q1": FloorStatement(q.SQL_Q1, lambda i: (sample.city, q.Q1_CODES, sample.year), q.q1_sql),
        "Q2": FloorStatement(q.SQL_Q2, lambda i: (sample.county,), q.q2_sql),
        "Q3": FloorStatement(q.SQL_Q3, lambda i: (sample.school, sample.year), q.q3_sql),
        "Q4": FloorStatement(q.SQL_Q4, q4_args, q.q4_sql),
    }


async def floor_answer(dsn: str, statement: FloorStatement) -> tuple:
    connection = await asyncpg.connect(dsn)
    try:
        return statement.canonical(json.loads(await connection.fetchval(statement.sql, *statement.args(0))))
    finally:
        await connection.close()


@dataclass(frozen=True)
class FloorResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def run_floor(dsn: str, statement: FloorStatement, *, seconds: float, connections: int) -> FloorResult:
    """Run `statement` from `connections` connections for `seconds`; a short warm-up first."""
    pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)
    latencies: list[float] = []
    counter = 0
    try:

        async def loop(until: float, record: bool) -> None:
            nonlocal counter
            async with pool.acquire() as connection:
                prepared = await connection.prepare(statement.sql)
                while time.perf_counter() < until:
                    counter += 1
                    started = time.perf_counter()
                    await prepared.fetchval(*statement.args(counter))
                    if record:
                        latencies.append(time.perf_counter() - started)

        warm = time.perf_counter() + min(2.0, seconds / 5)
        await asyncio.gather(*(loop(warm, False) for _ in range(connections)))
        started = time.perf_counter()
        await asyncio.gather(*(loop(started + seconds, True) for _ in range(connections)))
        elapsed = time.perf_counter() - started
    finally:
        await pool.close()
    return FloorResult(len(latencies), elapsed, percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000)
