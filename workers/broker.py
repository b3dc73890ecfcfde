"""The only place a Dramatiq broker is made.

RUNXIN_BROKER_URL picks it: amqp://... for RabbitMQ (publisher confirms on), redis://... for Redis.
With RUNXIN_RABBITMQ_QUORUM on, RabbitMQ declares every queue (the work, delay and dead-letter
queues) as a quorum queue, replicated over the broker's nodes by Raft, so a message survives the
loss of a node (RabbitMQ 3.10 or later: quorum queues gained message TTL, which the dead-letter
queue needs, in 3.10). Dramatiq has no switch for it, hence the small subclass below.
Empty means the embedded default, where jobs run in-process and durability comes from the
database (see the chain's outbox, built on top of this).
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker

from runxin.platform.credentials import redact_url
from runxin.platform.errors import ConfigurationError
from runxin.workers.metrics import JobMetrics
from runxin.workers.tracing import TraceContext

QUORUM = {"x-queue-type": "quorum"}


def _rabbitmq(url: str, *, quorum: bool) -> dramatiq.Broker:
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    if not quorum:
        return RabbitmqBroker(url=url, confirm_delivery=True)

    class QuorumRabbitmqBroker(RabbitmqBroker):
        # A queue's type is fixed when it is first declared: switching an existing deployment
        # needs new queue names (RUNXIN_QUEUE_NAMESPACE); the sweeper re-rings what is pending.
        def _build_queue_arguments(self, queue_name: str) -> dict[str, object]:
            return {**super()._build_queue_arguments(queue_name), **QUORUM}

        def _declare_xq_queue(self, queue_name: str) -> object:
            from dramatiq.brokers.rabbitmq import DEAD_MESSAGE_TTL
            from dramatiq.common import xq_name

            arguments = {"x-message-ttl": DEAD_MESSAGE_TTL, **QUORUM}
            return self.channel.queue_declare(queue=xq_name(queue_name), durable=True, arguments=arguments)

    return QuorumRabbitmqBroker(url=url, confirm_delivery=True)


def make_broker(url: str, *, quorum: bool = False) -> dramatiq.Broker:
    """Build the broker for `url` and make it Dramatiq's global broker (`quorum`: RabbitMQ quorum queues)."""
    if quorum and not url.startswith(("amqp://", "amqps://")):
        raise ConfigurationError("RUNXIN_RABBITMQ_QUORUM is on but RUNXIN_BROKER_URL is not amqp://...: quorum queues are RabbitMQ's.")
    if url.startswith(("amqp://", "amqps://")):
        broker: dramatiq.Broker = _rabbitmq(url, quorum=quorum)
    elif url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url)
    elif url == "":
        # In-process: the embedded default runs a Worker on this broker inside the server.
        broker = StubBroker()
        broker.emit_after("process_boot")
    else:
        raise ConfigurationError(
            f"RUNXIN_BROKER_URL {redact_url(url)!r} is not supported: use amqp://..., redis://... or leave it empty."
        )
    # Trace and tenant context ride in every message (workers/tracing.py).
    broker.add_middleware(TraceContext())
    broker.add_middleware(JobMetrics())  # runxin_jobs_total, runxin_job_duration_seconds (workers/metrics.py)
    dramatiq.set_broker(broker)
    return broker
