"""The tenant-isolation matrix: data of one tenant never reaches another outside its subtree.

Generic by construction: it walks the schema by introspection, so every connection a domain adds to
`Tenant` and every node type is checked without this file changing. A new root field fails
`test_every_root_field_is_covered` until it is added to the matrix here.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from runxin.graphql.ids import encode_id
from runxin.platform.delivery.models import Delivery, DeliveryEndpoint
from runxin.platform.seed import seed_database
from runxin.platform.tree.models import Tenant
from tests.factories.tree import make_tree

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

COVERED_ROOT_FIELDS = {
    "viewer", "node", "nodes", "tenant", "tenants", "indicatorDefinitions", "auditEvents", "deliveries", "deliveryEndpoints",
    "adxDocument",
}  # fmt: skip
DELIVERY_QUERIES = (
    ("{ deliveries(first: 100) { nodes { id tenant { code } } } }", None),
    ("{ deliveryEndpoints { id tenant { code } } }", None),
    ("query ($p: String!) { adxDocument(period: $p) }", {"p": "2025"}),
)

INTROSPECT_TENANT = """
{ __type(name: "Tenant") { fields { name args { name } type { name ofType { name ofType { name ofType { name } } } } } }
  __schema { queryType { fields { name } } } }
"""


def type_name(t: dict[str, Any]) -> str:
    while t.get("ofType"):
        t = t["ofType"]
    return t["name"] or ""


@pytest.fixture
async def world(api, sessionmaker, system_session):  # type: ignore[no-untyped-def]
    """A seeded city of two counties; returns the tenants by kind and their subtrees' codes."""
    await seed_database(sessionmaker, scale="tiny", seed=11)
    tenants = (await system_session.execute(select(Tenant))).scalars().all()
    counties = sorted((t for t in tenants if t.kind == "COUNTY"), key=lambda t: t.code)
    assert len(counties) >= 2

    def subtree(t: Tenant) -> set[str]:
        return {x.code for x in tenants if x.path.startswith(t.path)}

    school = min((t for t in tenants if t.kind == "SCHOOL" and t.parent_id == counties[0].id), key=lambda t: t.code)
    return {"a": counties[0], "b": counties[1], "school": school, "subtree": subtree, "tenants": tenants}


async def connection_fields(api, principal: Tenant) -> list[str]:  # type: ignore[no-untyped-def]
    body = await api.gql(INTROSPECT_TENANT, as_=principal)
    fields = body["data"]["__type"]["fields"]
    return [f["name"] for f in fields if type_name(f["type"]).endswith("Connection") and {"scope", "first"} <= {a["name"] for a in f["args"]}]


