"""The jobs of the reporting chain and the sweeper, bound to one broker.

Actors take ids only and are idempotent: a duplicate, a redelivery after a crash or a message for
work already done changes nothing (the database rows say what is pending; see
platform/rollup/recompute.py and platform/delivery/sender.py).

- `rollup_tenant(tenant_id)`: recompute a dirty tenant; if its figures changed, its parent is
  marked in the same transaction and rung after the commit.
- `deliver(delivery_id)`: one attempt at a delivery to the city platform. Retries are scheduled
  in the delivery row, not by the broker: the actor never retries itself.

The sweeper (`sweep_once`, run every RUNXIN_SWEEP_SECONDS by every worker process) is the relay of
the outbox: it re-rings pending tenants whose ring may have been lost, deliveries that are due,
and makes sure every accepted period has a delivery per endpoint. A lost message only delays.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from dataclasses import dataclass, field

import dramatiq
import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from runxin.platform import doorbell
from runxin.platform.config import Settings
from runxin.platform.crashpoints import crash_point
from runxin.platform.db.engine import WRITE_TRANSACTION, make_engine, make_sessionmaker
from runxin.platform.delivery.sender import attempt_delivery
from runxin.platform.delivery.services import due_delivery_ids, reconcile, traceparents_of
from runxin.platform.delivery.ssrf import Destinations, guarded_client
from runxin.platform.metrics import instruments
from runxin.platform.rollup.marking import ROLLUP
from runxin.platform.rollup.recompute import is_pending, note_rung, pending_tenants, recompute_tenant
from runxin.platform.rollup.years import live_years
from runxin.platform.standards import standard
from runxin.tenants.scoping import ScopedSession, as_system
from runxin.workers.loop import LoopThread
from runxin.workers.relay import Relay

log = logging.getLogger(__name__)
DELIVERY = "delivery"

# A fresh mark's own ring gets this long before the sweeper rings again; then at most this often.
RING_GRACE = dt.timedelta(seconds=2)
RERING_EVERY = dt.timedelta(seconds=30)
RECONCILE_EVERY = dt.timedelta(seconds=60)


@dataclass
class Chain:
    """The chain's jobs in one process: its event loop, engine, HTTP client and actors."""

    settings: Settings
    broker: dramatiq.Broker
    loop: LoopThread = field(default_factory=LoopThread)
    _engine: AsyncEngine | None = None
    _sessionmaker: async_sessionmaker[AsyncSession] | None = None
    _http: httpx.AsyncClient | None = None
    _last_reconcile: dt.datetime | None = None

    def __post_init__(self) -> None:
        self.standard = standard(self.settings.standards_version)
        namespace = f"{self.settings.queue_namespace}." if self.settings.queue_namespace else ""
        # Transient database errors (a cut connection) retry a few times; the sweeper covers the rest.
        self.rollup_tenant = dramatiq.actor(
            self._rollup_tenant,
            broker=self.broker,
            actor_name="rollup_tenant",
            queue_name=f"{namespace}rollup",
            max_retries=5,
            min_backoff=200,
            max_backoff=5_000,
        )
        self.deliver = dramatiq.actor(
            self._deliver, broker=self.broker, actor_name="deliver", queue_name=f"{namespace}delivery", max_retries=0
        )

    # --- wiring -----------------------------------------------------------------------------

    def install_doorbells(self, relay: Relay | None = None) -> None:
        """Rings after commit (in this process) enqueue the matching job, through `relay` if given."""
        senders = {
            ROLLUP: lambda keys: [self.rollup_tenant.send(key) for key in keys],
            DELIVERY: lambda keys: [self.deliver.send(key) for key in keys],
        }
        for kind, send in senders.items():
            doorbell.install(kind, relay.wrap(send) if relay is not None else send)

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        # Made on first use, on the job loop (asyncpg connections belong to the loop that made them).
        if self._sessionmaker is None:
            self._engine = make_engine(self.settings.database_url, pool_size=max(2, self.settings.worker_threads))
            self._sessionmaker = make_sessionmaker(self._engine, ScopedSession)
        return self._sessionmaker

    def system_session(self, reason: str) -> AsyncSession:
        session = self.sessionmaker()
        as_system(session, reason)
        return session

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            # Every connection of the delivery client goes through the destination guard (SSRF).
            self._http = guarded_client(Destinations.from_settings(self.settings))
        return self._http

    def close(self) -> None:
        async def dispose() -> None:
            if self._http is not None:
                await self._http.aclose()
            if self._engine is not None:
                await self._engine.dispose()

        try:
            self.loop.run(dispose(), timeout=10)
        finally:
            self.loop.stop()

    # --- jobs ---------------------------------------------------------------------------------

    def _rollup_tenant(self, tenant_id: str) -> None:
        self.loop.run(self.recompute(uuid.UUID(tenant_id)))
        # Committed, not yet acknowledged: a crash here redelivers the message, which finds nothing pending.
        crash_point("rollup.after_commit")

    async def recompute(self, tenant_id: uuid.UUID) -> bool:
        """Recompute one tenant if it is pending; True if its figures changed."""
        async with self.system_session("rollup") as session:
            if not await is_pending(session, tenant_id):
                return False
            await session.commit()
            await session.connection(execution_options={WRITE_TRANSACTION: True})
            years = live_years(dt.date.today(), self.settings.rollup_years)
            result = await recompute_tenant(session, tenant_id, years=years, standard=self.standard)
            await session.commit()
            return result.changed

    def _deliver(self, delivery_id: str) -> None:
        outcome = self.loop.run(self.attempt(uuid.UUID(delivery_id)))
        instruments().delivery_attempts.labels(outcome).inc()

    async def attempt(self, delivery_id: uuid.UUID) -> str:
        return await attempt_delivery(
            self.sessionmaker, delivery_id, client=self.http, prepare=lambda session: as_system(session, "delivery")
        )

    # --- the sweeper ----------------------------------------------------------------------------

    async def sweep_once(self, now: dt.datetime | None = None) -> dict[str, int]:
        """Re-ring what the database says is due; return how many of each were rung."""
        now = now or dt.datetime.now(dt.UTC)
        async with self.system_session("sweeper") as session:
            tenants = await pending_tenants(session, now=now, grace=RING_GRACE, rering=RERING_EVERY)
            deliveries = await due_delivery_ids(session, now, limit=200)
            traceparents = await traceparents_of(session, deliveries)
            created: list[uuid.UUID] = []
            if self._last_reconcile is None or now - self._last_reconcile >= RECONCILE_EVERY:
                await session.commit()  # end the reads: the write transaction begins afresh
                await session.connection(execution_options={WRITE_TRANSACTION: True})
                created = await reconcile(session, now)
                await session.commit()
                self._last_reconcile = now
        for tenant_id, traceparent in tenants:
            options = {"traceparent": traceparent} if traceparent else {}
            self.rollup_tenant.send_with_options(args=(str(tenant_id),), **options)
        # Rung but not yet recorded as rung: a crash here only means ringing again next sweep.
        crash_point("sweep.after_relay")
        if tenants:
            async with self.system_session("sweeper") as session:
                await session.connection(execution_options={WRITE_TRANSACTION: True})
                await note_rung(session, [tenant_id for tenant_id, _ in tenants], now)
                await session.commit()
        for delivery_id in {*deliveries, *created}:
            # The approval's trace context, as for the tenants: the job and its attempt join that trace.
            traceparent = traceparents.get(delivery_id)
            self.deliver.send_with_options(args=(str(delivery_id),), **({"traceparent": traceparent} if traceparent else {}))
        return {"tenants": len(tenants), "deliveries": len(set(deliveries) | set(created))}


class Sweeper(threading.Thread):
    """Runs `chain.sweep_once` every `interval` seconds until stopped."""

    def __init__(self, chain: Chain, interval: float) -> None:
        super().__init__(name="runxin-sweeper", daemon=True)
        self.chain, self.interval = chain, interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            try:
                self.chain.loop.run(self.chain.sweep_once(), timeout=max(60.0, self.interval * 10))
            except Exception:  # the next sweep tries again; the rows are still there
                log.warning("sweep failed; retrying in %.1f s", self.interval, exc_info=True)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)
