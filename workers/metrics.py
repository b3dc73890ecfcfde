"""The workers' metrics: a Dramatiq middleware that counts and times jobs, and the worker's own
/metrics server (RUNXIN_WORKER_METRICS_ADDRESS), for workers on hosts without an API process.

On a host that also runs the API, set PROMETHEUS_MULTIPROC_DIR for both instead: the API's
/metrics then adds the workers' counters up and no second port is needed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import dramatiq

from runxin.platform.config import Settings
from runxin.platform.metrics import CONTENT_TYPE, QueueSnapshot, exposition, instruments, refusal


class JobMetrics(dramatiq.Middleware):
    """runxin_jobs_total{actor, outcome} and runxin_job_duration_seconds{actor}."""

    def __init__(self) -> None:
        self._local = threading.local()

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        self._local.started = time.perf_counter()

    def after_process_message(
        self, broker: dramatiq.Broker, message: Any, *, result: Any = None, exception: BaseException | None = None
    ) -> None:
        started = getattr(self._local, "started", None)
        self._local.started = None
        measured = instruments()
        measured.jobs.labels(message.actor_name, "error" if exception is not None else "ok").inc()
        if started is not None:
            measured.job_seconds.labels(message.actor_name).observe(time.perf_counter() - started)

    def after_skip_message(self, broker: dramatiq.Broker, message: Any) -> None:
        self._local.started = None
        instruments().jobs.labels(message.actor_name, "skipped").inc()


def serve_worker_metrics(settings: Settings, read_queue: Callable[[], QueueSnapshot]) -> ThreadingHTTPServer:
    """Serve GET /metrics on RUNXIN_WORKER_METRICS_ADDRESS from a daemon thread; `read_queue` gives
    the queue gauges (run on the chain's event loop by the caller)."""
    host, _, port = settings.worker_metrics_address.rpartition(":")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/metrics":
                self._answer(404, b"GET /metrics\n", "text/plain")
                return
            refused = refusal(settings, self.headers.get("authorization"))
            if refused is not None:
                self._answer(refused[0], refused[1].encode() + b"\n", "text/plain")
                return
            self._answer(200, exposition(read_queue()), CONTENT_TYPE)

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer((host.strip("[]"), int(port)), Handler)
    threading.Thread(target=server.serve_forever, name="runxin-worker-metrics", daemon=True).start()
    return server
