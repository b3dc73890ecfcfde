"""The OAuth2 token endpoint (client credentials, RFC 6749 §4.4) on authlib's AuthorizationServer.

Framework-neutral: the API hands over a `TokenRequest` and gets back (status, JSON body, headers).
authlib is synchronous, so the API loads the clients a request names beforehand (asynchronously)
and runs `respond` in a thread; the server made for that one request looks clients up in that
snapshot, never in the database.

Access tokens are RFC 9068 JWTs from our `TokenService` (ES256, typ at+jwt, our TTL, not authlib's
default of ten days). The tenant comes from the client's registration; the scope is what was asked
for, which must be registered for the client (nothing asked: everything registered).

Client authentication: client_secret_basic, client_secret_post, and private_key_jwt (RFC 7523
§2.2) verified with joserfc against the client's registered JWKS.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio.from_thread
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnsupportedGrantTypeError,
)
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.identity.models import ApiClient
from runxin.platform.sharedstate import SharedState, SharedStateUnavailable
from runxin.tenants.clients import SECRET_METHODS, verify_secret
from runxin.tenants.tokens import TokenService

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ["ES256", "RS256", "PS256"]
# An assertion is accepted only while it is this fresh, so its jti need be remembered no longer.
MAX_ASSERTION_SECONDS = 600
CLOCK_LEEWAY_SECONDS = 30
Response = tuple[int, dict[str, Any], list[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class ClientRecord(ClientMixin):
    """A snapshot of a registered client, safe to use from another thread."""

    client_id: str
    tenant_id: uuid.UUID
    scopes: frozenset[str]
    auth_method: str
    secret_hash: str
    jwks: str
    disabled: bool

    @classmethod
    def of(cls, row: ApiClient) -> ClientRecord:
        return cls(
            client_id=row.client_id,
            tenant_id=row.tenant_id,
            scopes=frozenset(row.scopes.split()),
            auth_method=row.auth_method,
            secret_hash=row.secret_hash,
            jwks=row.jwks,
            disabled=row.disabled_at is not None,
        )

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in self.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return self.auth_method in SECRET_METHODS and verify_secret(client_secret, self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # Secret clients may send the secret in the header or the form; key clients only sign.
        if endpoint != "token":
            return False
        return method == self.auth_method or (method in SECRET_METHODS and self.auth_method in SECRET_METHODS)

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class SeenAssertions:
    """jti values of accepted client assertions, each kept until its assertion expires.

    In memory, per process: right for one API process. With several, use `SharedSeenAssertions`,
    or an assertion could be replayed once at each of them within its (at most ten-minute) lifetime.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._sweep_at = 1000
        self._lock = threading.Lock()

    def first_use(self, client_id: str, jti: str, expires_at: float) -> bool:
        now = time.time()
        with self._lock:
            if len(self._seen) >= self._sweep_at:
                self._seen = {k: exp for k, exp in self._seen.items() if exp > now}
                # Sweep again only once the live ones have doubled: amortised O(1) per call.
                self._sweep_at = max(1000, 2 * len(self._seen))
            key = (client_id, jti)
            if self._seen.get(key, 0) > now:
                return False
            self._seen[key] = expires_at + CLOCK_LEEWAY_SECONDS
            return True


class TemporarilyUnavailable(OAuth2Error):
    error = "temporarily_unavailable"
    status_code = 503


class SharedSeenAssertions:
    """Used jtis in the shared store (Redis `SET NX EX`): an assertion used at any API process is
    refused by every other one. Called from the thread authlib runs in (starlette's thread pool),
    it hands the check to the event loop.

    When the store does not answer the token request is refused (503, retry): replay protection is
    a security property, so it fails closed; a client retries with a fresh assertion.
    """

    def __init__(self, state: SharedState) -> None:
        self.state = state

    def first_use(self, client_id: str, jti: str, expires_at: float) -> bool:
        ttl = max(1, math.ceil(expires_at + CLOCK_LEEWAY_SECONDS - time.time()))
        key = f"{client_id}:{hashlib.sha256(jti.encode()).hexdigest()}"
        try:
            return anyio.from_thread.run(self.state.first_use, key, ttl)
        except SharedStateUnavailable as exc:
            raise TemporarilyUnavailable(
                description="The server cannot check the assertion's jti right now; retry in a few seconds with a fresh assertion."
            ) from exc


