"""schema.graphql is the published contract: it must equal what the code builds."""

from __future__ import annotations

from pathlib import Path

from runxin.graphql.sdl import export_sdl
from runxin.platform.config import Settings

SDL_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_file_matches_the_code(tmp_path: Path) -> None:
    built = export_sdl(Settings.from_env(env_file=None, data_dir=tmp_path))
    assert SDL_FILE.exists(), "schema.graphql is missing: run `make schema`"
    assert SDL_FILE.read_text(encoding="utf-8") == built, "schema.graphql drifted from the code: run `make schema` and review the diff"


def test_production_schema_has_the_same_types(tmp_path: Path) -> None:
    # Production turns introspection and suggestions off, but the contract is the same.
    dev = export_sdl(Settings.from_env(env_file=None, data_dir=tmp_path))
    prod = export_sdl(Settings.from_env(env_file=None, data_dir=tmp_path, mode="production"))
    assert dev == prod
