"""State that every server process must agree on: cost buckets, used assertion ids, change stamps.

One interface, two stores. `MemoryState` (the embedded default) keeps everything in this process,
which is right for one process and wrong for several: N processes would allow N budgets and accept
an assertion once each. `RedisState` (RUNXIN_REDIS_URL) keeps it in Redis, so every process sees
one budget, one set of used `jti`s and one change stamp.

- A leaky bucket is a hash {level, at} updated by one Lua script (EVALSHA): read, leak, check,
  take, set the TTL — atomic and one round trip. The script reads Redis's clock (`TIME`), so
  processes whose clocks differ still leak one bucket at one rate; tests may pass `now`.
- A used `jti` is `SET key 1 NX EX <lifetime>`: the first SET wins, every later one is refused.
- A change stamp is a counter (`INCR`); processes read it at most every fraction of a second and
  drop their caches when it moved.

Keys live under RUNXIN_REDIS_PREFIX (default `runxin:`), so deployments or test runs sharing a
Redis never collide.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runxin.platform.errors import ConfigurationError

CONNECT_TIMEOUT_SECONDS = 2.0
# A request waits at most this long for Redis; past it the caller applies its failure rule.
CALL_TIMEOUT_SECONDS = 0.5


class SharedStateUnavailable(Exception):
    """The shared store did not answer (connection refused, timeout, error reply)."""


@dataclass(frozen=True, slots=True)
class BucketLevel:
    allowed: bool
    level: float  # points in the bucket after the call (unchanged when refused)
    retry_after: float  # seconds until the points asked for fit (0 when allowed)


class SharedState(ABC):
    """The store behind the cost buckets, the used assertion ids and the change stamps."""

    #: True when other processes see what this one writes.
    shared: bool = False

    @abstractmethod
    async def take(self, key: str, points: float, capacity: float, per_second: float, now: float | None = None) -> BucketLevel:
        """Add `points` to bucket `key` if they fit (after leaking), else leave it and say when they will."""

    @abstractmethod
    async def level(self, key: str, per_second: float, now: float | None = None) -> float:
        """The points in bucket `key` now (after leaking), without changing it."""

    @abstractmethod
    async def first_use(self, key: str, ttl_seconds: int) -> bool:
        """Remember `key` for `ttl_seconds`; False if it was already remembered."""

    @abstractmethod
    async def stamp(self, name: str) -> int:
        """The change stamp `name` (0 before the first change)."""

    @abstractmethod
    async def bump(self, name: str) -> int:
        """Move the change stamp `name` on, so every process drops what it cached under it."""

    async def ping(self) -> None:
        """Fail with ConfigurationError if the store cannot be reached."""

    async def aclose(self) -> None:
        """Release connections."""


class MemoryState(SharedState):
    """Everything in this process's memory: today's behaviour, for one server process."""

    SWEEP_AT = 10_000  # buckets; empty ones are dropped beyond this so memory stays bounded

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._seen: dict[str, float] = {}
        self._sweep_seen_at = 1000
        self._stamps: dict[str, int] = {}

    def _level(self, key: str, per_second: float, now: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        level, at = bucket
        return max(0.0, level - max(0.0, now - at) * per_second)

    async def take(self, key: str, points: float, capacity: float, per_second: float, now: float | None = None) -> BucketLevel:
        now = self.clock() if now is None else now
        level = self._level(key, per_second, now)
        if level + points > capacity:
            return BucketLevel(False, level, (level + points - capacity) / per_second)
        if len(self._buckets) >= self.SWEEP_AT and key not in self._buckets:
            for idle in [k for k in self._buckets if self._level(k, per_second, now) == 0.0]:
                del self._buckets[idle]
        self._buckets[key] = (level + points, now)
        return BucketLevel(True, level + points, 0.0)

    async def level(self, key: str, per_second: float, now: float | None = None) -> float:
        return self._level(key, per_second, self.clock() if now is None else now)

    async def first_use(self, key: str, ttl_seconds: int) -> bool:
        now = time.monotonic()
        if len(self._seen) >= self._sweep_seen_at:
            self._seen = {k: until for k, until in self._seen.items() if until > now}
            # Sweep again only once the live ones have doubled: amortised O(1) per call.
            self._sweep_seen_at = max(1000, 2 * len(self._seen))
        if self._seen.get(key, 0.0) > now:
            return False
        self._seen[key] = now + ttl_seconds
        return True

    async def stamp(self, name: str) -> int:
        return self._stamps.get(name, 0)

    async def bump(self, name: str) -> int:
        self._stamps[name] = self._stamps.get(name, 0) + 1
        return self._stamps[name]


# KEYS[1] the bucket; ARGV points, capacity, per_second, now ("" = Redis's clock). points 0 = read.
# Returns {allowed, level, retry_after}; numbers as strings, since Redis truncates Lua numbers to integers.
TAKE_SCRIPT = """
local points = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local rate = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = 0
if state[1] then
  level = math.max(0, tonumber(state[1]) - math.max(0, now - tonumber(state[2])) * rate)