@dataclass(frozen=True)
class TokenRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    form: dict[str, list[str]]  # every value of every field, to refuse repeated parameters


class _Payload(OAuth2Payload):
    def __init__(self, form: dict[str, list[str]]) -> None:
        self._form = form

    @property
    def data(self) -> dict[str, str]:
        return {k: v[0] for k, v in self._form.items()}

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._form


class _Request(OAuth2Request):
    def __init__(self, request: TokenRequest) -> None:
        # authlib refuses plain-HTTP URLs here; `respond` has already applied our own rule (HTTPS
        # in production, where TLS may end at a proxy), so hand it the URL as the client saw it.
        super().__init__(method=request.method, uri="https://" + request.url.split("://", 1)[-1], headers=request.headers)
        self.uri = request.url
        self.payload = _Payload(request.form)

    @property
    def args(self) -> dict[str, str]:
        return {}

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


class _ClientCredentials(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]  # noqa: RUF012 - authlib reads it

    def validate_requested_scope(self) -> None:
        client: ClientRecord = self.request.client
        requested = set((self.request.payload.scope or "").split())
        extra = requested - client.scopes
        if extra:
            raise InvalidScopeError(f"Scope {' '.join(sorted(extra))} is not registered for this client; ask for some of: {' '.join(sorted(client.scopes))}.")
        self.request.scope = " ".join(sorted(requested or client.scopes))

    def create_token_response(self) -> Response:
        # authlib's version issues the scope as requested; ours issues the validated one.
        token = self.generate_token(scope=self.request.scope, include_refresh_token=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


def _unverified_claims(assertion: str) -> dict[str, Any]:
    try:
        part = assertion.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _basic_client_id(headers: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization") or ""
    scheme, _, value = auth.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[0] or None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def named_client_ids(request: TokenRequest) -> set[str]:
    """Every client id the request names (header, form, assertion), to load before authenticating."""
    form = {k: v[0] for k, v in request.form.items()}
    candidates = {_basic_client_id(request.headers), form.get("client_id")}
    if form.get("client_assertion"):
        claims = _unverified_claims(form["client_assertion"])
        candidates |= {str(claims.get("iss") or ""), str(claims.get("sub") or "")}
    return {c for c in candidates if c and len(c) <= 64}


async def load_clients(session: AsyncSession, client_ids: set[str]) -> dict[str, ClientRecord]:
    """Snapshots of the named clients (a system session: clients are looked up across tenants)."""
    if not client_ids:
        return {}
    rows = (await session.execute(select(ApiClient).where(ApiClient.client_id.in_(client_ids)))).scalars().all()
    return {row.client_id: ClientRecord.of(row) for row in rows}


@dataclass
class TokenEndpoint:
    """What the token endpoint needs across requests: our token service and the seen assertions."""

    tokens: TokenService
    issuer: str
    public_url: str = ""
    require_https: bool = False
    seen: SeenAssertions | SharedSeenAssertions = field(default_factory=SeenAssertions)

    def respond(self, request: TokenRequest, clients: dict[str, ClientRecord]) -> Response:
        """Handle one token request (synchronous: run it in a thread)."""
        try:
            self._check_shape(request)
        except OAuth2Error as error:
            return error()
        return _Server(self, request, clients).create_token_response(_Request(request))

    def _check_shape(self, request: TokenRequest) -> None:
        if self.require_https and not request.url.startswith("https://"):
            raise InvalidRequestError("The token endpoint is served over HTTPS only.")
        repeated = sorted(k for k, v in request.form.items() if len(v) > 1)
        if repeated:
            raise InvalidRequestError(f"Parameter {', '.join(repeated)} is repeated; send each parameter once.")
        grant_type = (request.form.get("grant_type") or [""])[0]
        if not grant_type:
            raise InvalidRequestError("The grant_type parameter is missing; send grant_type=client_credentials.")
        if grant_type != "client_credentials":
            # authlib would answer too, but with no error_description.
            error = UnsupportedGrantTypeError(_ascii(grant_type[:40]))
            error.description = error.get_error_description() + "; this server issues tokens for grant_type=client_credentials only."
            raise error

    def audiences(self, request: TokenRequest) -> list[str]:
        """What a client assertion may name as its audience: this token endpoint, or our issuer."""
        endpoint = f"{self.public_url}/oauth/token" if self.public_url else request.url.split("?", 1)[0]
        return [endpoint, self.issuer]


class _Server(AuthorizationServer):
    """authlib's server for one request, over the clients loaded for it."""

    def __init__(self, endpoint: TokenEndpoint, request: TokenRequest, clients: dict[str, ClientRecord]) -> None:
        super().__init__(scopes_supported=None)
        self._endpoint = endpoint
        self._request = request
        self._clients = clients
        self.register_grant(_ClientCredentials)
        self.register_token_generator("default", self._generate_token)
        self.register_client_auth_method("private_key_jwt", self._authenticate_private_key_jwt)

    def query_client(self, client_id: str) -> ClientRecord:
        client = self._clients.get(client_id)
        if client is None:
            raise InvalidClientError(status_code=401, description="The client does not exist on this server; check the client id.")
        if client.disabled:
            raise InvalidClientError(status_code=401, description="The client is disabled; ask the bureau that registered it.")
        return client

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Nothing to store: the access token is a self-contained JWT that expires on its own."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return request

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("the token endpoint takes form bodies only")

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        return status, body, headers

    def _generate_token(self, grant_type: str, client: ClientRecord, user: Any = None, scope: str | None = None, expires_in: int | None = None, include_refresh_token: bool = True) -> dict[str, Any]:
        tokens = self._endpoint.tokens
        scopes = sorted((scope or "").split())
        access_token = tokens.issue(subject=client.client_id, tenant_id=client.tenant_id, roles=[], scopes=scopes, client_id=client.client_id)
        return {"access_token": access_token, "token_type": "Bearer", "expires_in": tokens.ttl_seconds, "scope": " ".join(scopes)}

    def _authenticate_private_key_jwt(self, query_client: Any, request: OAuth2Request) -> ClientRecord | None:
        form = request.form
        assertion_type, assertion = form.get("client_assertion_type"), form.get("client_assertion")
        if not assertion_type and not assertion:
            return None
        if assertion_type != JWT_BEARER or not assertion:
            raise InvalidClientError(status_code=401, description=f"Send client_assertion_type={JWT_BEARER} with a client_assertion JWT.")
        client_id = form.get("client_id") or str(_unverified_claims(assertion).get("iss") or "")
        client: ClientRecord = query_client(client_id)
        if client.auth_method != "private_key_jwt":
            raise InvalidClientError(status_code=401, description="This client is registered to authenticate with its secret, not a signed assertion.")
        now = int(time.time())
        registry = jwt.JWTClaimsRegistry(
            now=now,
            leeway=CLOCK_LEEWAY_SECONDS,
            iss={"essential": True, "value": client_id},
            sub={"essential": True, "value": client_id},
            aud={"essential": True, "values": self._endpoint.audiences(self._request)},
            exp={"essential": True},
            jti={"essential": True},
        )
        try:
            claims = jwt.decode(assertion, KeySet.import_key_set(json.loads(client.jwks)), algorithms=ASSERTION_ALGORITHMS).claims
            registry.validate(claims)
        except JoseError as exc:
            reason = f"{exc.error}: {exc.description}" if exc.description else exc.error
            raise InvalidClientError(status_code=401, description=f"The client assertion was refused ({_ascii(reason)}); sign a fresh one with your registered key.") from exc
        except (ValueError, TypeError, KeyError) as exc:
            raise InvalidClientError(status_code=401, description="The client assertion is malformed; send a signed JWT.") from exc
        exp = claims["exp"]
        if not isinstance(exp, int | float) or exp - now > MAX_ASSERTION_SECONDS:
            raise InvalidClientError(status_code=401, description=f"The client assertion lives too long; make exp at most {MAX_ASSERTION_SECONDS} s from now.")
        if not self._endpoint.seen.first_use(client_id, str(claims["jti"]), float(exp)):
            raise InvalidClientError(status_code=401, description="The client assertion was already used (same jti); sign a new one for each request.")
        return client


def _ascii(text: str) -> str:
    """RFC 6749 error descriptions allow printable ASCII without quote or backslash."""
    return "".join(c for c in text if 0x20 <= ord(c) <= 0x7E and c not in "\"\\")
