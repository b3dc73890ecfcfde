"""The API's metrics: a middleware that counts /graphql requests, and the /metrics endpoint.

The middleware is plain ASGI around the application, so the endpoint's code does not change: it
keeps a copy of the body the endpoint reads (bounded like the endpoint's own limit) and, after the
answer, labels the request with its operation name and HTTP status. Operation names come from
clients, so the label is bounded: a name must look like a GraphQL name (at most 64 characters),
and each process keeps at most `MAX_OPERATIONS` distinct names — later new names count as
`other` — so a client inventing names cannot blow up the series. The name is the request's
`operationName`, else the one the document opens with; unnamed operations are `anonymous`, a
trusted document sent by id without a name is `document`.

`/metrics` is protected by `RUNXIN_METRICS_TOKEN` (a bearer token the scraper sends). Without one
it is open in development and not served in production (platform/metrics.py `refusal`).
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runxin.platform.metrics import CONTENT_TYPE, QueueGauges, exposition, instruments, refusal

MAX_OPERATIONS = 100
MAX_BODY_BYTES = 1_000_000  # the endpoint refuses larger bodies; nothing beyond is kept
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_HEAD = re.compile(r"\s*(?:#[^\n]*\n\s*)*(?:query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)")


class OperationLabels:
    """Operation name -> label value, with at most `limit` distinct names per process."""

    def __init__(self, limit: int = MAX_OPERATIONS) -> None:
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, name: object) -> str:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            return "anonymous" if name in (None, "") else "other"
        with self._lock:
            if name in self._seen:
                return name
            if len(self._seen) < self.limit:
                self._seen.add(name)
                return name
        return "other"


def _operation_name(scope: Scope, body: bytes) -> object:
    if scope.get("method") == "GET":
        query = Request(scope).query_params
        return query.get("operationName") or ("document" if query.get("documentId") else None)
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return "other"
    if not isinstance(payload, dict):
        return "other"
    return payload.get("operationName") or _named_in(payload.get("query")) or ("document" if payload.get("documentId") else None)


def _named_in(document: object) -> str | None:
    """The name of a document's operation when the document opens with it (`query Name ...`);
    reading only the head keeps it cheap, and a wrong guess only mislabels one bounded series."""
    if not isinstance(document, str):
        return None
    found = _HEAD.match(document[:500])
    return found.group(1) if found else None


class RequestMetrics:
    """Count and time every /graphql request by operation name and status."""

    def __init__(self, app: ASGIApp, labels: OperationLabels | None = None) -> None:
        self.app = app
        self.labels = labels or OperationLabels()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        chunks: list[bytes] = []
        kept = 0
        status = 500  # an exception before the answer starts is a 500 to the client

        async def tee() -> Message:
            nonlocal kept
            message = await receive()
            if message["type"] == "http.request" and kept <= MAX_BODY_BYTES:
                chunk = message.get("body", b"")
                chunks.append(chunk)
                kept += len(chunk)
            return message

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, tee, watch)
        finally:
            operation = self.labels(_operation_name(scope, b"".join(chunks)) if kept <= MAX_BODY_BYTES else None)
            measured = instruments()
            measured.requests.labels(operation, str(status)).inc()
            measured.request_seconds.labels(operation).observe(time.perf_counter() - started)


async def metrics_endpoint(request: Request) -> Response:
    runtime: Any = request.app.state.runtime
    refused = refusal(runtime.settings, request.headers.get("authorization"))
    if refused is not None:
        status, why = refused
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        return JSONResponse({"error": why}, status_code=status, headers=headers)
    gauges: QueueGauges = getattr(request.app.state, "queue_gauges", None) or QueueGauges()
    request.app.state.queue_gauges = gauges
    snapshot = await gauges.read(runtime.sessionmaker)
    return Response(exposition(snapshot), media_type=CONTENT_TYPE)
