"""Running the API server and the workers."""

from __future__ import annotations

import asyncio
import signal
import threading
from typing import Any

import uvicorn

from runxin.platform.config import Settings
from runxin.platform.db.migrate import current_revision, head_revision
from runxin.platform.errors import ConfigurationError


def check_migrated(settings: Settings) -> None:
    """Refuse to serve a database whose schema is not at the code's head revision."""
    current, head = asyncio.run(current_revision(settings.database_url)), head_revision()
    if current != head:
        raise ConfigurationError(
            f"The database is at revision {current or 'none'} but this code needs {head}: run `runxin db upgrade`."
        )


def run_server(settings: Settings, host: str, port: int) -> None:
    """Serve the API; on the embedded default the chain's worker and sweeper run in this process."""
    from runxin.graphql.app import create_app
    from runxin.platform.telemetry import configure_tracing, shutdown_tracing
    from runxin.workers.embedded import start_for_server

    check_migrated(settings)
    configure_tracing("runxin-api")
    chain = start_for_server(settings)
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)
    finally:
        chain.stop()
        shutdown_tracing()


def _worker_metrics(settings: Settings, handle: Any) -> Any:
    """The worker's /metrics on RUNXIN_WORKER_METRICS_ADDRESS; the queue gauges read on the job loop."""
    from runxin.platform.metrics import QueueGauges
    from runxin.workers.metrics import serve_worker_metrics

    gauges, chain = QueueGauges(), handle.chain
    return serve_worker_metrics(settings, lambda: chain.loop.run(gauges.read(chain.sessionmaker), timeout=10))


def run_worker(settings: Settings, threads: int) -> None:
    """Consume the chain's jobs from the configured broker, and sweep, until SIGINT or SIGTERM."""
    from runxin.platform.telemetry import configure_tracing, shutdown_tracing
    from runxin.workers.embedded import start_chain

    if not settings.broker_url:
        raise ConfigurationError(
            "RUNXIN_BROKER_URL is empty: set amqp://guest:guest@127.0.0.1:5672/ or redis://127.0.0.1:6379/0 "
            "(with it empty, `runxin serve` runs the worker in-process)."
        )
    check_migrated(settings)
    configure_tracing("runxin-worker")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    chain = start_chain(settings.replace(worker_threads=threads), consume=True)
    metrics = _worker_metrics(settings, chain) if settings.worker_metrics_address else None
    try:
        stop.wait()
    finally:
        if metrics is not None:
            metrics.shutdown()
        chain.stop()
        shutdown_tracing()
