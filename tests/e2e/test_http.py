"""The HTTP surface: bad requests, bad tokens, document limits, production mode, masking."""

from __future__ import annotations

import httpx
import pytest

from runxin.graphql.app import create_app
from runxin.tenants.tokens import TokenService, load_or_create_key
from tests.factories.tree import make_tree


async def test_malformed_requests_get_clear_4xx(api) -> None:  # type: ignore[no-untyped-def]
    cases = [
        (dict(content=b"{not json", headers={"content-type": "application/json"}), 400, "BAD_REQUEST"),
        (dict(content=b"query { viewer }", headers={"content-type": "text/plain"}), 415, "UNSUPPORTED_MEDIA_TYPE"),
        (dict(json={"variables": {}}), 400, "BAD_REQUEST"),
        (dict(json=[{"query": "{ viewer { subject } }"}]), 400, "BAD_REQUEST"),
        (dict(json={"query": "{ viewer { subject } }", "variables": [1]}), 400, "BAD_REQUEST"),
        (dict(content=b"x" * 1_000_001, headers={"content-type": "application/json"}), 413, "PAYLOAD_TOO_LARGE"),
    ]
    for kwargs, status, code in cases:
        response = await api.client.post("/graphql", **kwargs)
        assert response.status_code == status, (kwargs, response.text)
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == code
        assert error["message"]


@pytest.mark.parametrize(
    ("header", "fragment"),
    [("Bearer", "Bearer <token>"), ("Basic abc", "Bearer <token>"), ("Bearer not.a.jwt", "runxin token"), ("Bearer abc", "runxin token")],
)
async def test_bad_tokens_are_401_with_what_to_do(api, header, fragment) -> None:  # type: ignore[no-untyped-def]
    response = await api.client.post("/graphql", json={"query": "{ viewer { subject } }"}, headers={"Authorization": header})
    assert response.status_code == 401
    assert fragment in response.json()["errors"][0]["message"]


async def test_expired_and_foreign_tokens_are_refused(api, system_session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    expired = api.tokens.issue(subject="x", tenant_id=tree.city.id, roles=["ADMIN"], ttl_seconds=60, now=1_000_000)
    other_key = TokenService(load_or_create_key(tmp_path / "other.json"), api.tokens.issuer, api.tokens.audience, 600)
    foreign = other_key.issue(subject="x", tenant_id=tree.city.id, roles=["ADMIN"])
    for token in (expired, foreign):
        response = await api.post("{ viewer { subject } }", token=token)
        assert response.status_code == 401, response.text


async def test_anonymous_sees_no_data(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    body = (await api.post("query ($c: String!) { viewer { subject } tenant(code: $c) { name } }", {"c": tree.city.code})).json()
    assert body["data"] is None or body["data"]["tenant"] is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_document_limits(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    deep = "{ viewer { tenant " + "{ parent " * 14 + "{ code }" + " }" * 14 + " } }"
    aliases = "{ " + " ".join(f"a{i}: viewer {{ subject }}" for i in range(40)) + " }"
    tokens = "{ viewer { " + " ".join(["subject"] * 2500) + " } }"
    for document in (deep, aliases, tokens):
        response = await api.post(document, as_=tree.city)
        body = response.json()
        assert body.get("errors"), document[:60]
        assert body.get("data") is None


async def test_unknown_field_is_a_validation_error(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    body = (await api.post("{ viewer { subjekt } }", as_=tree.city)).json()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Did you mean" in body["errors"][0]["message"]


async def test_production_mode_hides_introspection_suggestions_and_graphiql(settings, system_session) -> None:  # type: ignore[no-untyped-def]
    prod = settings.replace(mode="production", introspection=False, graphiql=False)
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    app = create_app(prod)
    async with app.router.lifespan_context(app):
        tokens = TokenService(load_or_create_key(prod.key_path), prod.token_issuer, prod.token_audience, 600)
        token = tokens.issue(subject="x", tenant_id=tree.city.id, roles=["ADMIN"])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            headers = {"Authorization": f"Bearer {token}"}
            intro = (await client.post("/graphql", json={"query": "{ __schema { types { name } } }"}, headers=headers)).json()
            assert intro["errors"] and intro.get("data") is None
            typo = (await client.post("/graphql", json={"query": "{ viewer { subjekt } }"}, headers=headers)).json()
            assert "Did you mean" not in typo["errors"][0]["message"]
            page = await client.get("/graphql", headers={"accept": "text/html"})
            assert page.status_code == 404


async def test_get_cannot_mutate(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    token = api.token_for(tree.city)
    response = await api.client.get(
        "/graphql",
        params={"query": 'mutation { stationUpdate(input: {id: "x"}) { userErrors { code } } }'},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json()["errors"]


async def test_unexpected_errors_are_masked(api, system_session, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    from runxin.graphql.tenants import queries

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(queries, "decode_id", boom)
    body = (await api.post('{ node(id: "abc") { id } }', as_=tree.city)).json()
    error = body["errors"][0]
    assert "hunter2" not in str(body)
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    # ... but logged in full for the operators
    assert any("hunter2" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_a_failing_field_beside_a_running_loader_is_a_clean_error(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a county with a centre: one field's loader runs while its sibling refuses its arguments
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    county = tree.counties[0]
    query = """query ($c: String!) { tenant(code: $c) {
        children(first: 10) { nodes { code staffCounts { total } } }
        stations(first: 1000) { nodes { name } }
    } }"""
    # When it is asked for
    response = await api.post(query, {"c": county.code}, as_=county)
    # Then the client gets a GraphQL error for the bad field, not a 500, and the server keeps serving
    assert response.status_code == 200, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "PAGE_SIZE"
    again = await api.post("{ viewer { subject } }", as_=county)
    assert again.status_code == 200


async def test_an_operation_past_its_time_limit_is_a_503_and_writes_nothing(api, settings, system_session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Given a server whose operations may take 0.2 s, and a station mutation that takes longer
    import asyncio

    from sqlalchemy import func, select

    from runxin.graphql.ids import encode_id
    from runxin.graphql.stations import mutations
    from runxin.platform.stations.models import Station

    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    runtime = api.app.state.runtime
    runtime.settings = settings.replace(operation_timeout_seconds=0.2)
    original = mutations.create_station

    async def slow_create(session, **kwargs):  # type: ignore[no-untyped-def]
        station = await original(session, **kwargs)
        await asyncio.sleep(1)
        return station

    monkeypatch.setattr(mutations, "create_station", slow_create)
    query = "mutation ($i: StationCreateInput!) { stationCreate(input: $i) { station { id } userErrors { code } } }"
    variables = {"i": {"tenantId": encode_id("Tenant", school.id), "name": "慢", "areaM2": 20, "weeklyOpenHours": 8}}
    # When it runs
    response = await api.post(query, variables, as_=school)
    # Then the client is told to ask for less or retry, and the half-done write was rolled back
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "OPERATION_TIMEOUT"
    assert (await system_session.execute(select(func.count()).select_from(Station))).scalar_one() == 0
