"""`runxin boundaries generate|load`: the county boundaries the console's map draws."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from runxin.cli.geofiles import counties_by_city, generate_synthetic
from runxin.cli.main import DatabaseUrl, DataDir, console, fail, settings_from
from runxin.platform.errors import RunxinError
from runxin.platform.geo.boundaries import normalise, write_boundaries

boundaries_app = typer.Typer(help="County boundaries for the console's map.", no_args_is_help=True)


@boundaries_app.command("generate")
def generate(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Write synthetic boundaries (a grid of squares) for every city's counties."""
    for path in generate_synthetic(settings_from(data_dir, database_url)):
        console.print(f"wrote {path}")


@boundaries_app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="A GeoJSON FeatureCollection of the city's counties.", exists=True, dir_okay=False)],
    city: Annotated[str, typer.Option("--city", help="The city's 6-digit division code.")],
    code_property: Annotated[str, typer.Option(help="The feature property holding the county's code.")] = "code",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Replace a city's boundaries with a real boundary file (every county must have a feature)."""
    settings = settings_from(data_dir, database_url)
    counties = asyncio.run(counties_by_city(settings)).get(city)
    if counties is None:
        fail(f"No city with code {city!r}; the cities are listed by `tenants(kind: CITY)`.")
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{file} is not UTF-8 JSON ({exc}); export the boundaries as GeoJSON.")
    try:
        path = write_boundaries(settings.data_dir, city, normalise(document, counties, code_property))
    except RunxinError as exc:
        fail(exc.message)
    console.print(f"loaded {len(counties)} county boundaries into {path}")
