"""Production mode: no websockets, no batching, trusted documents per client."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from runxin.platform.errors import ConfigurationError
from tests.e2e.test_cost import bearer, serving
from tests.factories.tree import make_tree

VIEWER = "query Viewer { viewer { subject } }"
VIEWER_ID = hashlib.sha256(VIEWER.encode()).hexdigest()


async def test_no_websocket_is_served(api) -> None:  # type: ignore[no-untyped-def]
    # Given the app; when a client opens a GraphQL websocket (graphql-transport-ws) on /graphql
    scope = {
        "type": "websocket",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "scheme": "ws",
        "query_string": b"",
        "headers": [(b"host", b"t"), (b"sec-websocket-protocol", b"graphql-transport-ws")],
        "subprotocols": ["graphql-transport-ws"],
        "client": ("127.0.0.1", 1),
        "server": ("t", 80),
        "asgi": {"version": "3.0"},
        "state": {},
    }
    sent: list[dict[str, Any]] = []
    incoming = [{"type": "websocket.connect"}]

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await api.app(scope, receive, send)
    # Then it is closed without being accepted
    assert [m["type"] for m in sent] == ["websocket.close"], sent
    assert not any(route.path == "/graphql" and "websocket" in type(route).__name__.lower() for route in api.app.routes)


async def test_batches_are_refused(api) -> None:  # type: ignore[no-untyped-def]
    response = await api.client.post("/graphql", json=[{"query": VIEWER}, {"query": VIEWER}])
    assert response.status_code == 400
    assert "Batched requests are not supported" in response.json()["errors"][0]["message"]


@pytest.fixture
def trusted_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "trusted.json"
    path.write_text(json.dumps({VIEWER_ID: VIEWER}), encoding="utf-8")
    return settings.replace(mode="production", trusted_documents_file=str(path), trusted_document_clients=frozenset({"school-mis"}))


async def test_a_trusted_documents_client_runs_only_registered_documents(trusted_settings, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    async with serving(trusted_settings) as (client, tokens, _app):
        headers = bearer(tokens, school, subject="client:school-mis", client_id="school-mis")
        # A registered document, by id in either form, runs
        for body in (
            {"documentId": f"sha256:{VIEWER_ID}"},
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": VIEWER_ID}}},
            {"documentId": f"sha256:{VIEWER_ID}", "query": VIEWER},
        ):
            response = await client.post("/graphql", json=body, headers=headers)
            assert response.status_code == 200, response.text
            assert response.json()["data"]["viewer"]["subject"] == "client:school-mis"
        # ... and over GET too
        response = await client.get("/graphql", params={"documentId": f"sha256:{VIEWER_ID}"}, headers=headers)
        assert response.status_code == 200, response.text
        # Free text is refused, saying what to send
        refused = await client.post("/graphql", json={"query": VIEWER}, headers=headers)
        assert refused.status_code == 400
        error = refused.json()["errors"][0]
        assert error["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
        assert "documentId" in error["message"]
        # An unknown id is PERSISTED_QUERY_NOT_FOUND, even with the text along (no registration)
        other = "{ viewer { roles } }"
        unknown = hashlib.sha256(other.encode()).hexdigest()
        for body in ({"documentId": f"sha256:{unknown}"}, {"documentId": f"sha256:{unknown}", "query": other}):
            response = await client.post("/graphql", json=body, headers=headers)
            assert response.status_code == 400
            assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        # Malformed ids and text that is not the named document are refused
        for body in ({"documentId": "sha256:xyz"}, {"documentId": 5}, {"documentId": f"sha256:{VIEWER_ID}", "query": other}):
            response = await client.post("/graphql", json=body, headers=headers)
            assert response.status_code == 400, body
            assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_other_callers_may_send_text_or_ids(trusted_settings, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    async with serving(trusted_settings) as (client, tokens, _app):
        for headers in (bearer(tokens, tree.city), bearer(tokens, tree.city, client_id="other-app")):
            for body in ({"query": VIEWER}, {"documentId": f"sha256:{VIEWER_ID}"}):
                response = await client.post("/graphql", json=body, headers=headers)
                assert response.status_code == 200, response.text
            # Apollo's automatic persisted queries: an unknown hash with its text runs as text
            other = "{ viewer { roles } }"
            apq = {"query": other, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(other.encode()).hexdigest()}}}
            assert (await client.post("/graphql", json=apq, headers=headers)).status_code == 200


async def test_a_bad_trusted_documents_file_stops_start_up(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "trusted.json"
    for content in ("not json", json.dumps({"0" * 64: VIEWER}), json.dumps([VIEWER])):
        path.write_text(content, encoding="utf-8")
        with pytest.raises(ConfigurationError, match="RUNXIN_TRUSTED_DOCUMENTS_FILE"):
            async with serving(settings.replace(trusted_documents_file=str(path))):
                pass
    with pytest.raises(ConfigurationError, match="RUNXIN_TRUSTED_DOCUMENTS_FILE"):
        async with serving(settings.replace(trusted_documents_file=str(tmp_path / "missing.json"))):
            pass
