"""The delivery log, endpoints, replay and the ADX export over HTTP: the city's own, and nobody else's."""

from __future__ import annotations

import datetime as dt
import random
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from runxin.graphql.ids import encode_id
from runxin.platform.delivery.adx import ADX_NAMESPACE
from runxin.platform.delivery.models import Delivery, DeliveryEndpoint
from runxin.platform.delivery.sender import attempt_delivery
from runxin.platform.delivery.services import enqueue_for_city
from runxin.tenants.scoping import as_system
from tests.e2e.counting import StatementCounter, warm_up
from tests.factories.deliveries import accept_everything, add_endpoint
from tests.factories.tree import Tree, make_tree
from tests.receiver import Fault, ReceiverServer, ReferenceReceiver

LOG = """
query ($status: DeliveryStatus, $period: String) {
  deliveries(first: 10, status: $status, period: $period) {
    nodes {
      id webhookId eventType period version status attemptCount payloadSha256 nextAttemptAt deliveredAt lastStatusCode
      rejected { tenant indicator reason }
      attempts { number at statusCode latencyMs outcome error }
      endpoint { url active circuitState consecutiveFailures signingSecrets { createdAt expiresAt } }
      tenant { code }
    }
  }
}
"""
ENDPOINTS = "{ deliveryEndpoints { id url description active timeoutSeconds circuitState signingSecrets { expiresAt } } }"
CREATE = """
mutation ($i: DeliveryEndpointCreateInput!) {
  deliveryEndpointCreate(input: $i) { endpoint { id url timeoutSeconds active } secret userErrors { field code message } }
}
"""
UPDATE = """
mutation ($i: DeliveryEndpointUpdateInput!) {
  deliveryEndpointUpdate(input: $i) { endpoint { id url active } userErrors { field code message } }
}
"""
ROTATE = """
mutation ($i: DeliveryEndpointRotateSecretInput!) {
  deliveryEndpointRotateSecret(input: $i) { endpoint { signingSecrets { expiresAt } } secret userErrors { field code message } }
}
"""
REPLAY = """
mutation ($i: DeliveryReplayInput!) {
  deliveryReplay(input: $i) { deliveries { id status nextAttemptAt attemptCount } userErrors { field code message } }
}
"""
ADX = "query ($p: String!) { adxDocument(period: $p) }"
T0 = dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass
class World:
    tree: Tree
    other: Tree
    endpoint: DeliveryEndpoint
    delivery: Delivery


@pytest.fixture
def server() -> Iterator[ReceiverServer]:
    server = ReceiverServer(ReferenceReceiver()).start()
    yield server
    server.stop()


def prepare(session) -> None:  # type: ignore[no-untyped-def]
    as_system(session, "delivery test")


@pytest.fixture
async def world(api, system_session, sessionmaker, server) -> World:  # type: ignore[no-untyped-def]
    """A city whose accepted 2025 figures were delivered at the second try; another city with a dead delivery."""
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    other = await make_tree(system_session, city_code="360800", counties=1, schools_per_county=1)
    await accept_everything(system_session, tree.city, tree.counties)
    await accept_everything(system_session, other.city, other.counties)
    endpoint, secret = await add_endpoint(system_session, tree.city, server.url)
    await add_endpoint(system_session, other.city, server.url)
    server.receiver.set_secrets([secret])
    [delivery] = await enqueue_for_city(system_session, city_id=tree.city.id, period="2025", version=1, now=T0)
    [theirs] = await enqueue_for_city(system_session, city_id=other.city.id, period="2025", version=1, now=T0)
    theirs.status = "DEAD"
    await system_session.commit()
    server.receiver.fail(Fault.UNAVAILABLE)
    async with httpx.AsyncClient() as http:
        for at in (T0, T0 + dt.timedelta(minutes=1)):
            await attempt_delivery(
                sessionmaker, delivery.id, client=http, now=lambda at=at: at, rng=random.Random(1), prepare=prepare
            )
    return World(tree, other, endpoint, delivery)


