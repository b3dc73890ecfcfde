"""Reads on a PostgreSQL streaming replica, with read-your-writes and a freshness stamp that stays true.

A hot standby is the same database (same tables, roles and row-level security policies) replayed
from the primary's WAL, some milliseconds behind. The API sends the oversight reads there
(`runxin.graphql.replica` decides which); everything else stays on the primary. Two rules make
that safe:

- Read-your-writes. After a caller's write commits, the primary's WAL position is recorded for
  that caller (`note_write`). Until the replica has replayed past it (`pg_last_wal_replay_lsn()`),
  the caller's reads go to the primary. The marks live in Redis when `RUNXIN_REDIS_URL` is set, so
  a read that the load balancer sends to another API process still sees the write; otherwise in
  the process. A mark expires after `MARK_SECONDS` (it is only kept that long because a replica
  that is that far behind is refused anyway, see `MAX_LAG_SECONDS`).
- A true freshness stamp. A figure computed from raw records on the replica is as fresh as the
  replica's data, not as the clock: every replica transaction first reads
  `pg_last_xact_replay_timestamp()` (the commit time of the last transaction replayed) and the
  indicator engine stamps computed figures with it (`snapshot_time`). Every later statement of the
  transaction sees at least everything committed up to that time, so the stamp is a lower bound of
  the truth. Stored figures keep their own stamp, and "nothing pending under the tenant" is read
  from the replica's own snapshot, in which the figures and the outbox agree as they did on the
  primary at that point of the WAL.

A replica that is not in recovery, has replayed nothing yet, or is more than `MAX_LAG_SECONDS`
behind on WAL it has already received is not used (the check is cached for a second).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from runxin.platform.config import Settings
from runxin.platform.db.engine import make_engine, make_sessionmaker

log = logging.getLogger("runxin.db.replica")

# session.info key: the replay time of the replica snapshot a session reads (see snapshot_time).
SNAPSHOT_TIME_KEY = "runxin.replica_snapshot_time"
MARK_SECONDS = 600
MAX_LAG_SECONDS = 30.0
HEALTH_CACHE_SECONDS = 1.0

_REPLICA_STATE = text(
    "SELECT pg_is_in_recovery() AS in_recovery, pg_last_wal_replay_lsn()::text AS replay_lsn, "
    "pg_last_wal_receive_lsn()::text AS receive_lsn, pg_last_xact_replay_timestamp() AS replayed_at, "
    "now() AS now"
)


def lsn_value(lsn: str) -> int:
    """A PostgreSQL LSN ('16/B374D848') as a number, so two can be compared."""
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def snapshot_time(session: Any) -> dt.datetime | None:
    """The time a replica session's data is as fresh as, or None on the primary (then: now)."""
    info = getattr(session, "info", None)
    return info.get(SNAPSHOT_TIME_KEY) if info is not None else None


@dataclass
class _Health:
    usable: bool
    replay_lsn: int
    replayed_at: dt.datetime | None
    checked_at: float


class WriteMarks:
    """Per caller, the primary's WAL position after the caller's last write (in the process)."""

    def __init__(self) -> None:
        self._marks: dict[str, tuple[int, float]] = {}

    async def set(self, caller: str, lsn: int) -> None:
        self._marks[caller] = (lsn, time.monotonic() + MARK_SECONDS)
        if len(self._marks) > 100_000:  # forget expired marks now and then
            now = time.monotonic()
            self._marks = {key: mark for key, mark in self._marks.items() if mark[1] > now}

    async def get(self, caller: str) -> int | None:
        mark = self._marks.get(caller)
        return mark[0] if mark is not None and mark[1] > time.monotonic() else None

    async def close(self) -> None:
        return None


class RedisWriteMarks(WriteMarks):
    """The same marks in Redis, shared by every API process behind the load balancer."""

    def __init__(self, url: str, prefix: str = "runxin:rw:") -> None:
        import redis.asyncio as redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    async def set(self, caller: str, lsn: int) -> None:
        # Keep the larger position: two writes of one caller may finish on two processes out of order.
        key = self._prefix + caller
        async with self._redis.pipeline(transaction=True) as pipe:
            await pipe.eval(
                "local old = tonumber(redis.call('GET', KEYS[1]) or '0') "
                "if tonumber(ARGV[1]) > old then redis.call('SET', KEYS[1], ARGV[1]) end "
                "redis.call('EXPIRE', KEYS[1], ARGV[2]) return 1",
                1,
                key,
                str(lsn),
                str(MARK_SECONDS),
            ).execute()

    async def get(self, caller: str) -> int | None:
        value = await self._redis.get(self._prefix + caller)
        return int(value) if value is not None else None

    async def close(self) -> None:
        await self._redis.aclose()


