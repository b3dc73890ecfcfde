"""The built console (Vite's output in `dist/`) served at `/`, with the index page for client-side routes.

Mounted last, so `/graphql`, `/oauth/token`, `/.well-known/jwks.json`, `/healthz`, `/auth/*` and
every other route match first. A path that is no file gets `index.html` when the browser asks for
a page (the router in the page takes it from there), and a plain 404 otherwise, so a missing
script is an error rather than an HTML page parsed as JavaScript.
"""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

DIST = Path(__file__).parent / "dist"
NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>Runxin</title>
<p>The web console is not built. Run <code>make console</code> (or <code>make demo</code>), which runs
<code>npm ci &amp;&amp; npm run build</code> in <code>console/</code>. The API is at <a href="/graphql">/graphql</a>.</p>"""

# The page loads only its own scripts and calls only its own origin; ECharts sets inline styles.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class ConsoleFiles(StaticFiles):
    def __init__(self, directory: Path = DIST) -> None:
        super().__init__(directory=directory, html=True, check_dir=False)
        self.built = (directory / "index.html").is_file()

    async def get_response(self, path: str, scope: Scope) -> Response:
        if not self.built:
            return HTMLResponse(NOT_BUILT, status_code=503)
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or not _wants_page(scope):
                raise
            response = await super().get_response("index.html", scope)
        if path.startswith("assets/"):
            # Vite names assets by content hash: cache them for good; the index is revalidated.
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
            response.headers.update(PAGE_HEADERS)
        return response


def _wants_page(scope: Scope) -> bool:
    headers = dict(scope.get("headers") or [])
    return b"text/html" in headers.get(b"accept", b"") and "." not in scope["path"].rsplit("/", 1)[-1]
