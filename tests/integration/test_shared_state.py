"""The shared-state stores for real: the same leaky-bucket arithmetic, jti and stamp rules in memory
and on a real Redis (the Lua script, with a controlled clock), and what each failure does: an
unreachable Redis stops the start, lets cost checks through (fail open) and refuses assertions
(fail closed)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import anyio.to_thread
import pytest
import redis.asyncio as redis

from runxin.graphql.cost import Cost, CostLimiter, LeakyBuckets
from runxin.platform.config import Settings
from runxin.platform.errors import ConfigurationError
from runxin.platform.sharedstate import MemoryState, RedisState, SharedState, SharedStateUnavailable
from runxin.tenants.oauth import SharedSeenAssertions, TemporarilyUnavailable


@pytest.fixture(params=["memory", "redis"])
async def state(request: pytest.FixtureRequest) -> AsyncIterator[SharedState]:
    if request.param == "memory":
        yield MemoryState()
        return
    store = RedisState(request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix"))
    await store.ping()
    try:
        yield store
    finally:
        await store.aclose()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there once the socket is closed


async def test_the_bucket_arithmetic_is_exact_with_a_controlled_clock(state: SharedState) -> None:
    # Given a bucket of 10 points leaking 2 per second, at t = 1000
    t = 1000.0
    # When 8 points are taken, then 3 more at the same instant
    first = await state.take("k", 8, 10, 2, now=t)
    refused = await state.take("k", 3, 10, 2, now=t)
    # Then 8 are in the bucket, and the 3 do not fit until one point leaks out: half a second
    assert first.allowed and first.level == 8.0
    assert not refused.allowed and refused.level == 8.0 and refused.retry_after == 0.5
    # ... half a second later they fit exactly, and the refusal charged nothing
    assert await state.take("k", 3, 10, 2, now=t + 0.5) == type(first)(True, 10.0, 0.0)
    assert await state.level("k", 2, now=t + 0.5) == 10.0
    # ... a quarter of a second on, half a point has leaked; and it never leaks below empty
    assert await state.level("k", 2, now=t + 0.75) == 9.5
    assert await state.level("k", 2, now=t + 3600) == 0.0
    # ... and another key never shared any of it
    assert await state.level("other", 2, now=t) == 0.0


async def test_a_clock_that_goes_back_does_not_fill_the_bucket(state: SharedState) -> None:
    await state.take("k", 4, 10, 1, now=2000.0)
    assert await state.level("k", 1, now=1990.0) == 4.0


async def test_a_jti_is_accepted_once_until_it_expires(state: SharedState) -> None:
    assert await state.first_use("client:abc", 60)
    assert not await state.first_use("client:abc", 60)
    assert await state.first_use("client:abd", 60)


async def test_a_stamp_counts_changes(state: SharedState) -> None:
    assert await state.stamp("principals") == 0
    assert await state.bump("principals") == 1
    assert await state.bump("principals") == 2
    assert await state.stamp("principals") == 2


async def test_on_redis_the_bucket_uses_redis_time_and_expires_when_it_would_be_empty(redis_url: str, redis_prefix: str) -> None:
    # Given a Redis store and a bucket taken with Redis's own clock (no `now`)
    store = RedisState(redis_url, redis_prefix)
    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        taken = await store.take("clock", 30, 100, 10)
        # Then the bucket holds the points, stamped with Redis's time, and lives as long as it takes
        # to leak empty (3 s) plus a second
        assert taken.allowed and taken.level == 30.0
        (seconds, micros) = await raw.time()
        at = float(await raw.hget(redis_prefix + "cost:clock", "at"))
        assert abs(at - (seconds + micros / 1e6)) < 5
        assert 3000 < await raw.pttl(redis_prefix + "cost:clock") <= 4000
        # ... and a used jti expires with its assertion
        await store.first_use("c:j", 42)
        assert 40 <= await raw.ttl(redis_prefix + "jti:c:j") <= 42
    finally:
        await raw.aclose()
        await store.aclose()


async def test_two_stores_on_one_redis_share_one_budget(redis_url: str, redis_prefix: str) -> None:
    # Given two stores (as two processes have) on the same Redis and prefix
    a, b = RedisState(redis_url, redis_prefix), RedisState(redis_url, redis_prefix)
    try:
        limiter_a = CostLimiter(1000, LeakyBuckets(capacity=5, per_second=0.001, state=a))
        limiter_b = CostLimiter(1000, LeakyBuckets(capacity=5, per_second=0.001, state=b))

        class P:
            client_id = "rx_app"
            subject = "rx_app"
            tenant_id = "t1"

        # When 5 one-point requests go to A, B, A, B, A
        outcomes = [await (limiter_a if i % 2 == 0 else limiter_b).admit(Cost(1, 1), P()) for i in range(5)]
        # Then every one was charged to the same bucket, and the sixth is refused by B
        assert [o.remaining for o in outcomes] == [4, 3, 2, 1, 0]
        assert (await limiter_b.admit(Cost(1, 1), P())).refused == "RATE_LIMITED"
        # ... while a store with another prefix (another deployment) has its own budget
        other = RedisState(redis_url, redis_prefix + "other:")
        try:
            limiter_other = CostLimiter(1000, LeakyBuckets(capacity=5, per_second=0.001, state=other))
            assert (await limiter_other.admit(Cost(1, 1), P())).remaining == 4
        finally:
            await other.aclose()
    finally:
        await a.aclose()
        await b.aclose()


async def test_an_unreachable_redis_stops_the_start_naming_the_key() -> None:
    store = RedisState(closed_port_url())
    try:
        with pytest.raises(ConfigurationError, match="RUNXIN_REDIS_URL"):
            await store.ping()
    finally:
        await store.aclose()


async def test_the_cost_check_fails_open_when_redis_is_down() -> None:
    # Given a limiter whose Redis does not answer
    store = RedisState(closed_port_url())
    limiter = CostLimiter(1000, LeakyBuckets(capacity=5, per_second=1, state=store))

    class P:
        client_id = None
        subject = "u"
        tenant_id = "t"

    try:
        # When requests arrive
        outcomes = [await limiter.admit(Cost(1, 100), P()) for _ in range(10)]
        # Then they run uncharged, saying nothing is known of the budget (more than the bucket holds)
        assert all(o.refused is None and o.remaining is None for o in outcomes)
        # ... while the node limit, which needs no store, still holds
        assert (await limiter.admit(Cost(1001, 1), P())).refused == "MAX_NODES_EXCEEDED"
    finally:
        await store.aclose()


async def test_a_jti_check_fails_closed_when_redis_is_down() -> None:
    # Given the shared jti memory on a Redis that does not answer
    store = RedisState(closed_port_url())
    seen = SharedSeenAssertions(store)
    try:
        with pytest.raises(SharedStateUnavailable):
            await store.first_use("c:j", 60)
        # Then an assertion is refused as "temporarily unavailable" (503), not accepted unchecked
        with pytest.raises(TemporarilyUnavailable) as refused:
            await anyio.to_thread.run_sync(seen.first_use, "c", "j", 2_000_000_000.0)
        assert refused.value.status_code == 503 and "retry" in refused.value.description
    finally:
        await store.aclose()


def test_the_redis_url_is_validated_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNXIN_REDIS_URL", "http://127.0.0.1:6379")
    with pytest.raises(ConfigurationError, match="RUNXIN_REDIS_URL"):
        Settings.from_env(env_file=None)
    monkeypatch.setenv("RUNXIN_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("RUNXIN_REDIS_PREFIX", "has space")
    with pytest.raises(ConfigurationError, match="RUNXIN_REDIS_PREFIX"):
        Settings.from_env(env_file=None)
