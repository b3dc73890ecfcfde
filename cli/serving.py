"""Running the API server and the workers."""

from __future__ import annotations

import asyncio
import signal
import threading

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
    from runxin.graphql.app import create_app

    check_migrated(settings)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)


def run_worker(settings: Settings, threads: int) -> None:
    """Consume jobs from the configured broker until SIGINT or SIGTERM."""
    from dramatiq.worker import Worker

    from runxin.workers.broker import make_broker

    if not settings.broker_url:
        raise ConfigurationError("RUNXIN_BROKER_URL is empty: set amqp://guest:guest@127.0.0.1:5672/ or redis://127.0.0.1:6379/0.")
    broker = make_broker(settings.broker_url)
    worker = Worker(broker, worker_threads=threads)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    try:
        stop.wait()
    finally:
        worker.stop()
        broker.close()
