"""HTTP surface of identity: POST /oauth/token, GET /.well-known/jwks.json, and bearer-token checks.

The work is in `tenants.oauth` (the token endpoint) and `tenants.oidc` (the bureau's provider);
this module adapts Starlette requests to them and picks the verifier by the token's issuer.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from runxin.platform.config import Settings
from runxin.platform.errors import PermissionDenied
from runxin.platform.tree.models import Tenant
from runxin.platform.sharedstate import SharedState
from runxin.tenants.oauth import SharedSeenAssertions, TokenEndpoint, TokenRequest, load_clients, named_client_ids
from runxin.tenants.oidc import OidcVerifier
from runxin.tenants.scoping import as_system
from runxin.tenants.tokens import TokenClaims, TokenService

if TYPE_CHECKING:
    from runxin.graphql.app import Runtime

MAX_FORM_BYTES = 64_000
TENANT_CODE_CACHE_SECONDS = 30.0
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass
class Identity:
    """Per-process identity state: the token endpoint, the OIDC verifier (if configured), a code cache."""

    endpoint: TokenEndpoint
    oidc: OidcVerifier | None = None
    tenant_ids: dict[str, tuple[uuid.UUID, float]] = field(default_factory=dict)


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=NO_STORE)


async def token_endpoint(request: Request) -> Response:
    """RFC 6749 token endpoint: client credentials only, form-encoded body, JSON answer."""
    runtime: Runtime = request.app.state.runtime
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return _oauth_error(400, "invalid_request", "POST a form body (Content-Type: application/x-www-form-urlencoded) with grant_type=client_credentials.")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return _oauth_error(400, "invalid_request", f"The form is over {MAX_FORM_BYTES} bytes.")
    try:
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return _oauth_error(400, "invalid_request", "The form is not valid UTF-8 form encoding.")
    token_request = TokenRequest(method=request.method, url=str(request.url), headers=request.headers, form=form)
    endpoint = runtime.identity.endpoint
    async with runtime.sessionmaker() as session:
        as_system(session, "oauth token endpoint: look up the client")
        clients = await load_clients(session, named_client_ids(token_request))
    status, payload, headers = await run_in_threadpool(endpoint.respond, token_request, clients)
    return JSONResponse(payload, status_code=status, headers={k: v for k, v in headers if k.lower() != "content-type"})


async def jwks_endpoint(request: Request) -> Response:
    """The public keys that verify our access tokens (several during a rotation)."""
    runtime: Runtime = request.app.state.runtime
    return JSONResponse(runtime.tokens.keys.public_jwks(), headers={"Cache-Control": "public, max-age=300"})


def unverified_issuer(token: str) -> str | None:
    """The `iss` a token claims, read without verifying it: only to choose who verifies it."""
    try:
        part = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return claims.get("iss") if isinstance(claims, dict) and isinstance(claims.get("iss"), str) else None


async def verify_bearer(runtime: Runtime, token: str) -> TokenClaims:
    """Verify a bearer token with our own issuer, or with the bureau's OIDC provider when it is named."""
    oidc = runtime.identity.oidc
    if oidc is None or unverified_issuer(token) != oidc.issuer or oidc.issuer == runtime.tokens.issuer:
        return runtime.tokens.verify(token)
    person = await oidc.verify(token)
    return TokenClaims(
        subject=person.subject,
        tenant_id=await _tenant_id(runtime, person.tenant_code),
        roles=person.roles,
        scopes=frozenset(),
        client_id=None,
    )


async def _tenant_id(runtime: Runtime, code: str) -> uuid.UUID:
    cache = runtime.identity.tenant_ids
    hit = cache.get(code)
    if hit is not None and time.monotonic() - hit[1] <= TENANT_CODE_CACHE_SECONDS:
        return hit[0]
    async with runtime.sessionmaker() as session:
        tenant_id = (
            await session.execute(select(Tenant.id).where(Tenant.code == code), execution_options={"system": True})
        ).scalar_one_or_none()
    if tenant_id is None:
        raise PermissionDenied(f"Your sign-in names tenant {code!r}, which Runxin does not know; ask your bureau's administrator.")
    cache[code] = (tenant_id, time.monotonic())
    return tenant_id


def identity_for(runtime_settings: Settings, tokens: TokenService, shared_state: SharedState | None = None) -> Identity:
    """The identity state for a process with these settings and token service.

    With a shared store the used assertion ids live there, so a replay is refused by every process.
    """
    endpoint = TokenEndpoint(
        tokens=tokens,
        issuer=runtime_settings.token_issuer,
        public_url=runtime_settings.public_url,
        require_https=runtime_settings.production,
    )
    if shared_state is not None and shared_state.shared:
        endpoint.seen = SharedSeenAssertions(shared_state)
    return Identity(
        endpoint=endpoint,
        oidc=OidcVerifier.from_settings(runtime_settings) if runtime_settings.oidc_enabled else None,
    )
