"""What sharing the state across processes adds to a request: one bucket take, in memory and on Redis.

    python bench/shared_state.py [redis://127.0.0.1:6379/15]

Times `LeakyBuckets.take` (what the cost rule does once per signed-in request), the principal
stamp read (at most every 0.5 s per process, so amortised to nothing) and a jti `SET NX EX` (once
per private_key_jwt token request), each sequentially and with 32 requests in flight. Prints
microseconds per call; on a shared machine the Redis figures move with the others' load.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable

from runxin.graphql.cost import LeakyBuckets
from runxin.platform.sharedstate import MemoryState, RedisState, SharedState

TAKES = 5_000
CONCURRENT = 32


async def _sequential(call: Callable[[int], Awaitable[object]], runs: int) -> list[float]:
    timings = []
    for i in range(runs):
        start = time.perf_counter()
        await call(i)
        timings.append(time.perf_counter() - start)
    return timings


async def _concurrent(call: Callable[[int], Awaitable[object]], runs: int) -> float:
    """Wall time per call with CONCURRENT calls in flight (as concurrent requests on one process)."""
    start = time.perf_counter()
    for batch in range(0, runs, CONCURRENT):
        await asyncio.gather(*(call(i) for i in range(batch, min(runs, batch + CONCURRENT))))
    return (time.perf_counter() - start) / runs


def _line(name: str, timings: list[float], concurrent: float) -> str:
    ordered = sorted(timings)
    p50, p99 = statistics.median(ordered), ordered[int(len(ordered) * 0.99)]
    return f"{name:34s} p50 {p50 * 1e6:7.1f} µs   p99 {p99 * 1e6:7.1f} µs   {CONCURRENT} in flight {concurrent * 1e6:6.1f} µs/call"


async def _bench(label: str, state: SharedState) -> None:
    buckets = LeakyBuckets(capacity=1e9, per_second=1e6, state=state)
    run = uuid.uuid4().hex[:6]

    async def take(i: int) -> object:
        return await buckets.take(("rx_bench", run, i % 100), 1)

    async def stamp(i: int) -> object:
        return await state.stamp("principals")

    async def jti(i: int) -> object:
        return await state.first_use(f"bench:{run}:{i}", 60)

    await _sequential(take, 200)  # warm up: connection, script loaded
    print(_line(f"{label}: bucket take", await _sequential(take, TAKES), await _concurrent(take, TAKES)))
    print(_line(f"{label}: principal stamp read", await _sequential(stamp, TAKES), await _concurrent(stamp, TAKES)))
    print(_line(f"{label}: jti SET NX EX", await _sequential(jti, TAKES), await _concurrent(jti, TAKES)))


async def main(url: str) -> None:
    await _bench("memory", MemoryState())
    prefix = f"runxin-bench-{uuid.uuid4().hex[:8]}:"
    redis_state = RedisState(url, prefix)
    try:
        await redis_state.ping()
        await _bench("redis ", redis_state)
    finally:
        keys = [key async for key in redis_state._client.scan_iter(match=prefix + "*")]
        for start in range(0, len(keys), 1000):
            await redis_state._client.delete(*keys[start : start + 1000])
        await redis_state.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6379/15"))
