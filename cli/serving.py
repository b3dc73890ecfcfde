"""Running the API server and the workers."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette

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


def server_processes(settings: Settings, workers: int | None) -> int:
    """How many API processes `runxin serve` runs: --workers, else the cores when state is shared.

    Several processes need RUNXIN_REDIS_URL (the cost buckets, used assertion ids and the callers'
    standing must be one for all of them) and PostgreSQL (SQLite takes one writer at a time, and
    each process would run its own embedded worker against the one file).
    """
    sqlite = settings.database_url.startswith("sqlite")
    if workers is None:
        return max(1, os.cpu_count() or 1) if settings.redis_url and not sqlite else 1
    if workers < 1:
        raise ConfigurationError(f"--workers {workers} is not a number of processes: give 1 or more.")
    if workers > 1 and not settings.redis_url:
        raise ConfigurationError(
            f"--workers {workers} needs RUNXIN_REDIS_URL (e.g. redis://127.0.0.1:6379/0): without it each process "
            "would keep its own cost budgets, used client assertions and principal cache. Set it, or serve --workers 1."
        )
    if workers > 1 and sqlite:
        raise ConfigurationError(
            f"--workers {workers} needs PostgreSQL (RUNXIN_DATABASE_URL=postgresql+asyncpg://USER@HOST:5432/DB): the "
            "embedded SQLite database takes one writer at a time. Serve it with --workers 1."
        )
    return workers


def check_shared_state(settings: Settings) -> None:
    """Stop before serving if RUNXIN_REDIS_URL is set but Redis does not answer."""
    from runxin.platform.sharedstate import shared_state_for

    async def ping() -> None:
        state = shared_state_for(settings)
        try:
            await state.ping()
        finally:
            await state.aclose()

    asyncio.run(ping())


def run_server(settings: Settings, host: str, port: int, workers: int | None = None) -> None:
    """Serve the API; on the embedded default the chain's worker and sweeper run in this process.

    With several processes uvicorn's supervisor starts them and each builds the app from the
    environment (`app_from_environment`): the command line's settings travel there as RUNXIN_* variables.
    """
    from runxin.graphql.app import create_app
    from runxin.platform.telemetry import configure_tracing, shutdown_tracing
    from runxin.workers.embedded import start_for_server

    processes = server_processes(settings, workers)
    check_migrated(settings)
    check_shared_state(settings)
    if processes > 1:
        os.environ.update({"RUNXIN_DATA_DIR": str(settings.data_dir), "RUNXIN_DATABASE_URL": settings.database_url})
        uvicorn.run(FACTORY, factory=True, workers=processes, host=host, port=port, log_level="info", access_log=False)
        return
    configure_tracing("runxin-api")
    chain = start_for_server(settings)
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)
    finally:
        chain.stop()
        shutdown_tracing()


FACTORY = "runxin.cli.serving:app_from_environment"


def app_from_environment() -> Starlette:
    """One API process of several (uvicorn --factory): settings from the environment, and the
    chain's worker in-process on the embedded default (its actors and sweeper are idempotent and
    lock the rows they work on, so N of them only share the work), else a relay that only rings."""
    from runxin.graphql.app import create_app
    from runxin.platform.telemetry import configure_tracing, shutdown_tracing
    from runxin.workers.embedded import start_for_server

    settings = Settings.from_env()
    configure_tracing("runxin-api")
    app = create_app(settings)
    serve_app = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[Any]:
        chain = start_for_server(settings)
        try:
            async with serve_app(app) as state:
                yield state
        finally:
            chain.stop()
            shutdown_tracing()

    app.router.lifespan_context = lifespan
    return app
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
