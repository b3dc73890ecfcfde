"""The console's sign-in over HTTP: the OIDC authorization code flow with PKCE against a real
provider (Starlette under uvicorn on a random port), the local demo sign-in and its absence in
production, the CSRF rules of `/auth/*`, and the page's mount not shadowing the API's routes."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from joserfc import jwt
from joserfc.jwk import ECKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from runxin.graphql.app import create_app
from runxin.platform.config import Settings
from tests.factories.tree import make_tree

AUDIENCE = "runxin"
CONSOLE = {"X-Runxin-Console": "1"}
VIEWER = {"query": "{ viewer { subject roles tenant { code } } }"}


@dataclass
class Provider:
    """A small OpenID provider: discovery, authorize (auto-consents), token (code + PKCE, refresh), JWKS."""

    base: str = ""
    key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256", auto_kid=True))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    expires_in: int = 300

    def access_token(self, subject: str = "li.si") -> str:
        now = int(time.time())
        claims = {"iss": self.base, "aud": AUDIENCE, "sub": subject, "iat": now, "exp": now + self.expires_in,
                  "runxin_tenant": "360700", "runxin_roles": ["ADMIN"], "jti": secrets.token_hex(8)}  # fmt: skip
        return jwt.encode({"alg": "ES256", "kid": self.key.kid}, claims, self.key)

    def app(self) -> Starlette:
        async def discovery(request: Request) -> Response:
            return JSONResponse({"issuer": self.base, "authorization_endpoint": f"{self.base}/authorize",
                                 "token_endpoint": f"{self.base}/token", "jwks_uri": f"{self.base}/jwks"})  # fmt: skip

        async def authorize(request: Request) -> Response:
            params = dict(request.query_params)
            code = secrets.token_urlsafe(16)
            self.codes[code] = params
            return RedirectResponse(f"{params['redirect_uri']}?code={code}&state={params['state']}", status_code=302)

        async def token(request: Request) -> Response:
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            self.token_requests.append(form)
            if form.get("grant_type") == "refresh_token":
                if form.get("refresh_token") != "refresh-1":
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
                return JSONResponse({"access_token": self.access_token("li.si"), "token_type": "Bearer", "expires_in": 300})
            asked = self.codes.pop(form.get("code", ""), None)
            challenge = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest()).rstrip(b"=").decode()
            if asked is None or asked["code_challenge"] != challenge or form.get("redirect_uri") != asked["redirect_uri"]:
                return JSONResponse({"error": "invalid_grant", "error_description": "code or verifier wrong"}, status_code=400)
            return JSONResponse({"access_token": self.access_token(), "token_type": "Bearer", "expires_in": self.expires_in, "refresh_token": "refresh-1"})

        async def jwks(request: Request) -> Response:
            return JSONResponse({"keys": [self.key.as_dict(private=False)]})

        return Starlette(routes=[Route("/.well-known/openid-configuration", discovery), Route("/authorize", authorize),
                                 Route("/token", token, methods=["POST"]), Route("/jwks", jwks)])  # fmt: skip


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    state = Provider()
    server = uvicorn.Server(uvicorn.Config(state.app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    state.base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    yield state
    server.should_exit = True
    thread.join(timeout=10)


async def console_client(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runxin.test") as client:
        yield client, app


@pytest.fixture
async def tree(system_session):  # type: ignore[no-untyped-def]
    return await make_tree(system_session)


@pytest.fixture
def base_settings(database_url: str, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings.from_env(env_file=None, data_dir=tmp_path / "data", database_url=database_url)


async def test_oidc_code_flow_with_pkce_gives_the_page_the_providers_token(provider: Provider, base_settings: Settings, tree) -> None:  # type: ignore[no-untyped-def]
    settings = base_settings.replace(
        oidc_issuer=provider.base, oidc_audience=AUDIENCE, oidc_jwks_url=f"{provider.base}/jwks", oidc_client_id="runxin-console"
    )
    async for client, _ in console_client(settings):
        assert (await client.get("/auth/config")).json()["oidc"] is True
        # When the browser starts the sign-in
        start = await client.get("/auth/login")
        assert start.status_code == 302
        authorize = urlsplit(start.headers["location"])
        asked = {k: v[0] for k, v in parse_qs(authorize.query).items()}
        # Then it goes to the provider with a PKCE S256 challenge, a state and our callback
        assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{provider.base}/authorize"
        assert asked["response_type"] == "code" and asked["client_id"] == "runxin-console"
        assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43 and asked["state"]
        assert asked["redirect_uri"] == "http://runxin.test/auth/callback"
        # When the provider sends the browser back with a code
        async with httpx.AsyncClient() as browser:
            back = await browser.get(start.headers["location"])
        callback = urlsplit(back.headers["location"])
        # A callback with another state is refused, and writes no session
        forged = await client.get(f"/auth/callback?code=x&state=not-{asked['state']}")
        assert forged.status_code == 400 and "rx_session" not in forged.cookies
        done = await client.get(f"{callback.path}?{callback.query}")
        assert done.status_code == 302 and done.headers["location"] == "/", done.text
        cookie = next(h for h in done.headers.get_list("set-cookie") if h.startswith("rx_session="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        # The code was traded with the verifier (the provider checked it against the challenge)
        assert provider.token_requests[-1]["grant_type"] == "authorization_code" and provider.token_requests[-1]["code_verifier"]
        # And the page gets the provider's token, which the API accepts
        token = (await client.post("/auth/token", headers=CONSOLE)).json()["access_token"]
        viewer = await client.post("/graphql", json=VIEWER, headers={"Authorization": f"Bearer {token}"})
        assert viewer.json()["data"]["viewer"] == {"subject": "li.si", "roles": ["ADMIN"], "tenant": {"code": tree.city.code}}
        # The session cookie alone opens nothing at /graphql
        assert (await client.post("/graphql", json=VIEWER)).json()["data"]["viewer"] is None


async def test_an_expiring_provider_token_is_refreshed(provider: Provider, base_settings: Settings, tree) -> None:  # type: ignore[no-untyped-def]
    settings = base_settings.replace(
        oidc_issuer=provider.base, oidc_audience=AUDIENCE, oidc_jwks_url=f"{provider.base}/jwks", oidc_client_id="runxin-console"
    )
    provider.expires_in = 20  # inside the refresh margin: the first /auth/token renews it
    try:
        async for client, _ in console_client(settings):
            start = await client.get("/auth/login")
            async with httpx.AsyncClient() as browser:
                back = urlsplit((await browser.get(start.headers["location"])).headers["location"])
            await client.get(f"{back.path}?{back.query}")
            first = await client.post("/auth/token", headers=CONSOLE)
            assert first.status_code == 200 and provider.token_requests[-1]["grant_type"] == "refresh_token"
            assert first.json()["expires_in"] > 200
    finally:
        provider.expires_in = 300


async def test_local_sign_in_offers_the_demo_users_and_issues_short_lived_tokens(base_settings: Settings, tree) -> None:  # type: ignore[no-untyped-def]
    async for client, _ in console_client(base_settings):
        config = (await client.get("/auth/config")).json()
        assert config["local"] is True and config["oidc"] is False
        users = {(u["code"], u["role"]) for u in config["users"]}
        school = tree.schools[tree.counties[0].code][0]
        assert users == {(c, r) for c in (tree.city.code, tree.counties[0].code, school.code) for r in ("ADMIN", "DATA_OFFICER")}
        # Without the console's header (a cross-site form could not send it) nothing is signed in
        assert (await client.post("/auth/local", json={"code": school.code, "role": "ADMIN"})).status_code == 403
        foreign = await client.post("/auth/local", json={"code": school.code, "role": "ADMIN"}, headers={**CONSOLE, "Origin": "https://evil.example"})
        assert foreign.status_code == 403
        # Someone not on the list is refused
        other = tree.schools[tree.counties[1].code][0]
        assert (await client.post("/auth/local", json={"code": other.code, "role": "ADMIN"}, headers=CONSOLE)).status_code == 400
        assert (await client.post("/auth/local", json={"code": school.code, "role": "ADMIN"}, headers=CONSOLE)).status_code == 200
        answer = await client.post("/auth/token", headers=CONSOLE)
        assert answer.json()["expires_in"] == base_settings.token_ttl_seconds
        viewer = await client.post("/graphql", json=VIEWER, headers={"Authorization": f"Bearer {answer.json()['access_token']}"})
        assert viewer.json()["data"]["viewer"] == {"subject": f"admin@{school.code}", "roles": ["ADMIN"], "tenant": {"code": school.code}}
        # A tampered cookie is no session; signing out ends it
        sealed = client.cookies["rx_session"]
        client.cookies.set("rx_session", sealed[:-2] + ("AA" if not sealed.endswith("AA") else "BB"), path="/auth")
        assert (await client.post("/auth/token", headers=CONSOLE)).status_code == 401
        client.cookies.clear()
        await client.post("/auth/local", json={"code": school.code, "role": "ADMIN"}, headers=CONSOLE)
        assert (await client.post("/auth/logout", headers=CONSOLE)).status_code == 200
        assert (await client.post("/auth/token", headers=CONSOLE)).status_code == 401


async def test_production_has_no_local_sign_in(base_settings: Settings, tree) -> None:  # type: ignore[no-untyped-def]
    async for client, _ in console_client(base_settings.replace(mode="production")):
        config = (await client.get("/auth/config")).json()
        assert config == {"oidc": False, "local": False, "users": []}
        city = tree.city.code
        assert (await client.post("/auth/local", json={"code": city, "role": "ADMIN"}, headers=CONSOLE)).status_code == 404
        assert (await client.get("/auth/login")).status_code == 404


async def test_the_page_mount_does_not_shadow_the_api(base_settings: Settings, tree) -> None:  # type: ignore[no-untyped-def]
    async for client, _ in console_client(base_settings):
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        assert "keys" in (await client.get("/.well-known/jwks.json")).json()
        assert (await client.post("/oauth/token", data={"grant_type": "client_credentials"})).status_code in (400, 401)
        assert (await client.post("/graphql", json=VIEWER)).json() == {"data": {"viewer": None}}
        # A client-side route is the page (or the note that it is not built); a missing asset is a 404
        page = await client.get("/t/360700", headers={"Accept": "text/html"})
        assert page.status_code in (200, 503) and "<" in page.text
        assert (await client.get("/assets/missing.js")).status_code == 404
        assert (await client.get("/geo/counties/360700.geojson")).status_code == 404
        assert (await client.get("/geo/counties/abc.geojson")).status_code == 400
