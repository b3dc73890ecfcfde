"""Security headers on every HTTP answer: a small ASGI middleware around the whole application.

What each header is for:
- Content-Security-Policy: JSON answers may load nothing and be framed by nobody. An HTML page
  gets `html_policy` (by default GraphiQL's: its scripts and styles come from unpkg.com, and it
  posts to this origin). A route that sets its own Content-Security-Policy keeps it, so a page
  with other needs (the web console at `/`) states its policy where it is served, or the
  application passes a different `html_policy`.
- X-Content-Type-Options nosniff, Referrer-Policy no-referrer, X-Frame-Options DENY (for browsers
  without frame-ancestors), Cross-Origin-Opener-Policy and Cross-Origin-Resource-Policy
  same-origin.
- Cache-Control no-store unless the route said otherwise: answers carry personal data and tokens
  and no shared cache may keep them (the key set, which is public, says `public, max-age=300`).
- Strict-Transport-Security in production only: it is served over TLS there, and a browser that
  saw it for 127.0.0.1 in development would refuse plain http to it for a year.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
GRAPHIQL_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://unpkg.com; "
    "style-src 'self' 'unsafe-inline' https://unpkg.com; font-src https://unpkg.com data:; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HSTS = "max-age=31536000; includeSubDomains"
ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


class SecurityHeaders:
    """Adds the security headers to every HTTP answer; headers a route set itself are kept."""

    def __init__(
        self, app: ASGIApp, *, production: bool, html_policy: str = GRAPHIQL_POLICY, api_policy: str = API_POLICY
    ) -> None:
        self.app = app
        self.production = production
        self.html_policy = html_policy
        self.api_policy = api_policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.apply(MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def apply(self, headers: MutableHeaders) -> None:
        html = headers.get("content-type", "").startswith("text/html")
        headers.setdefault("content-security-policy", self.html_policy if html else self.api_policy)
        for name, value in ALWAYS.items():
            headers.setdefault(name, value)
        headers.setdefault("cache-control", "no-store")
        if self.production:
            headers.setdefault("strict-transport-security", HSTS)
