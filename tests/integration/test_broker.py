"""The production brokers, for real: a message sent through RabbitMQ (with publisher confirms) or
Redis reaches a Dramatiq Worker. Skipped with a reason on a laptop without the servers; in CI
(CI=true) an unreachable server fails the run."""

from __future__ import annotations

import os
import socket
import threading
import uuid

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.worker import Worker

from runxin.platform.errors import ConfigurationError
from runxin.workers.broker import make_broker

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BROKERS = {
    "rabbitmq": os.environ.get("RUNXIN_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
    "redis": os.environ.get("RUNXIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
}


def reachable(url: str) -> bool:
    host_port = url.split("@")[-1].split("://")[-1].split("/")[0]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(params=sorted(BROKERS))
def broker_url(request: pytest.FixtureRequest) -> str:
    url = BROKERS[request.param]
    if not reachable(url):
        message = f"{request.param} not reachable at {url}"
        if IN_CI:
            pytest.fail(message + ": CI must run the broker tests.")
        pytest.skip(message + ": start it, or set RUNXIN_TEST_" + request.param.upper() + "_URL.")
    return url


def test_a_message_reaches_a_worker_through_the_real_broker(broker_url: str) -> None:
    # Given the broker the settings name, and an actor on a queue of this test's own
    broker = make_broker(broker_url)
    queue = f"runxin-test-{uuid.uuid4().hex[:8]}"
    received: list[str] = []
    done = threading.Event()

    @dramatiq.actor(queue_name=queue, broker=broker, max_retries=0)
    def ping(token: str) -> None:
        received.append(token)
        done.set()

    worker = Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        # When a message is sent
        ping.send("hello")
        # Then the worker runs it
        assert done.wait(15), "the worker never received the message"
        assert received == ["hello"]
    finally:
        worker.stop()
        broker.flush(queue)
        broker.close()


def test_the_embedded_default_needs_no_server() -> None:
    assert isinstance(make_broker(""), StubBroker)


def test_an_unknown_broker_url_says_what_to_use() -> None:
    with pytest.raises(ConfigurationError, match="amqp://"):
        make_broker("kafka://127.0.0.1:9092")


def test_quorum_queues_are_declared_as_quorum_and_carry_messages() -> None:
    # Given RabbitMQ (3.10+) and the broker with RUNXIN_RABBITMQ_QUORUM on
    url = BROKERS["rabbitmq"]
    if not reachable(url):
        if IN_CI:
            pytest.fail(f"rabbitmq not reachable at {url}: CI must run the broker tests.")
        pytest.skip(f"rabbitmq not reachable at {url}: start it, or set RUNXIN_TEST_RABBITMQ_URL.")
    import pika

    broker = make_broker(url, quorum=True)
    queue = f"runxin-test-quorum-{uuid.uuid4().hex[:8]}"
    received: list[str] = []
    done = threading.Event()

    @dramatiq.actor(queue_name=queue, broker=broker, max_retries=0)
    def ping(token: str) -> None:
        received.append(token)
        done.set()

    worker = Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        # When a message goes through it
        ping.send("hello")
        assert done.wait(15), "the worker never received the message"
        assert received == ["hello"]
        # Then the work, delay and dead-letter queues are quorum queues: the server accepts them
        # re-declared with their arguments as quorum, and refuses the same as classic
        from dramatiq.brokers.rabbitmq import DEAD_MESSAGE_TTL

        work_arguments = {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": f"{queue}.XQ"}
        declared = {queue: work_arguments, f"{queue}.DQ": work_arguments, f"{queue}.XQ": {"x-message-ttl": DEAD_MESSAGE_TTL}}
        for name, arguments in declared.items():
            channel = connection.channel()
            channel.queue_declare(queue=name, durable=True, arguments={**arguments, "x-queue-type": "quorum"})
            with pytest.raises(pika.exceptions.ChannelClosedByBroker, match="inequivalent arg 'x-queue-type'"):
                channel.queue_declare(queue=name, durable=True, arguments={**arguments, "x-queue-type": "classic"})
    finally:
        connection.close()
        worker.stop()
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            admin = pika.BlockingConnection(pika.URLParameters(url))
            admin.channel().queue_delete(queue=name)
            admin.close()
        broker.close()


def test_quorum_needs_rabbitmq() -> None:
    with pytest.raises(ConfigurationError, match="RUNXIN_RABBITMQ_QUORUM"):
        make_broker("redis://127.0.0.1:6379/15", quorum=True)
