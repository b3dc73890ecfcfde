"""The read-your-writes marks in Redis (platform/db/replica.py), against the real server."""

from __future__ import annotations

import os
import uuid

import pytest

from runxin.platform.db.replica import MARK_SECONDS, RedisWriteMarks
from tests.conftest import IN_CI
from tests.integration.test_broker import reachable

REDIS_URL = os.environ.get("RUNXIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
async def marks():  # type: ignore[no-untyped-def]
    if not reachable(REDIS_URL):
        if IN_CI:
            pytest.fail(f"Redis not reachable at {REDIS_URL}: CI must run this test.")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: start it, or set RUNXIN_TEST_REDIS_URL.")
    prefix = f"test-{uuid.uuid4().hex[:8]}-rw:"
    store = RedisWriteMarks(REDIS_URL, prefix)
    yield store
    keys = await store._redis.keys(prefix + "*")
    if keys:
        await store._redis.delete(*keys)
    await store.close()


async def test_a_mark_keeps_the_furthest_position_and_expires(marks: RedisWriteMarks) -> None:
    assert await marks.get("a") is None
    await marks.set("a", 500)
    # Two writes of one caller finishing on two processes out of order: the later position stays
    await marks.set("a", 300)
    assert await marks.get("a") == 500
    await marks.set("a", 900)
    assert await marks.get("a") == 900
    ttl = await marks._redis.ttl(marks._prefix + "a")
    assert 0 < ttl <= MARK_SECONDS
    assert await marks.get("b") is None
