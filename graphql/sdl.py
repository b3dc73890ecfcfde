"""Export the SDL: `schema.graphql` at the repo root is checked against the code by a test."""

from __future__ import annotations

from runxin.graphql.schema import build_schema
from runxin.platform.config import Settings


def export_sdl(settings: Settings) -> str:
    return build_schema(settings).as_str() + "\n"
