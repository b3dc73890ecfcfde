"""Security headers on every answer of the HTTP surface (graphql/headers.py)."""

from __future__ import annotations

import httpx

from runxin.graphql.app import create_app
from runxin.graphql.headers import API_POLICY, GRAPHIQL_POLICY, SecurityHeaders
from tests.factories.tree import make_tree

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


def assert_common(response: httpx.Response) -> None:
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (response.request.url, name, response.headers)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_every_answer_carries_the_headers(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    answers = [
        await api.post("{ viewer { subject } }", as_=tree.city),  # data for a signed-in user
        await api.post("{ viewer { subject } }", token="not-a-token"),  # 401
        await api.client.post("/graphql", content=b"{", headers={"content-type": "application/json"}),  # 400
        await api.client.post("/oauth/token", data={"grant_type": "client_credentials"}),  # token endpoint
        await api.client.get("/healthz"),
        await api.client.get("/nowhere"),  # Starlette's own 404
        await api.client.get("/.well-known/jwks.json"),
    ]
    for response in answers:
        assert_common(response)
        assert "strict-transport-security" not in response.headers  # development: no HSTS on http
    for response in answers[:-1]:
        assert response.headers["content-security-policy"] == API_POLICY
        assert response.headers["cache-control"] == "no-store", response.request.url
    # The public key set keeps its own caching: it holds nothing personal.
    assert answers[-1].headers["cache-control"] == "public, max-age=300"


async def test_graphiql_gets_a_policy_that_lets_it_load(api) -> None:  # type: ignore[no-untyped-def]
    response = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200 and "unpkg.com" in response.text
    assert response.headers["content-security-policy"] == GRAPHIQL_POLICY
    assert_common(response)


async def test_production_adds_strict_transport_security(settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings.replace(mode="production", graphiql=False, introspection=False))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://runxin.test") as client:
            response = await client.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    assert_common(response)


async def test_a_route_that_sets_its_own_policy_keeps_it() -> None:
    # The extension point for pages with other needs (a web console): the route's header wins.
    async def page(scope, receive, send):  # type: ignore[no-untyped-def]
        policy = b"default-src 'self'; frame-ancestors 'none'"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/html"), (b"content-security-policy", policy)],
            }
        )
        await send({"type": "http.response.body", "body": b"<p>console</p>"})

    app = SecurityHeaders(page, production=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runxin.test") as client:
        response = await client.get("/")
    assert response.headers["content-security-policy"] == "default-src 'self'; frame-ancestors 'none'"
    assert_common(response)
