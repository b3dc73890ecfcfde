"""API clients registered by a tenant (OAuth2 client credentials, RFC 6749 §4.4)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt")


class ApiClient(TenantOwned, Base):
    """An app acting for its tenant; the tenant comes from here, never from a token request."""

    __tablename__ = "api_client"

    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # "scrypt$n$r$p$salt$hash" (base64), empty for private_key_jwt clients: they hold no secret.
    secret_hash: Mapped[str] = mapped_column(String(300), default="")
    scopes: Mapped[str] = mapped_column(Text, default="")  # space-separated
    auth_method: Mapped[str] = mapped_column(String(32), default="client_secret_basic")
    jwks: Mapped[str] = mapped_column(Text, default="")  # the client's public keys, for private_key_jwt
    disabled_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    secret_rotated_at: Mapped[dt.datetime | None] = mapped_column(default=None)
