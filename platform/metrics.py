"""Prometheus metrics: the process's instruments, the chain's queue gauges, and the exposition.

Two kinds of figures. Counters and histograms (requests per GraphQL operation, jobs per actor,
delivery attempts per outcome) live in the process that counts them; with several processes on
one host (`runxin serve --workers N`, `runxin worker`) set `PROMETHEUS_MULTIPROC_DIR` to one
empty directory for all of them and any one scrape adds them up (prometheus-client's multiprocess
mode). The queue gauges (rollup marks pending, deliveries pending and dead, the age of the oldest
of each) are the database's, not a process's: they are read at scrape time with a few indexed
counts, cached for a few seconds so that several scrapers cost one read.

Labels are bounded (operation names, actors, outcomes, status codes) and nothing here names a
tenant: a scrape shows how the system is doing, never whose data it holds.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from runxin.platform.config import Settings
from runxin.platform.delivery.models import Delivery
from runxin.platform.delivery.payload import aware
from runxin.platform.rollup.models import RollupDirty

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Request latencies in seconds: the API's p50 is tens of milliseconds, its timeout 15 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)
QUEUE_CACHE_SECONDS = 5.0
# The statement-level opt-out of tenant scoping (platform may not import tenants): counts only.
_SYSTEM = {"system": "metrics"}


@dataclass(frozen=True, slots=True)
class Instruments:
    requests: Counter
    request_seconds: Histogram
    jobs: Counter
    job_seconds: Histogram
    delivery_attempts: Counter


@functools.cache
def instruments() -> Instruments:
    """The process's instruments, made on first use (not at import) and registered once."""
    return Instruments(
        requests=Counter(
            "runxin_graphql_requests", "GraphQL requests by operation name and HTTP status", ("operation", "status")
        ),
        request_seconds=Histogram(
            "runxin_graphql_request_duration_seconds", "GraphQL request latency", ("operation",), buckets=LATENCY_BUCKETS
        ),
        jobs=Counter("runxin_jobs", "Chain jobs processed, by actor and outcome (ok, error)", ("actor", "outcome")),
        job_seconds=Histogram("runxin_job_duration_seconds", "Chain job duration", ("actor",), buckets=LATENCY_BUCKETS),
        delivery_attempts=Counter(
            "runxin_delivery_jobs", "Delivery jobs by outcome (DELIVERED, RETRY, DEAD ... NOT_DUE, LEASED)", ("outcome",)
        ),
    )


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """What the database says is waiting, at `read_at`."""

    rollup_pending: int
    rollup_oldest_seconds: float
    deliveries_pending: int
    deliveries_dead: int
    delivery_lag_seconds: float
    read_at: float


class QueueGauges:
    """The chain's queue figures, read from the database at most every `max_age` seconds."""

    def __init__(self, max_age: float = QUEUE_CACHE_SECONDS) -> None:
        self.max_age = max_age
        self._snapshot: QueueSnapshot | None = None

    async def read(self, sessionmaker: async_sessionmaker[AsyncSession]) -> QueueSnapshot:
        if self._snapshot is not None and time.monotonic() - self._snapshot.read_at < self.max_age:
            return self._snapshot
        now = dt.datetime.now(dt.UTC)
        pending = RollupDirty.generation > RollupDirty.done_generation
        async with sessionmaker() as session:
            # The partial index ix_rollup_dirty_pending holds only pending rows: both figures read it alone.
            marks, oldest_mark = (
                await session.execute(
                    select(func.count(), func.min(RollupDirty.dirty_since)).where(pending), execution_options=_SYSTEM
                )
            ).one()
            by_status = dict(
                (
                    await session.execute(
                        select(Delivery.status, func.count())
                        .where(Delivery.status.in_(("PENDING", "DEAD")))
                        .group_by(Delivery.status),
                        execution_options=_SYSTEM,
                    )
                ).all()
            )
            oldest_delivery = (
                await session.execute(
                    select(func.min(Delivery.created_at)).where(Delivery.status == "PENDING"), execution_options=_SYSTEM
                )
            ).scalar_one()
        self._snapshot = QueueSnapshot(
            rollup_pending=int(marks),
            rollup_oldest_seconds=_age(now, oldest_mark),
            deliveries_pending=int(by_status.get("PENDING", 0)),
            deliveries_dead=int(by_status.get("DEAD", 0)),
            delivery_lag_seconds=_age(now, oldest_delivery),
            read_at=time.monotonic(),
        )
        return self._snapshot


def _age(now: dt.datetime, since: dt.datetime | None) -> float:
    return 0.0 if since is None else max(0.0, (now - aware(since)).total_seconds())


class _Snapshot:
    """A collector of one scrape: the queue snapshot as gauges."""

    def __init__(self, snapshot: QueueSnapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        s = self.snapshot
        yield GaugeMetricFamily(
            "runxin_rollup_pending", "Tenants marked for a rollup recompute and not yet done", s.rollup_pending
        )
        yield GaugeMetricFamily(
            "runxin_rollup_oldest_pending_seconds",
            "Age of the oldest pending rollup mark (0: the figures are fresh)",
            s.rollup_oldest_seconds,
        )
        deliveries = GaugeMetricFamily("runxin_deliveries", "Deliveries not settled, by status", labels=("status",))
        deliveries.add_metric(("PENDING",), s.deliveries_pending)
        deliveries.add_metric(("DEAD",), s.deliveries_dead)
        yield deliveries
        yield GaugeMetricFamily(
            "runxin_delivery_lag_seconds", "Age of the oldest undelivered (pending) delivery", s.delivery_lag_seconds
        )


def refusal(settings: Settings, authorization: str | None) -> tuple[int, str] | None:
    """None if a scraper sending `authorization` may read the metrics, else (HTTP status, why).

    `RUNXIN_METRICS_TOKEN` set: the scraper sends it as a bearer token. Unset: open in development,
    off in production (no tenant data is in them, but what a deployment does is its operator's).
    """
    token = settings.metrics_token
    if not token:
        if settings.production:
            return 404, "metrics are off in production until RUNXIN_METRICS_TOKEN is set (the scraper sends it as a bearer token)"
        return None
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return 401, "send RUNXIN_METRICS_TOKEN as `Authorization: Bearer <token>`"
    return None


class _Process:
    """This process's own instruments (the default registry), for a scrape outside multiprocess mode."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition(snapshot: QueueSnapshot | None) -> bytes:
    """The text exposition of one scrape: every process's instruments and the queue gauges."""
    instruments()  # a scrape before the first request still lists the instruments, at zero
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Process())  # type: ignore[arg-type]
    if snapshot is not None:
        registry.register(_Snapshot(snapshot))  # type: ignore[arg-type]
    return generate_latest(registry)
