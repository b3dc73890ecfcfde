"""The GraphQL-over-HTTP media types: `application/graphql-response+json` for clients that ask for it.

The spec (graphql.github.io/graphql-over-http) defines two answers to a POST or GET at /graphql:

- `application/json`, the legacy type, for clients that do not ask for the new one (no Accept,
  `*/*`, or `application/json` preferred). Unchanged: a request that fails before execution
  (syntax, validation, variables) is 400 with `"data": null`; the spec recommends 200 there
  for legacy clients, and the tests pin 400 on purpose: a 4xx tells every client a request
  was wrong.
- `application/graphql-response+json`, when the Accept header prefers it (or weighs it equal to
  application/json). Then, as the spec requires for it: a request that failed before execution
  carries no `data` entry (and stays 4xx), and one whose execution started answers 200 with its
  `data`, even when that is null.

A middleware rather than a change to the endpoint: the endpoint builds one body, and only the
answers that differ (4xx from /graphql, rare) are read back and rewritten here.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def preferred_media_type(accept: str | None) -> str:
    """The response type for an Accept header: GRAPHQL_RESPONSE if preferred or tied, else JSON."""
    weights = {GRAPHQL_RESPONSE: 0.0, JSON: 0.0}
    for part in (accept or "").split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        if media in weights:
            weights[media] = max(weights[media], quality)
    best = weights[GRAPHQL_RESPONSE]
    return GRAPHQL_RESPONSE if best > 0 and best >= weights[JSON] else JSON


def reshape(body: dict, status: int) -> tuple[dict, int]:  # type: ignore[type-arg]
    """A /graphql JSON answer as the graphql-response+json rules want it (body, status)."""
    errors = body.get("errors")
    if "data" not in body or body["data"] is not None or not errors or status != 400:
        return body, status
    if all(isinstance(error, dict) and "path" not in error for error in errors):
        # Failed before execution (no error has a path): no data entry.
        return {key: value for key, value in body.items() if key != "data"}, status
    return body, 200  # execution started and its root came out null: still a GraphQL response


class GraphQLResponseMedia:
    """Answers /graphql in `application/graphql-response+json` to the clients that ask for it."""

    def __init__(self, app: ASGIApp, path: str = "/graphql") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        if preferred_media_type(Headers(scope=scope).get("accept")) != GRAPHQL_RESPONSE:
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        chunks: list[bytes] = []

        async def send_reshaped(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not headers.get("content-type", "").startswith(JSON):
                    await send(message)
                    return
                headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
                if message["status"] != 400:
                    await send(message)
                    return
                held = message  # read the body back before the status line goes out
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            start, held = held, None
            content = b"".join(chunks)
            try:
                body, status = reshape(json.loads(content), start["status"])
                content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
                start["status"] = status
            except (ValueError, AttributeError):
                pass  # not a JSON object: send it as it was
            MutableHeaders(scope=start)["content-length"] = str(len(content))
            await send(start)
            await send({"type": "http.response.body", "body": content})

        await self.app(scope, receive, send_reshaped)
