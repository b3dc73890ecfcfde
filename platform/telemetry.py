"""Tracing: one OpenTelemetry tracer provider per process, exporting over OTLP when configured.

The provider is always the SDK's, so trace ids exist (the audit log and `x-trace-id` carry them)
even with nothing exported. Spans go out over OTLP/HTTP when the standard variables say where
(OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); the exporter reads the rest of
its settings (headers, timeout) from the standard variables too. Spans never carry query text,
variables or payloads: names, ids, counts and status codes only.
"""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.propagate import inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_provider: TracerProvider | None = None


def configure_tracing(service_name: str = "runxin", *processors: SpanProcessor) -> TracerProvider:
    """Install the process's tracer provider once (later calls add `processors` to it)."""
    global _provider
    if _provider is None:
        _provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(_provider)
    for processor in processors:
        _provider.add_span_processor(processor)
    return _provider


def shutdown_tracing() -> None:
    """Flush what is still queued for export (at process exit)."""
    if _provider is not None:
        _provider.shutdown()


def current_traceparent() -> str | None:
    """The W3C traceparent of the span in progress, if any: outbox rows store it so that the worker
    that picks the row up (maybe after a restart, through the sweeper) joins the writer's trace."""
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get("traceparent")
