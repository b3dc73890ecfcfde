"""Registering API clients: create, list, disable, rotate a secret. System-session service functions.

Secrets are shown once and stored as scrypt hashes (salt and cost parameters in the stored string,
compared in constant time). A client acts for the tenant it was registered for, with at most the
scopes registered for it; `private_key_jwt` clients hold no secret, only their public JWKS here.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass

from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.db.base import utcnow
from runxin.platform.errors import Conflict, Invalid, NotFound
from runxin.platform.identity.models import AUTH_METHODS, ApiClient
from runxin.platform.tree.models import Tenant
from runxin.tenants.policy import SCOPES

SECRET_METHODS = ("client_secret_basic", "client_secret_post")
# scrypt at n=2^14, r=8, p=1 takes 16 MiB and ~50 ms (measured): cheap for one token request, costly for guessing.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_secret(secret: str) -> str:
    """`scrypt$n$r$p$salt$hash`: everything needed to check the secret later, and nothing to recover it."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, stored: str) -> bool:
    """Does `secret` match the stored hash? Constant-time; a malformed or empty hash matches nothing."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(secret.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def parse_scopes(scopes: str | list[str], field: str = "scopes") -> list[str]:
    """The scopes as a sorted list, each one of the vocabulary; anything else is refused by name."""
    items = scopes.split() if isinstance(scopes, str) else [s for part in scopes for s in part.split()]
    unknown = sorted(set(items) - SCOPES)
    if unknown:
        raise Invalid(field, "SCOPE_UNKNOWN", f"Unknown scope {', '.join(unknown)}; use some of: {' '.join(sorted(SCOPES))}.")
    if not items:
        raise Invalid(field, "SCOPE_REQUIRED", "Give the client at least one scope, e.g. \"tenants:read centres:read\".")
    return sorted(set(items))


def parse_jwks(text: str) -> str:
    """The client's public JWKS, checked and normalised; a private key is refused, not stored."""
    try:
        data = json.loads(text)
        keys = data["keys"] if isinstance(data, dict) and "keys" in data else [data]
        if any(isinstance(k, dict) and "d" in k for k in keys):
            raise Invalid("jwks", "JWKS_PRIVATE", "The JWKS holds a private key; register the public keys only and keep the private key in the app.")
        key_set = KeySet.import_key_set({"keys": keys})
    except Invalid:
        raise
    except (ValueError, TypeError, KeyError, JoseError) as exc:
        raise Invalid("jwks", "JWKS_INVALID", f"The JWKS is not a valid JSON Web Key Set ({exc}); give {{\"keys\": [...]}}.") from exc
    if not list(key_set):
        raise Invalid("jwks", "JWKS_EMPTY", "The JWKS has no usable key; add the app's public signing key.")
    return json.dumps(key_set.as_dict(private=False))


def new_client_id() -> str:
    return "rx_" + secrets.token_hex(12)


def new_secret() -> str:
    return "rxs_" + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class CreatedClient:
    client: ApiClient
    tenant_code: str
    secret: str | None  # shown once; None for private_key_jwt


async def _tenant_by_code(session: AsyncSession, code: str) -> Tenant:
    tenant = (await session.execute(select(Tenant).where(Tenant.code == code.strip()))).scalar_one_or_none()
    if tenant is None:
        raise NotFound(f"No tenant with code {code!r}; check the code (6-digit division or 10-digit school code).", field="tenant")
    return tenant


async def create_client(
    session: AsyncSession,
    *,
    tenant_code: str,
    name: str,
    scopes: str | list[str],
    auth_method: str = "client_secret_basic",
    jwks: str | None = None,
) -> CreatedClient:
    """Register an app for the tenant with `tenant_code`; the secret is in the result and nowhere else."""
    if auth_method not in AUTH_METHODS:
        raise Invalid("auth", "AUTH_METHOD_UNKNOWN", f"Unknown authentication method {auth_method!r}; use one of {', '.join(AUTH_METHODS)}.")
    if not name.strip():
        raise Invalid("name", "NAME_REQUIRED", "Name the app (e.g. \"School MIS\") so the bureau can recognise it.")
    if auth_method == "private_key_jwt":
        if not jwks:
            raise Invalid("jwks", "JWKS_REQUIRED", "A private_key_jwt client needs its public keys: pass --jwks-file.")
        jwks_text, secret = parse_jwks(jwks), None
    else:
        if jwks:
            raise Invalid("jwks", "JWKS_UNEXPECTED", "Only private_key_jwt clients register a JWKS; drop --jwks-file or use --auth private_key_jwt.")
        jwks_text, secret = "", new_secret()
    tenant = await _tenant_by_code(session, tenant_code)
    client = ApiClient(
        id=uuid.uuid4(),
        tenant_id=tenant.id,
        root_id=tenant.root_id,
        client_id=new_client_id(),
        name=name.strip(),
        secret_hash=hash_secret(secret) if secret else "",
        scopes=" ".join(parse_scopes(scopes)),
        auth_method=auth_method,
        jwks=jwks_text,
    )
    session.add(client)
    await session.flush()
    return CreatedClient(client=client, tenant_code=tenant.code, secret=secret)


async def list_clients(session: AsyncSession, tenant_code: str | None = None) -> list[tuple[ApiClient, str]]:
    """Every client (of one tenant), with its tenant's code, oldest first."""
    statement = select(ApiClient, Tenant.code).join(Tenant, Tenant.id == ApiClient.tenant_id)
    if tenant_code is not None:
        statement = statement.where(ApiClient.tenant_id == (await _tenant_by_code(session, tenant_code)).id)
    rows = (await session.execute(statement.order_by(ApiClient.created_at, ApiClient.client_id))).all()
    return [(row[0], row[1]) for row in rows]


async def find_client(session: AsyncSession, client_id: str) -> ApiClient | None:
    return (await session.execute(select(ApiClient).where(ApiClient.client_id == client_id))).scalar_one_or_none()


async def _existing(session: AsyncSession, client_id: str) -> ApiClient:
    client = await find_client(session, client_id)
    if client is None:
        raise NotFound(f"No API client {client_id!r}; list them with `runxin clients list`.", field="clientId")
    return client


async def disable_client(session: AsyncSession, client_id: str) -> ApiClient:
    """Refuse the client's token requests from now on (tokens already issued expire within their TTL)."""
    client = await _existing(session, client_id)
    if client.disabled_at is None:
        client.disabled_at = utcnow()
        await session.flush()
    return client


async def set_scopes(session: AsyncSession, client_id: str, scopes: str) -> ApiClient:
    """Register exactly `scopes` for the client; tokens already issued lose any scope no longer registered."""
    client = await _existing(session, client_id)
    client.scopes = " ".join(parse_scopes(scopes))
    await session.flush()
    return client


async def rotate_secret(session: AsyncSession, client_id: str) -> str:
    """A new secret for the client, returned once; the old one stops working at once."""
    client = await _existing(session, client_id)
    if client.auth_method not in SECRET_METHODS:
        raise Conflict(f"Client {client_id} signs in with private_key_jwt and has no secret; register new public keys instead.")
    secret = new_secret()
    client.secret_hash = hash_secret(secret)
    client.secret_rotated_at = dt.datetime.now(dt.UTC)
    await session.flush()
    return secret
