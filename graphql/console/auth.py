"""Console sign-in: `/auth/*`, a backend-for-frontend that turns a sign-in into short-lived bearer tokens.

Why this shape: the page calls `/graphql` exactly like any other client, with `Authorization:
Bearer`, so the API has one credential and no cookie it would need to defend against CSRF. The
browser keeps only an httpOnly, SameSite=Strict session cookie that `/graphql` ignores; the page
asks `POST /auth/token` for an access token (kept in memory, never in storage, valid at most
RUNXIN_TOKEN_TTL_SECONDS) and asks again before it expires. `/auth/*` POSTs need the
`X-Runxin-Console` header, which a cross-site form cannot send and a cross-site script cannot
send without a CORS preflight that this server never grants.

Two ways in:
- the bureau's OpenID Connect provider, authorization code + PKCE (S256): authlib builds the
  authorization and token requests (its protocol layer; its httpx integration is deprecated), httpx
  sends them; the provider's access token is verified by the API's own verifier before it is kept;
- in development and the demo only, a local sign-in that picks one of the demo users and issues a
  local token (the `runxin token` machinery). In production these endpoints answer 404.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from runxin.graphql.console.demo_users import demo_users
from runxin.graphql.console.session import seal, session_key, unseal
from runxin.platform.errors import PermissionDenied

if TYPE_CHECKING:
    from runxin.graphql.app import Runtime

SESSION_COOKIE = "rx_session"
FLOW_COOKIE = "rx_oidc"
SESSION_SECONDS = 8 * 3600  # a working day; the tokens handed out live minutes
FLOW_SECONDS = 600
CSRF_HEADER = "x-runxin-console"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
REFRESH_MARGIN_SECONDS = 30
HTTP_TIMEOUT_SECONDS = 10.0


@dataclass
class ConsoleState:
    key: bytes
    # The provider's discovery document, fetched once per process.
    provider: dict[str, Any] | None = None


def _state(request: Request) -> ConsoleState:
    state = getattr(request.app.state, "console", None)
    if state is None:
        runtime: Runtime = request.app.state.runtime
        state = request.app.state.console = ConsoleState(key=session_key(runtime.settings.data_dir))
    return state


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=NO_STORE)


def _same_origin_post(request: Request) -> JSONResponse | None:
    """Refuse a POST that a page of another site could have made."""
    if request.headers.get(CSRF_HEADER) != "1":
        return _error(403, "csrf", "Send the X-Runxin-Console: 1 header (the console does); cross-site requests are refused.")
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        return _error(403, "csrf", f"Requests from {origin} are refused; use the console at its own address.")
    return None


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or _runtime(request).settings.production


def _set_session(request: Request, response: Response, value: dict[str, Any]) -> None:
    sealed = seal(_state(request).key, SESSION_COOKIE, value, SESSION_SECONDS)
    response.set_cookie(
        SESSION_COOKIE, sealed, max_age=SESSION_SECONDS, httponly=True, samesite="strict", secure=_secure(request), path="/auth"
    )


def _local_allowed(request: Request) -> bool:
    return not _runtime(request).settings.production


def _oidc_ready(request: Request) -> bool:
    settings = _runtime(request).settings
    return settings.oidc_enabled and bool(settings.oidc_client_id) and _runtime(request).identity.oidc is not None


async def auth_config(request: Request) -> Response:
    """What the sign-in page offers: the provider, and in development the demo users."""
    local = _local_allowed(request)
    users = [u.as_json() for u in await demo_users(_runtime(request).sessionmaker)] if local else []
    return JSONResponse({"oidc": _oidc_ready(request), "local": local, "users": users}, headers=NO_STORE)


async def local_sign_in(request: Request) -> Response:
    """Development and demo only: sign in as one of the demo users."""
    if not _local_allowed(request):
        return _error(404, "not_found", "Local sign-in is off in production; sign in through the bureau's provider.")
    if refused := _same_origin_post(request):
        return refused
    try:
        body = await request.json()
        code, role = str(body["code"]), str(body["role"])
    except (ValueError, KeyError, TypeError):
        return _error(400, "bad_request", 'POST {"code": "<tenant code>", "role": "ADMIN"} as JSON.')
    user = next((u for u in await demo_users(_runtime(request).sessionmaker) if u.code == code and u.role == role), None)
    if user is None:
        return _error(400, "unknown_user", f"{role} of {code} is not a demo user; pick one from the sign-in page.")
    response = JSONResponse({"subject": user.subject, "code": user.code, "role": user.role}, headers=NO_STORE)
    _set_session(request, response, {"k": "local", "sub": user.subject, "tid": str(user.tenant_id), "roles": [user.role]})
    return response


async def _provider(request: Request) -> dict[str, Any]:
    state = _state(request)
    if state.provider is None:
        issuer = _runtime(request).settings.oidc_issuer.rstrip("/")
        try:
            # A client per call: sign-ins are rare, and nothing is left open at shutdown.
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
                answer = await http.get(f"{issuer}/.well-known/openid-configuration")
            answer.raise_for_status()
            document = answer.json()
            document["authorization_endpoint"], document["token_endpoint"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise PermissionDenied(f"The sign-in provider at {issuer} could not be reached ({type(exc).__name__}); try again shortly.") from exc
        state.provider = document
    return state.provider


def _redirect_uri(request: Request) -> str:
    settings = _runtime(request).settings
    return (settings.public_url or f"{request.url.scheme}://{request.url.netloc}") + "/auth/callback"


async def _token_request(request: Request, grant_type: str, **params: str) -> dict[str, Any]:
    """POST to the provider's token endpoint (client_secret_basic for a confidential client, else a public one)."""
    settings = _runtime(request).settings
    provider = await _provider(request)
    auth = (settings.oidc_client_id, settings.oidc_client_secret) if settings.oidc_client_secret else None
    if auth is None:
        params["client_id"] = settings.oidc_client_id
    body = prepare_token_request(grant_type, **params)
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
        answer = await http.post(
            provider["token_endpoint"], content=body, auth=auth, headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        )
    tokens = answer.json()
    if answer.status_code != 200 or "access_token" not in tokens:
        raise ValueError(f"{answer.status_code} {tokens.get('error', '')} {tokens.get('error_description', '')}".strip())
    return tokens