async def test_the_city_reads_its_delivery_log_with_every_attempt(api, world) -> None:  # type: ignore[no-untyped-def]
    # When a viewer of the city reads the log
    body = await api.gql(LOG, as_=world.tree.city, roles=("VIEWER",))
    # Then it sees its own delivery with both attempts, and nothing of the other city
    [node] = body["data"]["deliveries"]["nodes"]
    assert node["id"] == encode_id("Delivery", world.delivery.id)
    assert node["tenant"] == {"code": world.tree.city.code}
    assert (node["webhookId"], node["status"], node["period"], node["version"], node["attemptCount"]) == (
        world.delivery.webhook_id, "DELIVERED", "2025", 1, 2,
    )  # fmt: skip
    assert node["payloadSha256"] == world.delivery.payload_sha256 and node["nextAttemptAt"] is None
    assert node["lastStatusCode"] == 200 and node["rejected"] == []
    assert [(a["number"], a["statusCode"], a["outcome"]) for a in node["attempts"]] == [
        (1, 503, "THROTTLED"),
        (2, 200, "DELIVERED"),
    ]
    assert node["attempts"][0]["error"].startswith("HTTP 503") and node["attempts"][1]["latencyMs"] > 0
    assert node["endpoint"]["circuitState"] == "CLOSED" and len(node["endpoint"]["signingSecrets"]) == 1
    # And the filters narrow it
    assert (await api.gql(LOG, {"status": "DEAD"}, as_=world.tree.city))["data"]["deliveries"]["nodes"] == []
    assert (await api.gql(LOG, {"period": "2024"}, as_=world.tree.city))["data"]["deliveries"]["nodes"] == []
    assert len((await api.gql(LOG, {"period": "2025"}, as_=world.tree.city))["data"]["deliveries"]["nodes"]) == 1


