"""The relay: rings leave the request path.

A doorbell rung after a commit only has to reach the broker eventually (the sweeper finds whatever
does not), so the API process hands its rings to one background thread instead of publishing in the
request: a broker that is slow, restarting or unreachable (a connect timeout) then delays no
mutation. Each ring runs in a copy of the context it was rung in, so the trace context still rides
in the message. The queue is bounded; when it is full a ring is dropped and left to the sweeper.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Send = Callable[[list[str]], object]


class Relay(threading.Thread):
    def __init__(self, capacity: int = 10_000) -> None:
        super().__init__(name="runxin-relay", daemon=True)
        self._queue: queue.Queue[tuple[contextvars.Context, Send, list[str]] | None] = queue.Queue(maxsize=capacity)

    def wrap(self, send: Send) -> Callable[[list[str]], None]:
        """A doorbell sender that queues `send(keys)` for this thread, in the ringing context."""

        def ring(keys: list[str]) -> None:
            try:
                self._queue.put_nowait((contextvars.copy_context(), send, keys))
            except queue.Full:
                log.warning("relay queue full: %d ring(s) left to the sweeper", len(keys))

        return ring

    def run(self) -> None:
        while (item := self._queue.get()) is not None:
            context, send, keys = item
            try:
                context.run(send, keys)
            except Exception as exc:  # noqa: BLE001 - the commit stands; the sweeper rings again
                log.warning("could not relay %d ring(s) (%s); the sweeper will pick them up", len(keys), exc)

    def stop(self, timeout: float = 5.0) -> None:
        """Relay what is queued (for up to `timeout` seconds), then stop."""
        self._queue.put(None)
        self.join(timeout)
