"""`GET /geo/counties/{city}.geojson`: the city's county boundaries for the console's map (public geography)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from runxin.platform.geo.boundaries import boundaries_path

CITY_CODE = re.compile(r"^\d{6}$")


async def county_boundaries(request: Request) -> Response:
    code = request.path_params["city"]
    if not CITY_CODE.match(code):
        return JSONResponse({"error": "bad_code", "message": "Name the city by its 6-digit division code."}, status_code=400)
    path = boundaries_path(request.app.state.runtime.settings.data_dir, code)
    if not path.is_file():
        return JSONResponse(
            {"error": "no_boundaries", "message": f"No boundaries for {code}: run `runxin boundaries generate` or `runxin boundaries load`."},
            status_code=404,
        )
    return FileResponse(path, media_type="application/geo+json", headers={"Cache-Control": "no-cache"})


def geo_routes() -> list[Route]:
    return [Route("/geo/counties/{city}.geojson", county_boundaries)]
