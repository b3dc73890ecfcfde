"""People signing in through the bureau's OpenID Connect provider: tokens are verified against the
provider's JWKS, served here by a real HTTP server (Starlette under uvicorn on a random port)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from runxin.graphql.app import create_app
from runxin.platform.config import Settings
from runxin.platform.errors import PermissionDenied
from runxin.tenants.oidc import JwksCache, OidcVerifier
from tests.factories.tree import make_tree

ISSUER, AUDIENCE = "https://sso.jyj.example.cn/realms/360700", "runxin"


@dataclass
class Provider:
    """The bureau's identity provider: its keys, its JWKS endpoint, and how often it was asked."""

    url: str
    keys: list[Any] = field(default_factory=list)
    fetches: int = 0

    def sign(self, key: Any, alg: str = "RS256", **overrides: Any) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "zhang.san", "iat": now, "exp": now + 300, "runxin_tenant": "360700", "runxin_roles": ["VIEWER"]}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode({"alg": alg, "kid": key.kid}, claims, key)


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    state = Provider(url="")

    async def jwks(request: Request) -> JSONResponse:
        state.fetches += 1
        return JSONResponse({"keys": [k.as_dict(private=False) for k in state.keys]})

    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/jwks", jwks)]), host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    state.url = f"http://127.0.0.1:{port}/jwks"
    yield state
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def keys(provider: Provider) -> tuple[RSAKey, ECKey]:
    rsa, ec = RSAKey.generate_key(2048, auto_kid=True), ECKey.generate_key("P-256", auto_kid=True)
    provider.keys = [rsa, ec]
    provider.fetches = 0
    return rsa, ec


@pytest.fixture
async def verifier(provider: Provider, keys) -> Any:  # type: ignore[no-untyped-def]
    cache = JwksCache(provider.url, ttl_seconds=300, min_refetch_seconds=30)
    yield OidcVerifier(issuer=ISSUER, audience=AUDIENCE, jwks=cache)
    await cache.aclose()


async def test_valid_tokens_give_their_claims(provider: Provider, keys, verifier: OidcVerifier) -> None:  # type: ignore[no-untyped-def]
    rsa, ec = keys
    person = await verifier.verify(provider.sign(rsa))
    assert (person.subject, person.tenant_code, person.roles) == ("zhang.san", "360700", frozenset({"VIEWER"}))
    assert (await verifier.verify(provider.sign(ec, "ES256", runxin_roles=["ADMIN", "AUDITOR"]))).roles == {"ADMIN", "AUDITOR"}
    # The JWKS was fetched once for all of these, not per token
    for _ in range(5):
        await verifier.verify(provider.sign(rsa))
    assert provider.fetches == 1


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "https://evil.example/realms/360700"}, "'iss'"),
        ({"aud": "another-app"}, "'aud'"),
        ({"exp": int(time.time()) - 600}, "expired"),
        ({"runxin_tenant": None}, "runxin_tenant"),
        ({"sub": None}, "sub"),
    ],
)
async def test_wrong_claims_are_refused(provider: Provider, keys, verifier: OidcVerifier, overrides, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied, match=reason):
        await verifier.verify(provider.sign(keys[0], **overrides))


async def test_unknown_kid_refetches_once_then_refuses(provider: Provider, keys) -> None:  # type: ignore[no-untyped-def]
    cache = JwksCache(provider.url, ttl_seconds=300, min_refetch_seconds=1)
    verifier = OidcVerifier(issuer=ISSUER, audience=AUDIENCE, jwks=cache)
    await verifier.verify(provider.sign(keys[0]))
    assert provider.fetches == 1
    await asyncio.sleep(1.05)  # past the minimum interval between fetches
    # Given a token signed by a key the provider never published
    stranger = RSAKey.generate_key(2048, auto_kid=True)
    # When it is verified: one refetch, then refused
    with pytest.raises(PermissionDenied, match="invalid_key_id"):
        await verifier.verify(provider.sign(stranger))
    assert provider.fetches == 2
    # And a flood of such tokens does not refetch again within the minimum interval
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            await verifier.verify(provider.sign(stranger))
    assert provider.fetches == 2
    await cache.aclose()


