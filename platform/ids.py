"""Primary keys: time-ordered UUIDv7, so keys index well and cannot be guessed."""

from __future__ import annotations

import uuid

from uuid6 import uuid7


def new_id() -> uuid.UUID:
    """Return a new UUIDv7 as a standard `uuid.UUID`."""
    return uuid.UUID(bytes=uuid7().bytes)
