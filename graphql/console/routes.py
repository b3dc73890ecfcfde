"""The console's routes (sign-in, the map's boundaries) and the page itself, served for every path
no route matches.

The page is the router's default, not a mount at `/`: a mount at `/` fully matches every path, so
it would answer a path an API route only partly matches (GET /oauth/token) with 404 instead of the
route's 405.
"""

from __future__ import annotations

from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from runxin.graphql.console.auth import auth_routes
from runxin.graphql.console.geo import geo_routes
from runxin.graphql.console.static import ConsoleFiles


def console_routes() -> list[BaseRoute]:
    """Sign-in and the map's boundaries."""
    return [*auth_routes(), *geo_routes()]


def console_page() -> ASGIApp:
    """The static page with its client-side routes: the router's default (see the module docstring)."""
    return ConsoleFiles()
