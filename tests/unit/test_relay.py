"""The relay takes rings off the request path without losing their trace context."""

from __future__ import annotations

import contextvars
import threading
import time

from runxin.workers.relay import Relay

CURRENT = contextvars.ContextVar("current", default="none")


def test_rings_are_sent_on_the_relay_thread_in_the_context_they_were_rung_in() -> None:
    relay = Relay()
    relay.start()
    sent: list[tuple[list[str], str, str]] = []
    done = threading.Event()

    def send(keys: list[str]) -> None:
        sent.append((keys, CURRENT.get(), threading.current_thread().name))
        if len(sent) == 2:
            done.set()

    ring = relay.wrap(send)
    token = CURRENT.set("trace-a")
    ring(["t1"])
    CURRENT.reset(token)
    ring(["t2", "t3"])
    assert done.wait(5)
    relay.stop()
    assert sent == [(["t1"], "trace-a", "runxin-relay"), (["t2", "t3"], "none", "runxin-relay")]


def test_a_failing_send_does_not_stop_the_relay_and_a_full_queue_drops_the_ring() -> None:
    relay = Relay(capacity=1)
    gate = threading.Event()
    sent: list[list[str]] = []

    def send(keys: list[str]) -> None:
        if keys == ["boom"]:
            raise ConnectionError("broker unreachable")
        gate.wait(5)
        sent.append(keys)

    def drained() -> None:
        deadline = time.monotonic() + 5
        while relay._queue.qsize() and time.monotonic() < deadline:
            time.sleep(0.001)

    ring = relay.wrap(send)
    relay.start()
    ring(["boom"])  # fails on the relay thread; the relay goes on
    drained()
    ring(["a"])
    drained()  # "a" is taken, and its send waits at the gate
    ring(["b"])  # fills the one slot
    ring(["c"])  # dropped: left to the sweeper
    gate.set()
    relay.stop()
    assert sent == [["a"], ["b"]]
