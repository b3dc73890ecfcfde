"""County boundaries for the console's map: the seed's synthetic grid and a real file checked against the counties."""

from __future__ import annotations

import json

import pytest

from runxin.platform.errors import Invalid
from runxin.platform.geo.boundaries import boundaries_path, normalise, synthetic_counties, write_boundaries

COUNTIES = [("360702", "章贡区"), ("360703", "南康区"), ("360704", "赣县区")]


def square(code: str, **extra: object) -> dict:  # type: ignore[type-arg]
    ring = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    return {"type": "Feature", "properties": {"adcode": code, **extra}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_the_synthetic_grid_has_one_closed_square_per_county_named_like_it() -> None:
    document = synthetic_counties(COUNTIES)
    assert [(f["properties"]["code"], f["properties"]["name"]) for f in document["features"]] == COUNTIES
    rings = [f["geometry"]["coordinates"][0] for f in document["features"]]
    assert all(ring[0] == ring[-1] and len(ring) == 5 for ring in rings)
    # No two counties overlap: their west edges or north edges differ
    assert len({(ring[0][0], ring[0][1]) for ring in rings}) == len(COUNTIES)


def test_a_real_file_is_matched_to_the_counties_by_its_code_property() -> None:
    document = {"type": "FeatureCollection", "features": [square(f"{code}000", name="x") for code, _ in COUNTIES]}
    result = normalise(document, COUNTIES, "adcode")
    assert [f["properties"] for f in result["features"]] == [{"code": c, "name": n} for c, n in COUNTIES]


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ({"type": "Feature"}, "NOT_GEOJSON"),
        ({"type": "FeatureCollection", "features": [square("360702"), square("360703"), square("110101")]}, "UNKNOWN_COUNTY"),
        ({"type": "FeatureCollection", "features": [square("360702"), square("360703")]}, "COUNTIES_MISSING"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"adcode": "360702"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]}, "NOT_A_POLYGON"),
    ],
)
def test_a_file_that_does_not_fit_the_city_is_refused_saying_why(document: dict, code: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(Invalid) as refused:
        normalise(document, COUNTIES, "adcode")
    assert refused.value.code == code


def test_boundaries_are_written_whole(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_boundaries(tmp_path, "360700", synthetic_counties(COUNTIES))
    assert path == boundaries_path(tmp_path, "360700")
    assert len(json.loads(path.read_text(encoding="utf-8"))["features"]) == 3
    assert not list(path.parent.glob("*.partial"))
