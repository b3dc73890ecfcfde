"""One asyncio event loop thread per worker process, where every job's coroutine runs.

Dramatiq runs actors on its own worker threads; our database engine and HTTP client are asyncio
objects bound to one loop. Actors are plain functions that hand their coroutine to this loop and
wait for it. The caller's context variables travel with the coroutine (`contextvars.copy_context`),
so the trace context the tracing middleware attached on the worker thread is the coroutine's too —
which dramatiq's own AsyncIO middleware does not do.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str = "runxin-jobs") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coroutine` on the loop, in a copy of the caller's context, and wait for its result."""
        context = contextvars.copy_context()
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def start() -> None:
            task = self.loop.create_task(coroutine, context=context)
            task.add_done_callback(lambda done: _settle(future, done))

        self.loop.call_soon_threadsafe(start)
        return future.result(timeout)

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive() and not self.loop.is_closed():
            self.loop.close()


def _settle(future: concurrent.futures.Future[Any], task: asyncio.Task[Any]) -> None:
    if task.cancelled():
        future.cancel()
    elif task.exception() is not None:
        future.set_exception(task.exception())  # type: ignore[arg-type]
    else:
        future.set_result(task.result())