async def test_rotated_provider_key_is_found_by_the_refetch(provider: Provider, keys, provider_verifier_short) -> None:  # type: ignore[no-untyped-def]
    verifier = provider_verifier_short
    await verifier.verify(provider.sign(keys[0]))
    # Given the provider rotates to a new key
    new = ECKey.generate_key("P-256", auto_kid=True)
    provider.keys = [new]
    # Then a token of the new key verifies after one refetch
    assert (await verifier.verify(provider.sign(new, "ES256"))).subject == "zhang.san"
    assert provider.fetches == 2


@pytest.fixture
async def provider_verifier_short(provider: Provider, keys) -> Any:  # type: ignore[no-untyped-def]
    cache = JwksCache(provider.url, ttl_seconds=300, min_refetch_seconds=0)
    yield OidcVerifier(issuer=ISSUER, audience=AUDIENCE, jwks=cache)
    await cache.aclose()


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def test_alg_none_and_hs256_are_refused(provider: Provider, keys, verifier: OidcVerifier) -> None:  # type: ignore[no-untyped-def]
    import json

    payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60, "runxin_tenant": "360700"}
    unsigned = f"{_b64(json.dumps({'alg': 'none', 'kid': keys[0].kid}).encode())}.{_b64(json.dumps(payload).encode())}."
    with pytest.raises(PermissionDenied):
        await verifier.verify(unsigned)
    # HS256 (a shared secret) under the provider's key id: not in the pinned list
    secret = OctKey.import_key(b"s" * 32)
    confused = jwt.encode({"alg": "HS256", "kid": keys[0].kid}, payload, secret)
    with pytest.raises(PermissionDenied):
        await verifier.verify(confused)
    # ES256 only: an RS256 token is refused when the list is pinned to ES256
    pinned = OidcVerifier(issuer=ISSUER, audience=AUDIENCE, jwks=verifier.jwks, algorithms=("ES256",))
    with pytest.raises(PermissionDenied, match="algorithm"):
        await pinned.verify(provider.sign(keys[0]))


async def test_unreachable_provider_is_a_refusal_not_a_crash(keys) -> None:  # type: ignore[no-untyped-def]
    cache = JwksCache("http://127.0.0.1:9/jwks", ttl_seconds=300, min_refetch_seconds=30)
    verifier = OidcVerifier(issuer=ISSUER, audience=AUDIENCE, jwks=cache)
    try:
        with pytest.raises(PermissionDenied, match="could not be fetched"):
            await verifier.verify("a.b.c")
    finally:
        await cache.aclose()


async def test_api_accepts_provider_tokens_and_local_ones(provider: Provider, keys, database_url: str, system_session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Given an API configured for the bureau's provider, and a tree whose city is 360700
    tree = await make_tree(system_session)
    settings = Settings.from_env(env_file=None, data_dir=tmp_path / "data", database_url=database_url).replace(
        oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_url=provider.url
    )
    app = create_app(settings)
    query = {"query": "{ viewer { subject roles tenant { code } } }"}
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runxin.test") as client:
            # When a person signs in at the provider and calls the API
            answer = await client.post("/graphql", json=query, headers={"Authorization": f"Bearer {provider.sign(keys[0])}"})
            # Then the API knows them by the provider's claims
            assert answer.status_code == 200, answer.text
            assert answer.json()["data"]["viewer"] == {"subject": "zhang.san", "roles": ["VIEWER"], "tenant": {"code": tree.city.code}}
            # And a token for a tenant Runxin does not know, or with a bad signature, is a 401
            unknown = await client.post("/graphql", json=query, headers={"Authorization": f"Bearer {provider.sign(keys[0], runxin_tenant='110000')}"})
            assert unknown.status_code == 401 and "110000" in unknown.text
            forged = await client.post("/graphql", json=query, headers={"Authorization": f"Bearer {provider.sign(RSAKey.generate_key(2048, auto_kid=True), runxin_tenant='360700')}"})
            assert forged.status_code == 401
            # And the local issuer still works beside it
            local = app.state.runtime.tokens.issue(subject="local", tenant_id=tree.city.id, roles=["ADMIN"])
            assert (await client.post("/graphql", json=query, headers={"Authorization": f"Bearer {local}"})).json()["data"]["viewer"]["subject"] == "local"
