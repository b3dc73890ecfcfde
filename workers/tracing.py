"""Trace and tenant context in every message: a small Dramatiq middleware.

There is no maintained OpenTelemetry instrumentation for Dramatiq, so this is ours. On enqueue it
writes the current W3C `traceparent` (unless the sender set one, as the sweeper does from the
outbox row) and the tenant into the message options; on processing it extracts the context,
opens a CONSUMER span named after the actor, and makes it current on the worker thread (the job's
coroutine inherits it, see loop.py). Spans carry the actor, message id, queue and tenant, never
arguments beyond ids.
"""

from __future__ import annotations

import threading
from typing import Any

import dramatiq
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from opentelemetry.trace import SpanKind, Status, StatusCode

tracer = trace.get_tracer("runxin.workers")


class TraceContext(dramatiq.Middleware):
    def __init__(self) -> None:
        self._local = threading.local()

    def before_enqueue(self, broker: dramatiq.Broker, message: dramatiq.Message, delay: int) -> None:
        options = message.options
        if "traceparent" not in options:
            carrier: dict[str, str] = {}
            inject(carrier)
            if "traceparent" in carrier:
                options["traceparent"] = carrier["traceparent"]
        if "tenant" not in options and message.args:
            options["tenant"] = str(message.args[0])

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        parent = extract({"traceparent": message.options["traceparent"]}) if message.options.get("traceparent") else None
        span = tracer.start_span(
            f"job {message.actor_name}",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "dramatiq",
                "messaging.destination.name": message.queue_name,
                "messaging.message.id": message.message_id,
                "runxin.job.subject": str(message.options.get("tenant", "")),
            },
        )
        token = otel_context.attach(trace.set_span_in_context(span))
        self._local.current = (span, token)

    def after_process_message(
        self, broker: dramatiq.Broker, message: Any, *, result: Any = None, exception: BaseException | None = None
    ) -> None:
        current = getattr(self._local, "current", None)
        if current is None:
            return
        span, token = current
        self._local.current = None
        if exception is not None:
            span.record_exception(exception)
            span.set_status(Status(StatusCode.ERROR, type(exception).__name__))
        span.end()
        otel_context.detach(token)

    after_skip_message = after_process_message
