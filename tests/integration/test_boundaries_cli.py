"""`runxin seed` writes the synthetic county map; `runxin boundaries load` replaces it with a real
file only when the file fits the city, and says what is wrong otherwise."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

RUNXIN = str(Path(sys.executable).with_name("runxin"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNXIN_")}
    return subprocess.run([RUNXIN, *args], env=env, capture_output=True, text=True, check=False)


def test_seed_writes_the_map_and_a_real_file_replaces_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("seed", "--scale", "tiny", "--data-dir", str(data)).returncode == 0
    with sqlite3.connect(data / "runxin.db") as conn:
        counties = conn.execute("SELECT code, name FROM tenant WHERE kind = 'COUNTY' ORDER BY code").fetchall()
    seeded = json.loads((data / "boundaries" / "360700.geojson").read_text(encoding="utf-8"))
    assert [(f["properties"]["code"], f["properties"]["name"]) for f in seeded["features"]] == counties

    # A file missing a county is refused and the map is left as it was
    ring = [[115.0, 25.0], [115.1, 25.0], [115.1, 25.1], [115.0, 25.0]]
    feature = lambda code: {"type": "Feature", "properties": {"adcode": int(code)}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
    partial = tmp_path / "partial.geojson"
    partial.write_text(json.dumps({"type": "FeatureCollection", "features": [feature(counties[0][0])]}), encoding="utf-8")
    refused = run("boundaries", "load", str(partial), "--city", "360700", "--code-property", "adcode", "--data-dir", str(data))
    assert refused.returncode == 2 and counties[1][0] in refused.stderr
    assert json.loads((data / "boundaries" / "360700.geojson").read_text(encoding="utf-8")) == seeded

    # A whole one is loaded, its features named like the counties
    whole = tmp_path / "whole.geojson"
    whole.write_text(json.dumps({"type": "FeatureCollection", "features": [feature(code) for code, _ in counties]}), encoding="utf-8")
    loaded = run("boundaries", "load", str(whole), "--city", "360700", "--code-property", "adcode", "--data-dir", str(data))
    assert loaded.returncode == 0, loaded.stderr
    stored = json.loads((data / "boundaries" / "360700.geojson").read_text(encoding="utf-8"))
    assert [(f["properties"]["code"], f["properties"]["name"]) for f in stored["features"]] == counties
    assert stored["features"][0]["geometry"]["coordinates"] == [ring]
    # An unknown city is named
    assert "999900" in run("boundaries", "load", str(whole), "--city", "999900", "--data-dir", str(data)).stderr