@pytest.mark.parametrize("who", ["county", "school"])
async def test_below_the_city_the_delivery_fields_are_refused(api, world, who) -> None:  # type: ignore[no-untyped-def]
    tenant = world.tree.counties[0] if who == "county" else world.tree.all_schools()[0]
    for document, variables in ((LOG, None), (ENDPOINTS, None), (ADX, {"p": "2025"})):
        body = (await api.post(document, variables, as_=tenant)).json()
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED", body
        assert "city bureau" in body["errors"][0]["message"]
    created = (await api.post(CREATE, {"i": {"url": "https://platform.example.cn/in"}}, as_=tenant)).json()
    assert created["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    # Nor does an id of the city's delivery resolve for it
    node = await api.gql("query ($i: ID!) { node(id: $i) { id } }", {"i": encode_id("Delivery", world.delivery.id)}, as_=tenant)
    assert node["data"]["node"] is None


async def test_another_city_sees_none_of_it(api, world) -> None:  # type: ignore[no-untyped-def]
    other = world.other.city
    nodes = (await api.gql(LOG, as_=other))["data"]["deliveries"]["nodes"]
    assert [n["status"] for n in nodes] == ["DEAD"] and nodes[0]["tenant"] == {"code": other.code}
    node = await api.gql("query ($i: ID!) { node(id: $i) { id } }", {"i": encode_id("Delivery", world.delivery.id)}, as_=other)
    assert node["data"]["node"] is None
    endpoints = (await api.gql(ENDPOINTS, as_=other))["data"]["deliveryEndpoints"]
    assert len(endpoints) == 1 and endpoints[0]["id"] != encode_id("DeliveryEndpoint", world.endpoint.id)
    # Replaying the first city's delivery by id finds nothing to replay
    body = await api.gql(REPLAY, {"i": {"ids": [encode_id("Delivery", world.delivery.id)]}}, as_=other)
    assert body["data"]["deliveryReplay"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_endpoints_are_created_with_their_secret_once_and_checked(api, world) -> None:  # type: ignore[no-untyped-def]
    city = world.tree.city
    # A bad URL and a bad timeout are told, field by field, with what to do
    bad = (await api.gql(CREATE, {"i": {"url": "ftp://platform.example.cn/in", "timeoutSeconds": 0.1}}, as_=city))["data"][
        "deliveryEndpointCreate"
    ]
    assert bad["endpoint"] is None and bad["secret"] is None
    assert {(tuple(e["field"]), e["code"]) for e in bad["userErrors"]} == {
        (("input", "url"), "URL_SCHEME"),
        (("input", "timeoutSeconds"), "TOO_SMALL"),
    }
    assert all("https://" in e["message"] or "0.5" in e["message"] for e in bad["userErrors"])
    # A good one answers with its secret, once
    made = (await api.gql(CREATE, {"i": {"url": " https://platform.example.cn/in ", "description": None}}, as_=city))["data"][
        "deliveryEndpointCreate"
    ]
    assert made["userErrors"] == [] and made["secret"].startswith("whsec_")
    assert (made["endpoint"]["url"], made["endpoint"]["timeoutSeconds"], made["endpoint"]["active"]) == (
        "https://platform.example.cn/in",
        10.0,
        True,
    )
    listed = await api.post(ENDPOINTS, as_=city)
    assert made["secret"] not in listed.text
    assert len(listed.json()["data"]["deliveryEndpoints"]) == 2
    # A data officer may read the log but not configure endpoints
    refused = (await api.post(CREATE, {"i": {"url": "https://platform.example.cn/x"}}, as_=city, roles=("DATA_OFFICER",))).json()
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED" and "ADMIN" in refused["errors"][0]["message"]


async def test_endpoints_are_updated_and_their_secrets_rotated(api, world) -> None:  # type: ignore[no-untyped-def]
    city, endpoint_id = world.tree.city, encode_id("DeliveryEndpoint", world.endpoint.id)
    updated = (await api.gql(UPDATE, {"i": {"id": endpoint_id, "active": False}}, as_=city))["data"]["deliveryEndpointUpdate"]
    assert updated["userErrors"] == [] and updated["endpoint"]["active"] is False
    wrong = (await api.gql(UPDATE, {"i": {"id": encode_id("Delivery", world.delivery.id), "url": "x"}}, as_=city))["data"][
        "deliveryEndpointUpdate"
    ]
    assert wrong["userErrors"][0]["code"] == "ID_WRONG_TYPE"
    rotated = (await api.gql(ROTATE, {"i": {"id": endpoint_id}}, as_=city))["data"]["deliveryEndpointRotateSecret"]
    assert rotated["userErrors"] == [] and rotated["secret"].startswith("whsec_")
    assert len(rotated["endpoint"]["signingSecrets"]) == 2
    assert rotated["endpoint"]["signingSecrets"][0]["expiresAt"] is None and rotated["endpoint"]["signingSecrets"][1]["expiresAt"]
    too_long = (await api.gql(ROTATE, {"i": {"id": endpoint_id, "overlapHours": 1e9}}, as_=city))["data"][
        "deliveryEndpointRotateSecret"
    ]
    assert too_long["userErrors"][0]["code"] == "OVERLAP_RANGE" and too_long["secret"] is None


async def test_a_dead_delivery_is_replayed(api, world, system_session) -> None:  # type: ignore[no-untyped-def]
    other = world.other.city
    [dead] = (await system_session.execute(select(Delivery).where(Delivery.tenant_id == other.id))).scalars().all()
    body = (await api.gql(REPLAY, {"i": {"dead": True}}, as_=other))["data"]["deliveryReplay"]
    assert body["userErrors"] == []
    [replayed] = body["deliveries"]
    assert replayed["id"] == encode_id("Delivery", dead.id) and replayed["status"] == "PENDING" and replayed["nextAttemptAt"]
    # Asking for nothing is told what to ask for
    empty = (await api.gql(REPLAY, {"i": {}}, as_=other))["data"]["deliveryReplay"]
    assert empty["userErrors"][0]["code"] == "NOTHING_TO_REPLAY"


async def test_the_adx_document_holds_the_citys_approved_figures(api, world) -> None:  # type: ignore[no-untyped-def]
    text = (await api.gql(ADX, {"p": "2025"}, as_=world.tree.city))["data"]["adxDocument"]
    root = ET.fromstring(text)
    groups = root.findall(f"{{{ADX_NAMESPACE}}}group")
    assert [g.get("orgUnit") for g in groups] == [world.tree.city.code, *(c.code for c in world.tree.counties)]
    assert {g.get("period") for g in groups} == {"2025-01-01/P1Y"}
    values = [(v.get("dataElement"), v.get("value")) for v in groups[0]]
    assert values == [("STATION_COVERAGE", "0.25")], "the not-reported indicator is left out"
    bad = (await api.post(ADX, {"p": "2025Q1"}, as_=world.tree.city)).json()
    assert bad["errors"][0]["extensions"]["code"] == "PERIOD_FORMAT"


async def test_the_log_takes_a_fixed_number_of_statements(api, world, system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given a log of six deliveries (one period each), each with an attempt
    city = world.tree.city
    more = [
        (await enqueue_for_city(system_session, city_id=city.id, period=str(y), version=1, now=T0))[0] for y in range(2019, 2024)
    ]
    await system_session.commit()
    async with httpx.AsyncClient() as http:
        for d in more:
            await attempt_delivery(sessionmaker, d.id, client=http, now=lambda: T0, rng=random.Random(1), prepare=prepare)
    await warm_up(api, city)
    # When the city reads the page with attempts, endpoints and tenants
    with StatementCounter(api) as counter:
        body = await api.gql(LOG, as_=city)
    # Then it is one statement for the page and one per relation, whatever the page's length
    assert len(body["data"]["deliveries"]["nodes"]) == 6
    assert counter.count == 4, counter.statements