async def oidc_login(request: Request) -> Response:
    """Start the authorization code flow with PKCE: remember state and verifier, go to the provider."""
    if not _oidc_ready(request):
        return _error(
            404, "oidc_off", "Sign-in through the bureau's provider is not configured: set RUNXIN_OIDC_ISSUER, _AUDIENCE, _JWKS_URL and _CLIENT_ID."
        )
    try:
        provider = await _provider(request)
    except PermissionDenied as exc:
        return _error(502, "provider_unreachable", exc.message)
    verifier, state = generate_token(64), generate_token(32)
    url = prepare_grant_uri(
        provider["authorization_endpoint"],
        _runtime(request).settings.oidc_client_id,
        "code",
        redirect_uri=_redirect_uri(request),
        scope="openid profile",
        state=state,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    response = RedirectResponse(url, status_code=302, headers=NO_STORE)
    flow = seal(_state(request).key, FLOW_COOKIE, {"state": state, "verifier": verifier}, FLOW_SECONDS)
    # Lax, not Strict: the provider sends the browser back with a cross-site top-level GET.
    response.set_cookie(FLOW_COOKIE, flow, max_age=FLOW_SECONDS, httponly=True, samesite="lax", secure=_secure(request), path="/auth")
    return response


async def oidc_callback(request: Request) -> Response:
    """Finish the flow: check state, trade the code (with the verifier) for tokens, keep them in the session."""
    if not _oidc_ready(request):
        return _error(404, "oidc_off", "Sign-in through the bureau's provider is not configured.")
    flow = unseal(_state(request).key, FLOW_COOKIE, request.cookies.get(FLOW_COOKIE))
    params = request.query_params
    if params.get("error"):
        return _error(401, "provider_refused", f"The provider refused the sign-in: {params.get('error_description') or params['error']}.")
    if flow is None or not params.get("state") or params.get("state") != flow.get("state") or not params.get("code"):
        return _error(400, "bad_callback", "This sign-in link is stale or was not started here; start again at /auth/login.")
    try:
        tokens = await _token_request(
            request, "authorization_code", code=params["code"], redirect_uri=_redirect_uri(request), code_verifier=flow["verifier"]
        )
        access = tokens["access_token"]
        # Keep only a token the API accepts: verified here by the API's own verifier.
        await _runtime(request).identity.oidc.verify(access)
    except PermissionDenied as exc:
        return _error(401, "token_refused", exc.message)
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        return _error(502, "token_exchange_failed", f"The provider did not issue tokens ({type(exc).__name__}: {exc}); start again at /auth/login.")
    response = RedirectResponse("/", status_code=302, headers=NO_STORE)
    _set_session(request, response, _oidc_session(tokens))
    response.delete_cookie(FLOW_COOKIE, path="/auth")
    return response


def _oidc_session(tokens: dict[str, Any]) -> dict[str, Any]:
    expires_at = tokens.get("expires_at") or int(time.time()) + int(tokens.get("expires_in") or 300)
    return {"k": "oidc", "at": tokens["access_token"], "rt": tokens.get("refresh_token"), "exp": int(expires_at)}


async def access_token(request: Request) -> Response:
    """A bearer token for the page: issued locally for a demo user, the provider's (refreshed when due) otherwise."""
    if refused := _same_origin_post(request):
        return refused
    runtime = _runtime(request)
    session = unseal(_state(request).key, SESSION_COOKIE, request.cookies.get(SESSION_COOKIE))
    if session is None:
        return _error(401, "not_signed_in", "Sign in first.")
    if session.get("k") == "local" and _local_allowed(request):
        ttl = runtime.settings.token_ttl_seconds
        token = runtime.tokens.issue(subject=session["sub"], tenant_id=uuid.UUID(session["tid"]), roles=list(session["roles"]), ttl_seconds=ttl)
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": ttl}, headers=NO_STORE)
    if session.get("k") == "oidc" and _oidc_ready(request):
        response = JSONResponse({}, headers=NO_STORE)
        if session["exp"] - REFRESH_MARGIN_SECONDS <= time.time():
            if not session.get("rt"):
                return _error(401, "session_expired", "Your sign-in has expired; sign in again.")
            try:
                tokens = await _token_request(request, "refresh_token", refresh_token=session["rt"])
                await runtime.identity.oidc.verify(tokens["access_token"])
            except (PermissionDenied, httpx.HTTPError, KeyError, ValueError):
                return _error(401, "session_expired", "Your sign-in could not be renewed; sign in again.")
            session = _oidc_session({"refresh_token": session["rt"], **tokens})
            _set_session(request, response, session)
        body = {"access_token": session["at"], "token_type": "Bearer", "expires_in": max(0, int(session["exp"] - time.time()))}
        response.body = response.render(body)
        response.headers["content-length"] = str(len(response.body))
        return response
    return _error(401, "not_signed_in", "Sign in first.")


async def sign_out(request: Request) -> Response:
    if refused := _same_origin_post(request):
        return refused
    response = JSONResponse({"signedOut": True}, headers=NO_STORE)
    response.delete_cookie(SESSION_COOKIE, path="/auth")
    return response


def auth_routes() -> list[Route]:
    return [
        Route("/auth/config", auth_config),
        Route("/auth/local", local_sign_in, methods=["POST"]),
        Route("/auth/login", oidc_login),
        Route("/auth/callback", oidc_callback, name="auth_callback"),
        Route("/auth/token", access_token, methods=["POST"]),
        Route("/auth/logout", sign_out, methods=["POST"]),
    ]