end
if points == 0 then
  return {1, tostring(level), '0'}
end
if level + points > capacity then
  return {0, tostring(level), tostring((level + points - capacity) / rate)}
end
level = level + points
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(level / rate * 1000) + 1000)
return {1, tostring(level), '0'}
"""


class RedisState(SharedState):
    """Everything in Redis, under one key prefix: one budget, one jti set, one stamp for all processes."""

    shared = True

    def __init__(self, url: str, prefix: str = "runxin:") -> None:
        import redis.asyncio as redis

        self.url = url
        self.prefix = prefix
        self._redis_error = redis.RedisError
        self._client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=CALL_TIMEOUT_SECONDS,
            health_check_interval=30,
        )
        self._take = self._client.register_script(TAKE_SCRIPT)

    async def _call(self, work: Any) -> Any:
        try:
            return await work
        except (self._redis_error, OSError, TimeoutError) as exc:
            raise SharedStateUnavailable(f"Redis at {_safe(self.url)}: {type(exc).__name__}: {exc}") from exc

    async def _bucket(self, key: str, points: float, capacity: float, per_second: float, now: float | None) -> BucketLevel:
        args = [repr(float(points)), repr(float(capacity)), repr(float(per_second)), "" if now is None else repr(float(now))]
        allowed, level, wait = await self._call(self._take(keys=[self.prefix + "cost:" + key], args=args))
        return BucketLevel(bool(int(allowed)), float(level), float(wait))

    async def take(self, key: str, points: float, capacity: float, per_second: float, now: float | None = None) -> BucketLevel:
        return await self._bucket(key, points, capacity, per_second, now)

    async def level(self, key: str, per_second: float, now: float | None = None) -> float:
        return (await self._bucket(key, 0, math.inf, per_second, now)).level

    async def first_use(self, key: str, ttl_seconds: int) -> bool:
        stored = await self._call(self._client.set(self.prefix + "jti:" + key, "1", nx=True, ex=max(1, int(ttl_seconds))))
        return bool(stored)

    async def stamp(self, name: str) -> int:
        return int(await self._call(self._client.get(self.prefix + "stamp:" + name)) or 0)

    async def bump(self, name: str) -> int:
        return int(await self._call(self._client.incr(self.prefix + "stamp:" + name)))

    async def ping(self) -> None:
        try:
            await self._call(self._client.ping())
        except SharedStateUnavailable as exc:
            raise ConfigurationError(
                f"RUNXIN_REDIS_URL is set but Redis does not answer ({exc}): start Redis, fix the URL, "
                "or leave RUNXIN_REDIS_URL empty to run one process with its state in memory."
            ) from exc

    async def aclose(self) -> None:
        await self._client.aclose()


def shared_state_for(settings: Any) -> SharedState:
    """Redis when RUNXIN_REDIS_URL is set, else this process's memory. Connects lazily: call ping()."""
    if settings.redis_url:
        return RedisState(settings.redis_url, settings.redis_prefix)
    return MemoryState()


def _safe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest
