"""The query cost rule over HTTP: the cost in every response, the node limit, the leaky bucket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from runxin.graphql.app import create_app
from runxin.platform.config import Settings
from runxin.tenants.tokens import TokenService, load_or_create_key
from tests.e2e.counting import StatementCounter, warm_up
from tests.factories.tree import make_tree

COST_KEYS = {"requestedNodes", "cost", "remaining", "bucketCapacity", "leakPerSecond"}

# 100 tenants × 100 children × 100 stations: a million possible nodes.
HUGE = """query { tenants(first: 100) { nodes { code
    children(first: 100) { nodes { code stations(first: 100) { nodes { name } } } } } } }"""


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, TokenService, Any]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        tokens = TokenService(load_or_create_key(settings.key_path), settings.token_issuer, settings.token_audience, 600)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            yield client, tokens, app


def work_done(counter: StatementCounter) -> list[str]:
    """The statements a request ran for its own work: the audit trail of the refusal is not work."""
    return [s for s in counter.statements if "audit_event" not in s and not s.startswith("SET LOCAL synchronous_commit")]


def bearer(tokens: TokenService, tenant: Any, subject: str | None = None, client_id: str | None = None) -> dict[str, str]:
    token = tokens.issue(subject=subject or f"user@{tenant.code}", tenant_id=tenant.id, roles=["ADMIN"], client_id=client_id)
    return {"Authorization": f"Bearer {token}"}


async def test_every_response_with_a_principal_reports_its_cost(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a county, and three documents: a fine one, one that fails validation, one over the node limit
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    county = tree.counties[0]
    documents = [
        ("query ($c: String!) { tenant(code: $c) { children(first: 10) { nodes { code } } } }", 200),
        ("{ viewer { subjekt } }", 400),
        (HUGE, 400),
    ]
    for document, status in documents:
        # When each is sent
        response = await api.post(document, {"c": county.code}, as_=county)
        # Then each answer carries the cost and what is left
        assert response.status_code == status, response.text
        cost = response.json()["extensions"]["cost"]
        assert set(cost) == COST_KEYS
        assert cost["bucketCapacity"] == 5_000 and cost["leakPerSecond"] == 100
    first = (await api.post(documents[0][0], {"c": county.code}, as_=county)).json()["extensions"]["cost"]
    assert first["requestedNodes"] == 10 and first["cost"] == 1
    # ... and an anonymous caller, who has no bucket, gets no cost report
    assert "cost" not in (await api.post("{ viewer { subject } }")).json().get("extensions", {})


async def test_variables_decide_the_cost(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    document = "query ($n: Int!) { tenant(code: \"%s\") { children(first: $n) { nodes { stations(first: $n) { nodes { name } } } } } }"
    small = (await api.gql(document % tree.city.code, {"n": 2}, as_=tree.city))["extensions"]["cost"]
    large = (await api.gql(document % tree.city.code, {"n": 100}, as_=tree.city))["extensions"]["cost"]
    assert small["requestedNodes"] == 2 + 4
    assert large["requestedNodes"] == 100 + 10_000
    assert large["cost"] > small["cost"] == 1


async def test_a_document_over_the_node_limit_is_refused_before_any_sql(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a city user whose place in the tree is already known
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    await warm_up(api, tree.city)
    # When it asks for a million possible nodes
    with StatementCounter(api) as counter:
        response = await api.post(HUGE, as_=tree.city)
    # Then nothing ran, and the error names the limit and the field paths that cost the most
    assert work_done(counter) == []
    assert response.status_code == 400
    body = response.json()
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "MAX_NODES_EXCEEDED"
    assert error["extensions"]["requestedNodes"] == 100 + 10_000 + 1_000_000
    assert "tenants.nodes.children.nodes.stations (1,000,000)" in error["message"]
    assert "50,000" in error["message"]
    assert body["extensions"]["cost"]["requestedNodes"] == 1_010_100


async def test_an_empty_bucket_is_a_429_with_retry_after(settings, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a bucket of 3 points that refills one point every 100 s
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    county, other_county = tree.counties
    async with serving(settings.replace(cost_bucket=3, cost_per_second=0.01)) as (client, tokens, app):
        headers = bearer(tokens, county)
        query = {"query": "{ viewer { subject tenant { code } } }"}
        # When one principal spends it (each document costs the minimum, 1 point)
        remaining = []
        for _ in range(3):
            response = await client.post("/graphql", json=query, headers=headers)
            assert response.status_code == 200, response.text
            remaining.append(response.json()["extensions"]["cost"]["remaining"])
        assert remaining == [2, 1, 0]
        with StatementCounter(type("A", (), {"app": app})()) as counter:
            refused = await client.post("/graphql", json=query, headers=headers)
        # Then the next is refused before it runs, saying when to retry
        assert refused.status_code == 429
        assert work_done(counter) == []
        retry_after = int(refused.headers["Retry-After"])
        assert 90 <= retry_after <= 100
        error = refused.json()["errors"][0]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["extensions"]["cost"] == 1
        assert error["extensions"]["remaining"] == 0
        assert error["extensions"]["retryAfterSeconds"] == retry_after
        assert "retry in" in error["message"]
        assert refused.json()["extensions"]["cost"]["remaining"] == 0
        # ... while another user of the same tenant, the same user's API client, and the same
        # subject at another tenant each have a bucket of their own
        for other in (
            bearer(tokens, county, subject="someone-else"),
            bearer(tokens, county, client_id="school-mis"),
            bearer(tokens, other_county, subject=f"user@{county.code}"),
        ):
            response = await client.post("/graphql", json=query, headers=other)
            assert response.status_code == 200, response.text
            assert response.json()["extensions"]["cost"]["remaining"] == 2
