"""The only place a Dramatiq broker is made.

RUNXIN_BROKER_URL picks it: amqp://... for RabbitMQ (publisher confirms on), redis://... for Redis.
Empty means the embedded default, where jobs run in-process and durability comes from the
database (see the chain's outbox, built on top of this).
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker

from runxin.platform.errors import ConfigurationError
from runxin.workers.metrics import JobMetrics
from runxin.workers.tracing import TraceContext


def make_broker(url: str) -> dramatiq.Broker:
    """Build the broker for `url` and make it Dramatiq's global broker."""
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker: dramatiq.Broker = RabbitmqBroker(url=url, confirm_delivery=True)
    elif url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url)
    elif url == "":
        # In-process: the embedded default runs a Worker on this broker inside the server.
        broker = StubBroker()
        broker.emit_after("process_boot")
    else:
        raise ConfigurationError(f"RUNXIN_BROKER_URL {url!r} is not supported: use amqp://..., redis://... or leave it empty.")
    # Trace and tenant context ride in every message (workers/tracing.py).
    broker.add_middleware(TraceContext())
    broker.add_middleware(JobMetrics())  # runxin_jobs_total, runxin_job_duration_seconds (workers/metrics.py)
    dramatiq.set_broker(broker)
    return broker
