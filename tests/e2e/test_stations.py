"""Stations over HTTP: create, update, read, and every bad input refused with nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from runxin.graphql.ids import encode_id
from runxin.platform.stations.models import Station
from tests.factories.tree import make_tree

CREATE = """
mutation ($input: StationCreateInput!) {
  stationCreate(input: $input) {
    station { id name areaM2 weeklyOpenHours kind tenant { code } }
    userErrors { field code message }
  }
}
"""
UPDATE = """
mutation ($input: StationUpdateInput!) {
  stationUpdate(input: $input) { station { id areaM2 name } userErrors { field code message } }
}
"""
LIST = """
query ($code: String!, $scope: RecordScope) {
  tenant(code: $code) { stations(first: 10, scope: $scope) { nodes { name areaM2 tenant { code } } pageInfo { hasNextPage } } }
}
"""


def valid_input(school) -> dict:  # type: ignore[no-untyped-def]
    return {
        "tenantId": encode_id("Tenant", school.id),
        "name": "阳光辅导站",
        "areaM2": 24.5,
        "weeklyOpenHours": 10,
        "individualCounselling": True,
        "sandplay": True,
        "assessment": True,
    }


async def count_stations(system_session) -> int:  # type: ignore[no-untyped-def]
    return (await system_session.execute(select(func.count()).select_from(Station))).scalar_one()


async def test_school_creates_and_county_reads(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a city with two counties
    tree = await make_tree(system_session)
    school = tree.all_schools()[0]
    county = tree.counties[0]
    # When the school records its station
    body = await api.gql(CREATE, {"input": valid_input(school)}, as_=school)
    payload = body["data"]["stationCreate"]
    # Then it is created with no userErrors
    assert payload["userErrors"] == []
    assert payload["station"]["areaM2"] == 24.5
    assert payload["station"]["tenant"]["code"] == school.code
    # And the county sees it in its subtree but not among its own records
    own = await api.gql(LIST, {"code": county.code, "scope": "OWN"}, as_=county)
    subtree = await api.gql(LIST, {"code": county.code, "scope": "SUBTREE"}, as_=county)
    assert own["data"]["tenant"]["stations"]["nodes"] == []
    assert [n["name"] for n in subtree["data"]["tenant"]["stations"]["nodes"]] == ["阳光辅导站"]
    # And the other county sees nothing of it
    other = await api.gql(LIST, {"code": tree.counties[1].code, "scope": "SUBTREE"}, as_=tree.counties[1])
    assert other["data"]["tenant"]["stations"]["nodes"] == []


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"areaM2": -3}, "areaM2", "NEGATIVE"),
        ({"areaM2": 0}, "areaM2", "TOO_SMALL"),
        ({"weeklyOpenHours": 169}, "weeklyOpenHours", "TOO_LARGE"),
        ({"weeklyOpenHours": -1}, "weeklyOpenHours", "NEGATIVE"),
        ({"name": ""}, "name", "REQUIRED"),
        ({"name": "站" * 201}, "name", "TOO_LONG"),
        ({"openedOn": "2999-01-01"}, "openedOn", "DATE_IN_FUTURE"),
        ({"tenantId": "not-an-id"}, "tenantId", "ID_MALFORMED"),
        ({"sandplay": None}, "sandplay", "REQUIRED"),
    ],
)
async def test_bad_input_is_refused_and_nothing_written(api, system_session, change, field, code) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    body = await api.gql(CREATE, {"input": {**valid_input(school), **change}}, as_=school)
    payload = body["data"]["stationCreate"]
    assert payload["station"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], code)]
    assert payload["userErrors"][0]["message"]
    assert await count_stations(system_session) == 0


async def test_station_for_another_county_is_not_found(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    foreign = tree.schools[tree.counties[1].code][0]
    body = await api.gql(CREATE, {"input": valid_input(foreign)}, as_=tree.counties[0])
    assert body["data"]["stationCreate"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert await count_stations(system_session) == 0


async def test_station_on_a_county_is_refused(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    body = await api.gql(CREATE, {"input": {**valid_input(county)}}, as_=county)
    assert body["data"]["stationCreate"]["userErrors"][0]["code"] == "TENANT_KIND"


async def test_update_changes_only_given_fields_and_bad_update_keeps_record(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    created = (await api.gql(CREATE, {"input": valid_input(school)}, as_=school))["data"]["stationCreate"]["station"]
    good = await api.gql(UPDATE, {"input": {"id": created["id"], "areaM2": 30}}, as_=school)
    assert good["data"]["stationUpdate"]["station"] == {"id": created["id"], "areaM2": 30.0, "name": "阳光辅导站"}
    bad = await api.gql(UPDATE, {"input": {"id": created["id"], "areaM2": -1, "name": "改名"}}, as_=school)
    assert bad["data"]["stationUpdate"]["userErrors"][0]["code"] == "NEGATIVE"
    stored = (await system_session.execute(select(Station.name, Station.area_m2))).one()
    assert (stored.name, float(stored.area_m2)) == ("阳光辅导站", 30.0)


async def test_viewer_cannot_write(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    body = await api.post(CREATE, {"input": valid_input(school)}, as_=school, roles=("VIEWER",))
    errors = body.json()["errors"]
    assert errors[0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert "DATA_OFFICER" in errors[0]["message"]
    assert await count_stations(system_session) == 0
