"""Materialised-path arithmetic. Segments are fixed-width (32 hex digits), so the ancestor at a
given depth is a prefix of known length: set-based rollups can group by it."""

from __future__ import annotations

import uuid

SEGMENT = 33  # 32 hex digits and the trailing "/"


def segment(tenant_id: uuid.UUID) -> str:
    return tenant_id.hex + "/"


def child_path(parent_path: str | None, tenant_id: uuid.UUID) -> str:
    return (parent_path or "/") + segment(tenant_id)


def upper_bound(path: str) -> str:
    """The least string greater than every path under `path` (which ends in "/")."""
    return path[:-1] + chr(ord("/") + 1)


def prefix_length(depth: int) -> int:
    """Length of the path of a node at `depth` (0 for a root)."""
    return 1 + SEGMENT * (depth + 1)


def ancestor_ids(path: str) -> list[uuid.UUID]:
    """Ids from the root down to the node itself."""
    return [uuid.UUID(hex=part) for part in path.strip("/").split("/") if part]


def depth_of(path: str) -> int:
    return len(ancestor_ids(path)) - 1