async def visible_records(api, principal: Tenant) -> dict[str, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """Every record each Tenant connection shows the principal over its own subtree."""
    found = {}
    for field in await connection_fields(api, principal):
        query = f'query ($code: String!) {{ tenant(code: $code) {{ {field}(first: 100, scope: SUBTREE) {{ nodes {{ id tenant {{ code }} }} }} }} }}'
        body = await api.gql(query, {"code": principal.code}, as_=principal)
        assert "errors" not in body, body
        found[field] = body["data"]["tenant"][field]["nodes"]
    return found


async def test_every_root_field_is_covered(api, world) -> None:  # type: ignore[no-untyped-def]
    body = await api.gql(INTROSPECT_TENANT, as_=world["a"])
    root_fields = {f["name"] for f in body["data"]["__schema"]["queryType"]["fields"]}
    assert root_fields <= COVERED_ROOT_FIELDS, f"add {root_fields - COVERED_ROOT_FIELDS} to the isolation matrix"


@pytest.mark.parametrize("who", ["a", "school"])
async def test_connections_show_only_the_subtree(api, world, who) -> None:  # type: ignore[no-untyped-def]
    principal = world[who]
    allowed = world["subtree"](principal)
    records = await visible_records(api, principal)
    assert records, "the schema exposes no Tenant connection with scope: the matrix would check nothing"
    seen_any = False
    for field, nodes in records.items():
        owners = {n["tenant"]["code"] for n in nodes}
        assert owners <= allowed, f"{field} leaked records of {owners - allowed} to {principal.code}"
        seen_any = seen_any or bool(nodes)
    assert seen_any, "the seeded data gave this principal nothing to see: the check would be vacuous"


async def test_node_ids_of_another_county_resolve_to_nothing(api, world) -> None:  # type: ignore[no-untyped-def]
    # Given every id county B can see
    b_records = await visible_records(api, world["b"])
    ids = [n["id"] for nodes in b_records.values() for n in nodes]
    assert ids
    # When county A asks for them by id
    for start in range(0, len(ids), 100):
        body = await api.gql("query ($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids[start : start + 100]}, as_=world["a"])
        # Then it gets nothing
        assert body["data"]["nodes"] == [None] * len(ids[start : start + 100])
    # And B itself does see them (the ids are real)
    body = await api.gql("query ($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids[:100]}, as_=world["b"])
    assert [n["id"] for n in body["data"]["nodes"]] == ids[:100]


async def test_tree_queries_stay_in_the_subtree(api, world) -> None:  # type: ignore[no-untyped-def]
    a, b = world["a"], world["b"]
    assert (await api.gql("query ($c: String!) { tenant(code: $c) { code } }", {"c": b.code}, as_=a))["data"]["tenant"] is None
    listed = await api.gql("{ tenants(first: 100) { nodes { code } } }", as_=a)
    codes = {n["code"] for n in listed["data"]["tenants"]["nodes"]}
    assert codes and codes <= world["subtree"](a) - {a.code}
    # under another county: refused as not found, nothing listed
    body = await api.post("query ($c: String!) { tenants(under: $c, first: 10) { nodes { code } } }", {"c": b.code}, as_=a)
    assert body.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # a school sees its ancestors by name, but not its siblings
    school = world["school"]
    body = await api.gql(
        "query ($c: String!) { tenant(code: $c) { ancestors { code } parent { code children(first: 100) { nodes { code } } } } }",
        {"c": school.code},
        as_=school,
    )
    tenant = body["data"]["tenant"]
    assert [t["code"] for t in tenant["ancestors"]][-1] == a.code
    assert [n["code"] for n in tenant["parent"]["children"]["nodes"]] == [school.code]


@pytest.mark.parametrize(
    "field",
    [
        "indicators { value }",
        "staffCounts { total }",
        "creditSummary(year: 2025) { teachers }",
        "stations(first: 5, scope: SUBTREE) { nodes { id } }",
    ],
)
async def test_figures_over_an_ancestors_subtree_are_refused(api, world, field) -> None:  # type: ignore[no-untyped-def]
    # Given a school, which sees its county by name
    school, county = world["school"], world["a"]
    # When it asks for figures over the county's subtree
    body = (await api.post(f"query ($c: String!) {{ tenant(code: $c) {{ code {field} }} }}", {"c": county.code}, as_=school)).json()
    # Then it is told why, instead of getting counts of the part it sees dressed as the county's
    assert body["errors"][0]["extensions"]["code"] == "ANCESTOR_SUBTREE"
    # while its own figures answer
    own = await api.gql(f"query ($c: String!) {{ tenant(code: $c) {{ code {field} }} }}", {"c": school.code}, as_=school)
    assert "errors" not in own


@pytest.mark.parametrize("who", ["a", "school"])
async def test_audit_events_show_only_the_subtree(api, world, who) -> None:  # type: ignore[no-untyped-def]
    # Given activity by every tenant of the seeded tree (each request leaves an event)
    for tenant in world["tenants"]:
        await api.gql("{ viewer { subject } }", as_=tenant)
    principal = world[who]
    allowed = world["subtree"](principal)
    # When an auditor of a county or a school reads the log
    query = "{ auditEvents(last: 100) { nodes { subject tenant { code } } } }"
    nodes = (await api.gql(query, as_=principal, roles=("AUDITOR",)))["data"]["auditEvents"]["nodes"]
    # Then every event is of its subtree, and there are some
    assert nodes, "the auditor saw no event: the check would be vacuous"
    assert {n["subject"].removeprefix("user@") for n in nodes} <= allowed
    assert all(n["tenant"] is not None and n["tenant"]["code"] in allowed for n in nodes), nodes


async def add_delivery(session, city: Tenant) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """An endpoint of the city's platform and a delivered message to it; their global ids."""
    endpoint = DeliveryEndpoint(tenant_id=city.id, root_id=city.root_id, url=f"https://platform.example.cn/{city.code}")
    session.add(endpoint)
    await session.flush()
    delivery = Delivery(
        tenant_id=city.id, root_id=city.root_id, endpoint_id=endpoint.id, webhook_id="msg_" + uuid.uuid4().hex,
        event_type="figures.approved", period="2025", version=1, payload="{}", payload_sha256="0" * 64, status="DELIVERED",
    )  # fmt: skip
    session.add(delivery)
    await session.commit()
    return encode_id("DeliveryEndpoint", endpoint.id), encode_id("Delivery", delivery.id)


async def test_deliveries_are_the_city_bureaus_own(api, world, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given an endpoint and a delivery of the seeded city, and of another city
    city = next(t for t in world["tenants"] if t.kind == "CITY")
    other = (await make_tree(system_session, city_code="110100", counties=1, schools_per_county=1)).city
    mine, theirs = await add_delivery(system_session, city), await add_delivery(system_session, other)
    ask_ids = "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    # When a county and a school of the city ask for the delivery fields
    for principal in (world["a"], world["school"]):
        for document, variables in DELIVERY_QUERIES:
            body = (await api.post(document, variables, as_=principal)).json()
            # Then they are refused, and nothing is answered
            assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED", (principal.code, document, body)
            assert not any((body.get("data") or {}).values()), body
        # Nor do the ids of the city's endpoint and delivery resolve for them
        assert (await api.gql(ask_ids, {"ids": list(mine)}, as_=principal))["data"]["nodes"] == [None, None]
    # And each city sees its own endpoint and delivery, never the other city's
    for principal, own, foreign in ((city, mine, theirs), (other, theirs, mine)):
        deliveries = (await api.gql(DELIVERY_QUERIES[0][0], as_=principal, roles=("VIEWER",)))["data"]["deliveries"]["nodes"]
        assert [(n["id"], n["tenant"]["code"]) for n in deliveries] == [(own[1], principal.code)]
        endpoints = (await api.gql(DELIVERY_QUERIES[1][0], as_=principal, roles=("VIEWER",)))["data"]["deliveryEndpoints"]
        assert [(n["id"], n["tenant"]["code"]) for n in endpoints] == [(own[0], principal.code)]
        assert (await api.gql(ask_ids, {"ids": list(foreign)}, as_=principal))["data"]["nodes"] == [None, None]
        assert (await api.gql(ask_ids, {"ids": list(own)}, as_=principal))["data"]["nodes"] == [{"id": own[0]}, {"id": own[1]}]
        # The ADX export holds no figures of the other city (nothing is approved here: it has no group at all)
        document = (await api.gql(*DELIVERY_QUERIES[2], as_=principal))["data"]["adxDocument"]
        assert "<group" not in document and (other if principal is city else city).code not in document
