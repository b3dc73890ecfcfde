"""application/graphql-response+json for the clients that ask for it (graphql/media.py)."""

from __future__ import annotations

from runxin.graphql.media import GRAPHQL_RESPONSE, JSON, preferred_media_type, reshape
from tests.factories.tree import make_tree

NEW = {"accept": "application/graphql-response+json, application/json;q=0.9"}


def test_the_accept_header_picks_the_type() -> None:
    assert preferred_media_type(None) == JSON
    assert preferred_media_type("*/*") == JSON
    assert preferred_media_type("application/json") == JSON
    assert preferred_media_type("application/graphql-response+json") == GRAPHQL_RESPONSE
    assert preferred_media_type("application/json, application/graphql-response+json") == GRAPHQL_RESPONSE
    assert preferred_media_type("application/json;q=1, application/graphql-response+json;q=0.5") == JSON
    assert preferred_media_type("application/graphql-response+json;q=0") == JSON
    assert preferred_media_type("application/graphql-response+json;q=bad") == JSON


def test_reshape_drops_data_only_before_execution() -> None:
    before = {"data": None, "errors": [{"message": "Syntax Error"}]}
    assert reshape(before, 400) == ({"errors": [{"message": "Syntax Error"}]}, 400)
    during = {"data": None, "errors": [{"message": "denied", "path": ["tenant"]}]}
    assert reshape(during, 400) == (during, 200)
    assert reshape({"data": {"a": 1}}, 200) == ({"data": {"a": 1}}, 200)
    assert reshape({"errors": [{"message": "no query"}]}, 400) == ({"errors": [{"message": "no query"}]}, 400)


async def test_graphql_response_json_over_http(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    auth = {"authorization": f"Bearer {api.token_for(tree.city)}"}
    ok = await api.client.post("/graphql", json={"query": "{ viewer { subject } }"}, headers={**NEW, **auth})
    assert ok.status_code == 200 and ok.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
    assert ok.json()["data"]["viewer"]["subject"] == f"user@{tree.city.code}"
    # A syntax error: 400, no data entry.
    bad = await api.client.post("/graphql", json={"query": "{"}, headers={**NEW, **auth})
    assert bad.status_code == 400 and "data" not in bad.json() and bad.json()["errors"][0]["message"].startswith("Syntax Error")
    assert int(bad.headers["content-length"]) == len(bad.content)
    # The same request as a legacy client: application/json, and the data entry (null) stays.
    legacy = await api.client.post("/graphql", json={"query": "{"}, headers=auth)
    assert legacy.status_code == 400 and legacy.headers["content-type"] == "application/json" and legacy.json()["data"] is None
    # Refusals before GraphQL (no query) keep their status and shape, in the new type.
    empty = await api.client.post("/graphql", json={}, headers=NEW)
    assert empty.status_code == 400 and empty.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert empty.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
