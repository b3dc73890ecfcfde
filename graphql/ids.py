"""Opaque global ids: base64 of "TypeName:uuid". Clients must treat them as opaque strings."""

from __future__ import annotations

import base64
import binascii
import uuid

from runxin.platform.errors import Invalid


def encode_id(type_name: str, value: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{value.hex}".encode()).decode().rstrip("=")


def decode_id(global_id: str, *, expected: str | tuple[str, ...] | None = None, field: str = "id") -> tuple[str, uuid.UUID]:
    """Return (type name, uuid); raise Invalid if the id is malformed or of another type."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, hex_value = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        value = uuid.UUID(hex=hex_value)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise Invalid(field, "ID_MALFORMED", f"{global_id!r} is not an id this API issued; copy the id field of a node.") from exc
    allowed = (expected,) if isinstance(expected, str) else expected
    if allowed and type_name not in allowed:
        raise Invalid(field, "ID_WRONG_TYPE", f"This id is of a {type_name}; a {' or '.join(allowed)} id is needed here.")
    return type_name, value
