"""The reference receiver: what the city platform's side of a delivery should do, and every way it fails.

`ReferenceReceiver` is a small Starlette app that

- verifies Standard Webhooks signatures with the `standardwebhooks` package (an implementation other
  than ours): a missing header is 400, a bad signature or a timestamp more than 5 minutes off is 401;
- deduplicates by `webhook-id`: a message seen before is answered again with the answer it got the
  first time, and counted as a duplicate, never applied twice;
- keeps, per (tenant code, period, indicator), the figure with the highest (delivery version, figure
  version), so a late or repeated message never moves a value backwards;
- can be told to fail, once, a few times or until healed (`fail(Fault..., times=...)`): answer 503,
  answer 429 with Retry-After, hang past the sender's timeout, reset the connection halfway through
  the answer, store the figures and then answer 500, or accept only part (answer 200 with
  `{"rejected": [...]}`). Being down entirely is the server's business: `ReceiverServer.stop()`.

`ReceiverServer` runs it under uvicorn in a background thread on a free port of 127.0.0.1; `stop()`
closes the port (connections are refused) and `start()` opens the same port again.

    with serve_receiver(secret) as server:
        endpoint_url = server.url
        server.receiver.fail(Fault.UNAVAILABLE, times=2)
        ...
        assert server.receiver.received == 1
"""

from __future__ import annotations

import asyncio
import enum
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

PATH = "/webhooks"


class Fault(enum.StrEnum):
    UNAVAILABLE = "UNAVAILABLE"  # 503
    THROTTLE = "THROTTLE"  # 429 with Retry-After
    HANG = "HANG"  # no answer for `hang_seconds` (then the work is done anyway, as a slow server would)
    RESET = "RESET"  # the answer starts, then the connection is closed halfway through the body
    ACCEPT_THEN_500 = "ACCEPT_THEN_500"  # the figures are stored, then 500
    PARTIAL = "PARTIAL"  # 200 with {"rejected": [...]} for the figures named in `rejected`


@dataclass
class _Planned:
    fault: Fault
    times: int | None  # None: until healed
    retry_after: str
    hang_seconds: float
    rejected: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class StoredFigure:
    value: float | None
    state: str
    delivery_version: int
    figure_version: int
    webhook_id: str


