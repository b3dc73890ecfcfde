"""Running GraphQL documents for the file routes (exports, the printable report) as their caller.

No back door: each document goes through the same endpoint code as a POST to /graphql, with the
caller's principal, so scoping, masking, suppression, cost and the audit event all apply, page by
page. A refusal becomes a `DocumentFailed` with the HTTP status the file route answers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from runxin.platform.errors import PermissionDenied
from runxin.tenants.principal import Principal

PAGE = 100


class DocumentFailed(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def response(self) -> JSONResponse:
        body = {"errors": [{"message": self.message, "extensions": {"code": self.code}}]}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


async def caller(request: Request) -> Principal:
    """The signed-in principal of a file route; 401 without a valid bearer token."""
    from runxin.graphql.app import _principal

    try:
        principal = await _principal(request.app.state.runtime, request)
    except PermissionDenied as exc:
        raise DocumentFailed(401, "UNAUTHENTICATED", exc.message) from exc
    if principal is None:
        raise DocumentFailed(
            401, "UNAUTHENTICATED", "Send a token as `Authorization: Bearer <token>` (runxin token --tenant CODE)."
        )
    return principal


class Runner:
    """Runs query documents for one request's caller."""

    def __init__(self, request: Request, principal: Principal) -> None:
        self.request, self.principal = request, principal

    async def data(self, query: str, variables: dict[str, Any] | None = None, *, name: str | None = None) -> dict[str, Any]:
        """The `data` of a query; refusals and errors raise DocumentFailed."""
        from runxin.graphql.app import _execute

        payload = {"query": query, "variables": variables or {}, "operationName": name}
        response = await _execute(self.request.app.state.runtime, self.request, payload, self.principal)
        body = json.loads(bytes(response.body))
        if response.status_code == 429:
            retry = response.headers.get("retry-after", "1")
            raise DocumentFailed(
                429, "RATE_LIMITED", f"The export is over your request budget; retry in {retry} s.", {"Retry-After": retry}
            )
        errors = body.get("errors") or []
        if response.status_code != 200 or errors:
            first = errors[0] if errors else {"message": "The export query failed.", "extensions": {}}
            code = (first.get("extensions") or {}).get("code", "BAD_REQUEST")
            status = {"PERMISSION_DENIED": 403, "ANCESTOR_SUBTREE": 403, "NOT_FOUND": 404}.get(
                code, max(response.status_code, 400)
            )
            raise DocumentFailed(status, code, first.get("message", "The export query failed."))
        return body["data"]

    async def pages(
        self, query: str, variables: dict[str, Any], connection: Callable[[dict[str, Any]], dict[str, Any] | None]
    ) -> AsyncIterator[dict[str, Any]]:
        """Every node of a connection, following its cursors (the document takes $first and $after)."""
        after = None
        while True:
            data = await self.data(query, {**variables, "first": PAGE, "after": after})
            page = connection(data)
            if page is None:
                return
            for node in page["nodes"]:
                yield node
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]
