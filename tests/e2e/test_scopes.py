"""API clients see exactly what their tenant and scopes allow; people act through roles."""

from __future__ import annotations

import pytest

from runxin.graphql.ids import encode_id
from runxin.platform.staffing.models import Staff
from runxin.platform.stations.models import Station
from tests.factories.tree import make_tree


def client_token(api, tenant, *scopes: str) -> str:  # type: ignore[no-untyped-def]
    return api.tokens.issue(subject="rx_test", tenant_id=tenant.id, roles=[], scopes=list(scopes), client_id="rx_test")


@pytest.fixture
async def county_with_records(system_session):  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    station = Station(tenant_id=school.id, name="站", area_m2=20, weekly_open_hours=10)
    staff = Staff(tenant_id=school.id, kind="FULL_TIME", name="王老师", phone="13800001111")
    system_session.add_all([station, staff])
    await system_session.commit()
    return tree, school, station, staff


STATIONS = "query ($c: String!) { tenant(code: $c) { stations(first: 5, scope: SUBTREE) { nodes { name } } } }"
STAFF = "query ($c: String!) { tenant(code: $c) { staff(first: 5, scope: SUBTREE) { nodes { name phone personalDataMasked } } } }"


async def test_a_client_reads_only_resources_it_has_scopes_for(api, county_with_records) -> None:  # type: ignore[no-untyped-def]
    tree, school, station, staff = county_with_records
    county = tree.counties[0]
    token = client_token(api, county, "tenants:read", "stations:read")
    # stations: granted
    body = await api.gql(STATIONS, {"c": county.code}, token=token)
    assert [n["name"] for n in body["data"]["tenant"]["stations"]["nodes"]] == ["站"]
    # staff: no staff:read scope → refused, naming the missing scope
    refused = (await api.post(STAFF, {"c": county.code}, token=token)).json()
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert "staff:read" in refused["errors"][0]["message"]
    # node(id:) of a type outside the scopes resolves to nothing
    body = await api.gql("query ($i: ID!) { node(id: $i) { id } }", {"i": encode_id("Staff", staff.id)}, token=token)
    assert body["data"]["node"] is None


async def test_personal_fields_need_the_personal_scope(api, county_with_records) -> None:  # type: ignore[no-untyped-def]
    tree, *_ = county_with_records
    county = tree.counties[0]
    plain = await api.gql(STAFF, {"c": county.code}, token=client_token(api, county, "tenants:read", "staff:read"))
    assert plain["data"]["tenant"]["staff"]["nodes"] == [{"name": "王**", "phone": None, "personalDataMasked": True}]
    personal = await api.gql(
        STAFF, {"c": county.code}, token=client_token(api, county, "tenants:read", "staff:read", "staff.personal:read")
    )
    assert personal["data"]["tenant"]["staff"]["nodes"] == [{"name": "王老师", "phone": "13800001111", "personalDataMasked": False}]


async def test_a_client_writes_only_with_a_write_scope(api, county_with_records) -> None:  # type: ignore[no-untyped-def]
    tree, school, *_ = county_with_records
    mutation = "mutation ($i: StationCreateInput!) { stationCreate(input: $i) { station { name } userErrors { code } } }"
    variables = {"i": {"tenantId": encode_id("Tenant", school.id), "name": "新站", "areaM2": 20, "weeklyOpenHours": 8}}
    read_only = (await api.post(mutation, variables, token=client_token(api, school, "stations:read"))).json()
    assert read_only["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    other_write = (await api.post(mutation, variables, token=client_token(api, school, "staff:write"))).json()
    assert "stations:write" in other_write["errors"][0]["message"]
    granted = await api.gql(mutation, variables, token=client_token(api, school, "stations:write"))
    assert granted["data"]["stationCreate"]["station"] == {"name": "新站"}


async def test_a_client_with_no_scope_sees_nothing(api, county_with_records) -> None:  # type: ignore[no-untyped-def]
    tree, *_ = county_with_records
    county = tree.counties[0]
    body = (await api.post("{ tenants(first: 5) { nodes { code } } }", token=client_token(api, county))).json()
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_roles_are_ignored_for_clients_and_unknown_roles_grant_nothing(api, county_with_records) -> None:  # type: ignore[no-untyped-def]
    tree, *_ = county_with_records
    county = tree.counties[0]
    # A client token claiming a role still acts by its scopes only
    token = api.tokens.issue(subject="rx", tenant_id=county.id, roles=["ADMIN"], scopes=[], client_id="rx")
    assert (await api.post("{ tenants(first: 5) { nodes { code } } }", token=token)).json()["errors"]
    # A person with an unknown role gets nothing
    person = api.tokens.issue(subject="u", tenant_id=county.id, roles=["SUPERUSER"])
    assert (await api.post("{ tenants(first: 5) { nodes { code } } }", token=person)).json()["errors"]
