"""GraphQL enums made from the domain's own lists of values, so a value is added in one place."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

import strawberry


def enum_of(name: str, values: Iterable[Any], description: str | None = None) -> Any:
    """A Strawberry enum called `name` whose members are `values` (strings or str-valued enum members)."""
    members = [(str(getattr(v, "value", v)),) * 2 for v in values]
    python_enum = enum.Enum(name, members)  # type: ignore[misc]
    python_enum.__module__ = __name__
    return strawberry.enum(python_enum, description=description)
