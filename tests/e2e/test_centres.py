"""Counselling centres over HTTP: create, update, read, per-period activity, node(id:), and every bad
input refused with nothing written."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from runxin.graphql.ids import encode_id
from runxin.platform.centres.models import CentreActivity, CounsellingCentre
from tests.factories.tree import make_tree

FUTURE = (dt.date.today() + dt.timedelta(days=40)).isoformat()
CENTRE = "id name status openingDate address online offline volunteerTeamSize tenant { code }"
CREATE = f"""
mutation ($input: CentreCreateInput!) {{
  centreCreate(input: $input) {{ centre {{ {CENTRE} }} userErrors {{ field code message }} }}
}}
"""
UPDATE = f"""
mutation ($input: CentreUpdateInput!) {{
  centreUpdate(input: $input) {{ centre {{ {CENTRE} }} userErrors {{ field code message }} }}
}}
"""
RECORD = """
mutation ($input: CentreActivityRecordInput!) {
  centreActivityRecord(input: $input) {
    activity { period guidanceVisits trainingsDelivered }
    userErrors { field code message }
  }
}
"""
LIST = """
query ($code: String!, $scope: RecordScope, $periods: [String!]) {
  tenant(code: $code) {
    centres(first: 10, scope: $scope) {
      nodes { name status tenant { code } activity(periods: $periods) { period guidanceVisits trainingsDelivered } }
    }
  }
}
"""
ACTIVITY = "query ($id: ID!, $periods: [String!]) { node(id: $id) { ... on CounsellingCentre { activity(periods: $periods) { period } } } }"
NODE = "query ($id: ID!) { node(id: $id) { __typename id ... on CounsellingCentre { name tenant { code } } } }"


def valid_input(county) -> dict:  # type: ignore[no-untyped-def]
    return {
        "tenantId": encode_id("Tenant", county.id),
        "name": "青少年健康成长辅导中心",
        "status": "OPERATIONAL",
        "openingDate": "2023-09-01",
        "address": "章贡区红旗大道 1 号",
        "online": True,
        "offline": True,
        "volunteerTeamSize": 35,
    }


async def count(system_session, model) -> int:  # type: ignore[no-untyped-def]
    return (await system_session.execute(select(func.count()).select_from(model))).scalar_one()


async def create(api, county) -> dict:  # type: ignore[no-untyped-def]
    body = await api.gql(CREATE, {"input": valid_input(county)}, as_=county)
    assert body["data"]["centreCreate"]["userErrors"] == []
    return body["data"]["centreCreate"]["centre"]


async def test_county_creates_and_the_city_reads(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a city with two counties
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    county = tree.counties[0]
    # When the county records its centre
    centre = await create(api, county)
    # Then it comes back as given
    assert centre["name"] == "青少年健康成长辅导中心"
    assert centre["status"] == "OPERATIONAL"
    assert (centre["openingDate"], centre["volunteerTeamSize"], centre["tenant"]["code"]) == ("2023-09-01", 35, county.code)
    # And the city sees it in its subtree, not among its own records
    own = await api.gql(LIST, {"code": tree.city.code, "scope": "OWN"}, as_=tree.city)
    subtree = await api.gql(LIST, {"code": tree.city.code, "scope": "SUBTREE"}, as_=tree.city)
    assert own["data"]["tenant"]["centres"]["nodes"] == []
    assert [n["tenant"]["code"] for n in subtree["data"]["tenant"]["centres"]["nodes"]] == [county.code]
    # And the other county sees nothing of it
    other = await api.gql(LIST, {"code": tree.counties[1].code, "scope": "OWN"}, as_=tree.counties[1])
    assert other["data"]["tenant"]["centres"]["nodes"] == []


async def test_update_changes_only_given_fields_and_bad_update_keeps_record(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    centre = await create(api, county)
    good = await api.gql(UPDATE, {"input": {"id": centre["id"], "volunteerTeamSize": 40, "online": False}}, as_=county)
    updated = good["data"]["centreUpdate"]["centre"]
    assert (updated["volunteerTeamSize"], updated["online"], updated["offline"], updated["name"]) == (40, False, True, centre["name"])
    # Turning off the only remaining service mode is refused and changes nothing
    bad = await api.gql(UPDATE, {"input": {"id": centre["id"], "offline": False, "name": "改名"}}, as_=county)
    assert [(e["field"], e["code"]) for e in bad["data"]["centreUpdate"]["userErrors"]] == [(["input", "online"], "SERVICE_MODE_REQUIRED")]
    stored = (await system_session.execute(select(CounsellingCentre.name, CounsellingCentre.offline))).one()
    assert tuple(stored) == ("青少年健康成长辅导中心", True)


async def test_defaults_apply_when_fields_are_left_out(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    body = await api.gql(CREATE, {"input": {"tenantId": encode_id("Tenant", county.id), "name": "辅导中心"}}, as_=county)
    centre = body["data"]["centreCreate"]["centre"]
    assert (centre["status"], centre["online"], centre["offline"], centre["volunteerTeamSize"], centre["address"]) == (
        "PLANNED", False, True, 0, ""
    )


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"name": None}, "name", "REQUIRED"),
        ({"name": "  "}, "name", "REQUIRED"),
        ({"name": "中" * 201}, "name", "TOO_LONG"),
        ({"address": "路" * 301}, "address", "TOO_LONG"),
        ({"volunteerTeamSize": -1}, "volunteerTeamSize", "NEGATIVE"),
        ({"volunteerTeamSize": 10_001}, "volunteerTeamSize", "TOO_LARGE"),
        ({"openingDate": None}, "openingDate", "REQUIRED"),
        ({"openingDate": FUTURE}, "openingDate", "DATE_IN_FUTURE"),
        ({"status": "SUSPENDED", "openingDate": FUTURE}, "openingDate", "DATE_IN_FUTURE"),
        ({"online": False, "offline": False}, "online", "SERVICE_MODE_REQUIRED"),
        ({"offline": None}, "offline", "REQUIRED"),
        ({"status": None}, "status", "REQUIRED"),
        ({"tenantId": "not-an-id"}, "tenantId", "ID_MALFORMED"),
        ({"tenantId": encode_id("Station", uuid.uuid4())}, "tenantId", "ID_WRONG_TYPE"),
    ],
)
async def test_bad_input_is_refused_and_nothing_written(api, system_session, change, field, code) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    body = await api.gql(CREATE, {"input": {**valid_input(county), **change}}, as_=county)
    payload = body["data"]["centreCreate"]
    assert payload["centre"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], code)]
    assert payload["userErrors"][0]["message"]
    assert await count(system_session, CounsellingCentre) == 0


async def test_a_planned_centre_may_open_in_the_future(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    for status in ("PLANNED", "UNDER_CONSTRUCTION"):
        body = await api.gql(CREATE, {"input": {**valid_input(county), "status": status, "openingDate": FUTURE}}, as_=county)
        assert body["data"]["centreCreate"]["userErrors"] == []
    assert await count(system_session, CounsellingCentre) == 2


async def test_a_school_cannot_own_a_centre(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    body = await api.gql(CREATE, {"input": valid_input(school)}, as_=tree.counties[0])
    assert [(e["field"], e["code"]) for e in body["data"]["centreCreate"]["userErrors"]] == [(["input", "tenantId"], "TENANT_KIND")]
    assert await count(system_session, CounsellingCentre) == 0


async def test_another_countys_centre_is_not_found(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    mine, theirs = tree.counties
    # Creating for another county
    body = await api.gql(CREATE, {"input": valid_input(theirs)}, as_=mine)
    assert [(e["field"], e["code"]) for e in body["data"]["centreCreate"]["userErrors"]] == [(["input", "tenantId"], "NOT_FOUND")]
    assert await count(system_session, CounsellingCentre) == 0
    # Updating, or recording activity for, another county's centre
    foreign = await create(api, theirs)
    update = await api.gql(UPDATE, {"input": {"id": foreign["id"], "volunteerTeamSize": 1}}, as_=mine)
    assert [(e["field"], e["code"]) for e in update["data"]["centreUpdate"]["userErrors"]] == [(["input", "id"], "NOT_FOUND")]
    record = await api.gql(
        RECORD, {"input": {"centreId": foreign["id"], "period": "2024", "guidanceVisits": 1, "trainingsDelivered": 1}}, as_=mine
    )
    assert [(e["field"], e["code"]) for e in record["data"]["centreActivityRecord"]["userErrors"]] == [(["input", "centreId"], "NOT_FOUND")]
    assert await count(system_session, CentreActivity) == 0
    assert (await system_session.execute(select(CounsellingCentre.volunteer_team_size))).scalar_one() == 35


async def test_activity_recorded_twice_keeps_one_row_and_filters_by_period(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    centre = await create(api, county)
    # When the same period is recorded twice (spelled differently), and another period once
    for visits, period in ((5, "2024T1"), (7, "2024t1 ")):
        body = await api.gql(RECORD, {"input": {"centreId": centre["id"], "period": period, "guidanceVisits": visits, "trainingsDelivered": 2}}, as_=county)
        assert body["data"]["centreActivityRecord"] == {
            "activity": {"period": "2024T1", "guidanceVisits": visits, "trainingsDelivered": 2},
            "userErrors": [],
        }
    await api.gql(RECORD, {"input": {"centreId": centre["id"], "period": "2024", "guidanceVisits": 3, "trainingsDelivered": 1}}, as_=county)
    # Then one row holds the period, with the last values
    assert await count(system_session, CentreActivity) == 2
    listed = await api.gql(LIST, {"code": county.code}, as_=county)
    assert listed["data"]["tenant"]["centres"]["nodes"][0]["activity"] == [
        {"period": "2024", "guidanceVisits": 3, "trainingsDelivered": 1},
        {"period": "2024T1", "guidanceVisits": 7, "trainingsDelivered": 2},
    ]
    only = await api.gql(LIST, {"code": county.code, "periods": ["2024t1"]}, as_=county)
    assert only["data"]["tenant"]["centres"]["nodes"][0]["activity"] == [{"period": "2024T1", "guidanceVisits": 7, "trainingsDelivered": 2}]
    # And a malformed period argument is refused, not silently empty
    bad = await api.gql(ACTIVITY, {"id": centre["id"], "periods": ["2024Q1"]}, as_=county)
    assert (bad["data"]["node"], bad["errors"][0]["extensions"]["code"]) == (None, "PERIOD_FORMAT")


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"period": None}, "period", "REQUIRED"),
        ({"period": "2024Q1"}, "period", "PERIOD_FORMAT"),
        ({"period": "2100"}, "period", "PERIOD_IN_FUTURE"),
        ({"guidanceVisits": None}, "guidanceVisits", "REQUIRED"),
        ({"guidanceVisits": -1}, "guidanceVisits", "NEGATIVE"),
        ({"guidanceVisits": 100_001}, "guidanceVisits", "TOO_LARGE"),
        ({"trainingsDelivered": None}, "trainingsDelivered", "REQUIRED"),
        ({"trainingsDelivered": -2}, "trainingsDelivered", "NEGATIVE"),
        ({"trainingsDelivered": 100_001}, "trainingsDelivered", "TOO_LARGE"),
        ({"centreId": "nope"}, "centreId", "ID_MALFORMED"),
    ],
)
async def test_bad_activity_is_refused_and_nothing_written(api, system_session, change, field, code) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    centre = await create(api, county)
    good = {"centreId": centre["id"], "period": "2024", "guidanceVisits": 4, "trainingsDelivered": 2}
    body = await api.gql(RECORD, {"input": {**good, **change}}, as_=county)
    payload = body["data"]["centreActivityRecord"]
    assert payload["activity"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], code)]
    assert await count(system_session, CentreActivity) == 0


async def test_node_by_id_and_not_across_counties(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    mine, theirs = tree.counties
    centre = await create(api, mine)
    body = await api.gql(NODE, {"id": centre["id"]}, as_=mine)
    assert body["data"]["node"] == {"__typename": "CounsellingCentre", "id": centre["id"], "name": centre["name"], "tenant": {"code": mine.code}}
    assert (await api.gql(NODE, {"id": centre["id"]}, as_=tree.city))["data"]["node"]["id"] == centre["id"]
    assert (await api.gql(NODE, {"id": centre["id"]}, as_=theirs))["data"]["node"] is None