@dataclass
class ReferenceReceiver:
    """The app and its state. Thread-safe: the server thread writes, the test thread reads."""

    secrets: list[str] = field(default_factory=list)
    figures: dict[tuple[str, str, str], StoredFigure] = field(default_factory=dict)
    received: int = 0  # messages applied (once per webhook id)
    duplicates: int = 0  # messages seen again and not applied
    refused: int = 0  # bad or missing signatures, stale timestamps
    requests: int = 0  # everything that reached the app
    webhook_ids: list[str] = field(default_factory=list)  # in the order first applied
    traceparents: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._plan: list[_Planned] = []
        self._answers: dict[str, dict[str, Any]] = {}
        self.stopping = threading.Event()
        self.app = Starlette(routes=[Route(PATH, self._handle, methods=["POST"]), Route("/healthz", self._health)])

    # -- telling it what to do ------------------------------------------------------------------

    def fail(
        self,
        fault: Fault,
        *,
        times: int | None = 1,
        retry_after: str = "120",
        hang_seconds: float = 2.0,
        rejected: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Fail the next `times` requests this way (None: until `heal()`), after any faults already planned."""
        with self._lock:
            self._plan.append(_Planned(fault, times, retry_after, hang_seconds, list(rejected)))

    def heal(self) -> None:
        """Forget every planned fault: answer normally from now on."""
        with self._lock:
            self._plan.clear()

    def set_secrets(self, secrets: Sequence[str]) -> None:
        with self._lock:
            self.secrets = list(secrets)

    # -- reading what it got --------------------------------------------------------------------

    def value(self, tenant: str, period: str, indicator: str) -> StoredFigure | None:
        with self._lock:
            return self.figures.get((tenant, period, indicator))

    def snapshot(self) -> dict[tuple[str, str, str], StoredFigure]:
        with self._lock:
            return dict(self.figures)

    # -- the app --------------------------------------------------------------------------------

    def _next_fault(self) -> _Planned | None:
        with self._lock:
            if not self._plan:
                return None
            planned = self._plan[0]
            if planned.times is not None:
                planned.times -= 1
                if planned.times <= 0:
                    self._plan.pop(0)
            return planned

    async def _health(self, _request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def _handle(self, request: Request) -> Response:
        with self._lock:
            self.requests += 1
            if request.headers.get("traceparent"):
                self.traceparents.append(request.headers["traceparent"])
        planned = self._next_fault()
        try:
            body = await request.body()
        except ClientDisconnect:
            return Response(status_code=400)
        if planned is not None and planned.fault is Fault.UNAVAILABLE:
            return JSONResponse({"error": "unavailable"}, status_code=503)
        if planned is not None and planned.fault is Fault.THROTTLE:
            return JSONResponse({"error": "slow down"}, status_code=429, headers={"Retry-After": planned.retry_after})
        if planned is not None and planned.fault is Fault.HANG:
            deadline = time.monotonic() + planned.hang_seconds
            while time.monotonic() < deadline and not self.stopping.is_set():
                await asyncio.sleep(0.02)
        message, problem = self._verify(body, dict(request.headers))
        if problem is not None:
            return problem
        if planned is not None and planned.fault is Fault.RESET:
            return _Reset()
        webhook_id = request.headers["webhook-id"]
        answer = self._apply(
            webhook_id, message, planned.rejected if planned is not None and planned.fault is Fault.PARTIAL else []
        )
        if planned is not None and planned.fault is Fault.ACCEPT_THEN_500:
            return JSONResponse({"error": "stored, then fell over"}, status_code=500)
        return JSONResponse(answer)

    def _verify(self, body: bytes, headers: dict[str, str]) -> tuple[Any, Response | None]:
        if not all(headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature")):
            with self._lock:
                self.refused += 1
            return None, JSONResponse({"error": "missing Standard Webhooks headers"}, status_code=400)
        with self._lock:
            secrets = list(self.secrets)
        for secret in secrets:
            try:
                return Webhook(secret).verify(body, headers), None
            except (WebhookVerificationError, UnicodeDecodeError, ValueError):
                continue
        with self._lock:
            self.refused += 1
        return None, JSONResponse({"error": "bad signature or stale timestamp"}, status_code=401)

    def _apply(self, webhook_id: str, message: dict[str, Any], rejected: list[tuple[str, str]]) -> dict[str, Any]:
        with self._lock:
            if webhook_id in self._answers:
                self.duplicates += 1
                return self._answers[webhook_id]
            refused = set(rejected)
            taken = 0
            for figure in message.get("figures", []):
                key = (figure["tenant"], figure["period"], figure["indicator"])
                if (figure["tenant"], figure["indicator"]) in refused:
                    continue
                stored = StoredFigure(
                    figure["value"], figure["state"], int(message["version"]), int(figure["version"]), webhook_id
                )
                current = self.figures.get(key)
                if current is None or (stored.delivery_version, stored.figure_version) > (
                    current.delivery_version,
                    current.figure_version,
                ):
                    self.figures[key] = stored
                taken += 1
            answer: dict[str, Any] = {"accepted": taken}
            if refused:
                answer["rejected"] = [
                    {"tenant": t, "indicator": i, "reason": "refused by the reference receiver"} for t, i in sorted(refused)
                ]
            self._answers[webhook_id] = answer
            self.received += 1
            self.webhook_ids.append(webhook_id)
            return answer


class _Reset(Response):
    """Promises a body of 1000 bytes, sends 10 and ends the exchange: uvicorn closes the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"1000"), (b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"accepted', "more_body": True})


class ReceiverServer:
    """Runs a ReferenceReceiver under uvicorn in a background thread on 127.0.0.1."""

    def __init__(self, receiver: ReferenceReceiver, *, port: int = 0) -> None:
        self.receiver = receiver
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.base_url + PATH

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self, timeout: float = 5.0) -> ReceiverServer:
        """Listen (again) on the same port; returns once the server accepts connections."""
        if self._server is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self.receiver.stopping.clear()
        config = uvicorn.Config(
            self.receiver.app,
            log_config=None,
            access_log=False,
            http="h11",
            ws="none",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"receiver:{self.port}", daemon=True)
        thread.start()
        _wait(lambda: server.started or not thread.is_alive(), timeout, "the reference receiver did not start")
        if not server.started:
            sock.close()
            raise RuntimeError("the reference receiver stopped while starting")
        self._server, self._thread = server, thread
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening: new connections are refused until start()."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.receiver.stopping.set()
        server.should_exit = True
        thread.join(timeout)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _wait(condition: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(message)
        time.sleep(0.01)


def serve_receiver(*secrets: str) -> ReceiverServer:
    """A started ReceiverServer with a fresh ReferenceReceiver trusting `secrets` (stop it when done)."""
    return ReceiverServer(ReferenceReceiver(secrets=list(secrets))).start()
