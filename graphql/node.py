"""The Relay `Node` interface and the registry that `node(id:)` / `nodes(ids:)` resolve through.

Each domain registers how to load its nodes by id; loading goes through the request's scoped
session like every other read, so knowing an id grants nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from runxin.graphql.ids import encode_id

NodeLoader = Callable[[Any, uuid.UUID], Awaitable[Any]]
_LOADERS: dict[str, tuple[NodeLoader, str]] = {}


@strawberry.interface(description="An object with a global, opaque id.")
class Node:
    uuid: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The global id: opaque, stable, usable with node(id:).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id(self.__strawberry_definition__.name, self.uuid))  # type: ignore[attr-defined]


def register_node(type_name: str, loader: NodeLoader, *, resource: str) -> None:
    """Declare how `node(id:)` loads objects of `type_name` (batched by a DataLoader), and the
    resource an API client needs a read scope for."""
    _LOADERS[type_name] = (loader, resource)


def node_loader(type_name: str) -> tuple[NodeLoader, str] | None:
    return _LOADERS.get(type_name)


def node_types() -> list[str]:
    return sorted(_LOADERS)
