"""A city's county boundaries as GeoJSON, kept at `<data dir>/boundaries/<city code>.geojson`.

Boundaries are public geography, not tenant records, so they live beside the database rather than
in it. The seed writes synthetic squares on a grid (named and coded like the seeded counties, so
the map works offline and in tests); a bureau replaces them with its real boundary file, whose
features are matched to the counties by a property holding the GB/T 2260 code.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runxin.platform.errors import Invalid

CELL_DEGREES = 0.25
# Where the synthetic grid starts: roughly the prefecture of the seeded city (360700).
ORIGIN = (114.9, 25.8)


def boundaries_path(data_dir: Path, city_code: str) -> Path:
    return data_dir / "boundaries" / f"{city_code}.geojson"


def synthetic_counties(counties: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Square counties on a near-square grid, in code order; properties `code` and `name`."""
    columns = max(1, math.ceil(math.sqrt(len(counties))))
    features = []
    for index, (code, name) in enumerate(counties):
        row, column = divmod(index, columns)
        west, north = ORIGIN[0] + column * CELL_DEGREES, ORIGIN[1] - row * CELL_DEGREES
        east, south = west + CELL_DEGREES * 0.96, north - CELL_DEGREES * 0.96
        ring = [[west, north], [east, north], [east, south], [west, south], [west, north]]
        features.append(
            {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        )
    return {"type": "FeatureCollection", "features": features}


def normalise(document: Any, counties: Sequence[tuple[str, str]], code_property: str) -> dict[str, Any]:
    """A real boundary file checked against the city's counties, every feature given `code` and `name`."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" or not isinstance(document.get("features"), list):
        raise Invalid("file", "NOT_GEOJSON", "The file is not a GeoJSON FeatureCollection; export the boundaries as GeoJSON.")
    names = dict(counties)
    features, seen = [], set()
    for number, feature in enumerate(document["features"], start=1):
        properties = feature.get("properties") or {} if isinstance(feature, dict) else {}
        code = str(properties.get(code_property, "")).strip()[:6]
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise Invalid("file", "NOT_A_POLYGON", f"Feature {number} has no Polygon or MultiPolygon geometry.")
        if code not in names:
            raise Invalid(
                "file",
                "UNKNOWN_COUNTY",
                f"Feature {number} has {code_property}={properties.get(code_property)!r}, which is not a county of this city "
                f"({', '.join(names)}); name the property that holds the 6-digit code with --code-property.",
            )
        seen.add(code)
        features.append({"type": "Feature", "properties": {"code": code, "name": names[code]}, "geometry": geometry})
    missing = [code for code in names if code not in seen]
    if missing:
        raise Invalid("file", "COUNTIES_MISSING", f"The file has no boundary for {', '.join(missing)}; every county needs one.")
    return {"type": "FeatureCollection", "features": features}


def write_boundaries(data_dir: Path, city_code: str, document: dict[str, Any]) -> Path:
    """Write atomically: a server reading the file meanwhile sees the old one or the new one whole."""
    path = boundaries_path(data_dir, city_code)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)
    return path
