"""The console's routes, in the order they must match: sign-in, the map's boundaries, then the page at `/`."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from runxin.graphql.console.auth import auth_routes
from runxin.graphql.console.geo import geo_routes
from runxin.graphql.console.static import ConsoleFiles


def console_routes() -> list[BaseRoute]:
    """Append after every API route: the mount at `/` takes whatever nothing else matched."""
    return [*auth_routes(), *geo_routes(), Mount("/", app=ConsoleFiles(), name="console")]