@dataclass
class ReplicaRouter:
    """Chooses, per request, the replica's or the primary's session factory."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    marks: WriteMarks
    max_lag_seconds: float = MAX_LAG_SECONDS
    _health: _Health | None = field(default=None, repr=False)

    @classmethod
    def create(cls, engine: AsyncEngine, sync_session_class: type[Session], marks: WriteMarks) -> ReplicaRouter:
        """A router over the replica `engine`; its sessions are `sync_session_class` sessions (the scoped one)."""
        replica_session = type("ReplicaSession", (sync_session_class,), {})
        router = cls(engine=engine, sessionmaker=make_sessionmaker(engine, replica_session), marks=marks)

        @event.listens_for(replica_session, "after_begin")
        def _stamp_snapshot(session: Session, _transaction: Any, connection: Any) -> None:
            # First statement of the transaction: later statements see at least this much.
            replayed_at = connection.exec_driver_sql("SELECT pg_last_xact_replay_timestamp()").scalar()
            known = router._health.replayed_at if router._health is not None else None
            # After a replica restart the function is NULL until the next replay; the data is then
            # at least as fresh as what the health check saw before.
            session.info[SNAPSHOT_TIME_KEY] = replayed_at or known

        return router

    async def health(self) -> _Health:
        """Is the replica usable, and how far has it replayed (cached for a second)?"""
        now = time.monotonic()
        if self._health is not None and now - self._health.checked_at < HEALTH_CACHE_SECONDS:
            return self._health
        try:
            async with self.engine.connect() as connection:
                row = (await connection.execute(_REPLICA_STATE)).one()
        except Exception:  # noqa: BLE001 - an unreachable replica only means: read from the primary
            self._health = _Health(False, 0, None, now)
            return self._health
        caught_up = row.receive_lsn is not None and row.replay_lsn == row.receive_lsn
        lag = (row.now - row.replayed_at).total_seconds() if row.replayed_at is not None else None
        usable = (
            bool(row.in_recovery)
            and row.replay_lsn is not None
            and lag is not None
            and (caught_up or lag <= self.max_lag_seconds)
        )
        self._health = _Health(usable, lsn_value(row.replay_lsn) if row.replay_lsn else 0, row.replayed_at, now)
        return self._health

    async def for_caller(self, caller: str | None) -> async_sessionmaker[AsyncSession] | None:
        """The replica's session factory for this caller's oversight read, or None: use the primary."""
        if caller is None:
            return None
        health = await self.health()
        if not health.usable:
            return None
        try:
            mark = await self.marks.get(caller)
        except Exception:
            log.warning("read-your-writes marks unreachable; reading from the primary", exc_info=True)
            return None
        if mark is None or health.replay_lsn >= mark:
            return self.sessionmaker
        # The cached position may be a second old: ask the replica again before giving up on it.
        self._health = None
        health = await self.health()
        return self.sessionmaker if health.usable and health.replay_lsn >= mark else None

    async def note_write(self, caller: str | None, session: AsyncSession) -> None:
        """After `caller`'s write committed on the primary `session`: its reads wait for this position."""
        if caller is None:
            return
        lsn = (await session.execute(text("SELECT pg_current_wal_lsn()::text"))).scalar_one()
        await session.commit()  # end the little transaction that read it
        try:
            await self.marks.set(caller, lsn_value(lsn))
        except Exception:
            # Reads cannot consult unreachable marks either, so they go to the primary meanwhile.
            log.warning("could not record a read-your-writes mark", exc_info=True)

    async def close(self) -> None:
        await self.marks.close()
        await self.engine.dispose()


def replica_router(settings: Settings, sync_session_class: type[Session]) -> ReplicaRouter | None:
    """The router for RUNXIN_DATABASE_REPLICA_URL (None when it is not set); connects on first use."""
    if not settings.database_replica_url:
        return None
    engine = make_engine(settings.database_replica_url, statement_timeout_ms=settings.statement_timeout_ms)
    # The queue namespace keeps deployments that share one Redis apart, as it does on the broker.
    marks = RedisWriteMarks(settings.redis_url, f"{settings.queue_namespace}runxin:rw:") if settings.redis_url else WriteMarks()
    return ReplicaRouter.create(engine, sync_session_class, marks)
