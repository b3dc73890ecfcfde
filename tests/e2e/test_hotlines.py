"""Hotlines over HTTP: create, update, read, per-period call counts, node(id:), and every bad input
refused with nothing written."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from runxin.graphql.ids import encode_id
from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from tests.factories.tree import make_tree

HOTLINE = "id number alwaysOpen schedule status tenant { code }"
CREATE = f"""
mutation ($input: HotlineCreateInput!) {{
  hotlineCreate(input: $input) {{ hotline {{ {HOTLINE} }} userErrors {{ field code message }} }}
}}
"""
UPDATE = f"""
mutation ($input: HotlineUpdateInput!) {{
  hotlineUpdate(input: $input) {{ hotline {{ {HOTLINE} }} userErrors {{ field code message }} }}
}}
"""
RECORD = """
mutation ($input: HotlineCallCountsRecordInput!) {
  hotlineCallCountsRecord(input: $input) {
    callCounts { period calls crisisCalls referrals }
    userErrors { field code message }
  }
}
"""
LIST = """
query ($code: String!, $scope: RecordScope, $periods: [String!]) {
  tenant(code: $code) {
    hotlines(first: 10, scope: $scope) {
      nodes { number tenant { code } callCounts(periods: $periods) { period calls crisisCalls referrals } }
    }
  }
}
"""
NODE = "query ($id: ID!) { node(id: $id) { __typename id ... on Hotline { number tenant { code } } } }"


def valid_input(owner) -> dict:  # type: ignore[no-untyped-def]
    return {
        "tenantId": encode_id("Tenant", owner.id),
        "number": "0797-8123456",
        "alwaysOpen": False,
        "schedule": "Mon-Fri 08:00-22:00",
        "status": "ACTIVE",
    }


async def count(system_session, model) -> int:  # type: ignore[no-untyped-def]
    return (await system_session.execute(select(func.count()).select_from(model))).scalar_one()


async def create(api, owner, as_=None, **change) -> dict:  # type: ignore[no-untyped-def]
    body = await api.gql(CREATE, {"input": {**valid_input(owner), **change}}, as_=as_ or owner)
    assert body["data"]["hotlineCreate"]["userErrors"] == []
    return body["data"]["hotlineCreate"]["hotline"]


async def test_county_and_school_create_and_the_county_reads_its_subtree(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a city with two counties
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    # When the county and one of its schools record their hotlines (spaces in the number are dropped)
    mine = await create(api, county, number=" 0797 8123456 ")
    await create(api, school, number="12355", alwaysOpen=True, schedule="")
    # Then the number is stored as dialled
    assert (mine["number"], mine["status"], mine["tenant"]["code"]) == ("07978123456", "ACTIVE", county.code)
    # And the county sees its own, and both in its subtree
    own = await api.gql(LIST, {"code": county.code, "scope": "OWN"}, as_=county)
    subtree = await api.gql(LIST, {"code": county.code, "scope": "SUBTREE"}, as_=county)
    assert [n["number"] for n in own["data"]["tenant"]["hotlines"]["nodes"]] == ["07978123456"]
    assert sorted(n["tenant"]["code"] for n in subtree["data"]["tenant"]["hotlines"]["nodes"]) == sorted([county.code, school.code])
    # And the other county sees nothing of them
    other = await api.gql(LIST, {"code": tree.counties[1].code, "scope": "SUBTREE"}, as_=tree.counties[1])
    assert other["data"]["tenant"]["hotlines"]["nodes"] == []


async def test_update_changes_only_given_fields_and_bad_update_keeps_record(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    hotline = await create(api, county)
    good = await api.gql(UPDATE, {"input": {"id": hotline["id"], "alwaysOpen": True, "schedule": ""}}, as_=county)
    updated = good["data"]["hotlineUpdate"]["hotline"]
    assert (updated["alwaysOpen"], updated["schedule"], updated["number"]) == (True, "", hotline["number"])
    # Going back to a schedule without giving one is refused and changes nothing
    bad = await api.gql(UPDATE, {"input": {"id": hotline["id"], "alwaysOpen": False, "number": "12356"}}, as_=county)
    assert [(e["field"], e["code"]) for e in bad["data"]["hotlineUpdate"]["userErrors"]] == [(["input", "schedule"], "SCHEDULE_REQUIRED")]
    stored = (await system_session.execute(select(Hotline.number, Hotline.always_open))).one()
    assert tuple(stored) == ("0797-8123456", True)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"number": None}, "number", "REQUIRED"),
        ({"number": "8123456"}, "number", "PHONE_FORMAT"),
        ({"number": "010-12345678"}, "number", "PHONE_FORMAT"),
        ({"schedule": "时" * 201}, "schedule", "TOO_LONG"),
        ({"schedule": "  "}, "schedule", "SCHEDULE_REQUIRED"),
        ({"alwaysOpen": None}, "alwaysOpen", "REQUIRED"),
        ({"status": None}, "status", "REQUIRED"),
        ({"tenantId": "not-an-id"}, "tenantId", "ID_MALFORMED"),
        ({"tenantId": encode_id("Hotline", uuid.uuid4())}, "tenantId", "ID_WRONG_TYPE"),
    ],
)
async def test_bad_input_is_refused_and_nothing_written(api, system_session, change, field, code) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    body = await api.gql(CREATE, {"input": {**valid_input(school), **change}}, as_=school)
    payload = body["data"]["hotlineCreate"]
    assert payload["hotline"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], code)]
    assert payload["userErrors"][0]["message"]
    assert await count(system_session, Hotline) == 0


async def test_a_city_cannot_own_a_hotline(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    body = await api.gql(CREATE, {"input": valid_input(tree.city)}, as_=tree.city)
    assert [(e["field"], e["code"]) for e in body["data"]["hotlineCreate"]["userErrors"]] == [(["input", "tenantId"], "TENANT_KIND")]
    assert await count(system_session, Hotline) == 0


async def test_another_countys_hotline_is_not_found(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    mine, theirs = tree.counties
    foreign_school = tree.schools[theirs.code][0]
    body = await api.gql(CREATE, {"input": valid_input(foreign_school)}, as_=mine)
    assert [(e["field"], e["code"]) for e in body["data"]["hotlineCreate"]["userErrors"]] == [(["input", "tenantId"], "NOT_FOUND")]
    assert await count(system_session, Hotline) == 0
    foreign = await create(api, theirs)
    update = await api.gql(UPDATE, {"input": {"id": foreign["id"], "number": "12356"}}, as_=mine)
    assert [(e["field"], e["code"]) for e in update["data"]["hotlineUpdate"]["userErrors"]] == [(["input", "id"], "NOT_FOUND")]
    record = await api.gql(
        RECORD, {"input": {"hotlineId": foreign["id"], "period": "2024", "calls": 3, "crisisCalls": 0, "referrals": 0}}, as_=mine
    )
    assert [(e["field"], e["code"]) for e in record["data"]["hotlineCallCountsRecord"]["userErrors"]] == [(["input", "hotlineId"], "NOT_FOUND")]
    assert await count(system_session, HotlineCallCount) == 0
    assert (await system_session.execute(select(Hotline.number))).scalar_one() == "0797-8123456"


async def test_call_counts_recorded_twice_keep_one_row_and_filter_by_period(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    hotline = await create(api, school)
    # When a school records March twice (the second time corrected) and April once
    for calls in (40, 42):
        body = await api.gql(
            RECORD, {"input": {"hotlineId": hotline["id"], "period": "202403", "calls": calls, "crisisCalls": 3, "referrals": 1}}, as_=school
        )
        assert body["data"]["hotlineCallCountsRecord"] == {
            "callCounts": {"period": "202403", "calls": calls, "crisisCalls": 3, "referrals": 1},
            "userErrors": [],
        }
    await api.gql(RECORD, {"input": {"hotlineId": hotline["id"], "period": "202404", "calls": 9, "crisisCalls": 0, "referrals": 0}}, as_=school)
    # Then March is one row with the corrected count
    assert await count(system_session, HotlineCallCount) == 2
    listed = await api.gql(LIST, {"code": school.code}, as_=school)
    assert listed["data"]["tenant"]["hotlines"]["nodes"][0]["callCounts"] == [
        {"period": "202403", "calls": 42, "crisisCalls": 3, "referrals": 1},
        {"period": "202404", "calls": 9, "crisisCalls": 0, "referrals": 0},
    ]
    # And the county above reads them through its subtree, filtered by period
    county = tree.counties[0]
    only = await api.gql(LIST, {"code": county.code, "scope": "SUBTREE", "periods": ["202404"]}, as_=county)
    assert only["data"]["tenant"]["hotlines"]["nodes"][0]["callCounts"] == [{"period": "202404", "calls": 9, "crisisCalls": 0, "referrals": 0}]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"period": None}, "period", "REQUIRED"),
        ({"period": "202413"}, "period", "PERIOD_FORMAT"),
        ({"period": "2100"}, "period", "PERIOD_IN_FUTURE"),
        ({"calls": None}, "calls", "REQUIRED"),
        ({"calls": -1}, "calls", "NEGATIVE"),
        ({"calls": 1_000_001}, "calls", "TOO_LARGE"),
        ({"crisisCalls": None}, "crisisCalls", "REQUIRED"),
        ({"crisisCalls": -1}, "crisisCalls", "NEGATIVE"),
        ({"crisisCalls": 11}, "crisisCalls", "COUNT_EXCEEDS_CALLS"),
        ({"referrals": None}, "referrals", "REQUIRED"),
        ({"referrals": -1}, "referrals", "NEGATIVE"),
        ({"referrals": 11}, "referrals", "COUNT_EXCEEDS_CALLS"),
        ({"hotlineId": encode_id("Tenant", uuid.uuid4())}, "hotlineId", "ID_WRONG_TYPE"),
        ({"hotlineId": encode_id("Hotline", uuid.uuid4())}, "hotlineId", "NOT_FOUND"),
    ],
)
async def test_bad_call_counts_are_refused_and_nothing_written(api, system_session, change, field, code) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    hotline = await create(api, county)
    good = {"hotlineId": hotline["id"], "period": "2024T1", "calls": 10, "crisisCalls": 2, "referrals": 1}
    body = await api.gql(RECORD, {"input": {**good, **change}}, as_=county)
    payload = body["data"]["hotlineCallCountsRecord"]
    assert payload["callCounts"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], code)]
    assert await count(system_session, HotlineCallCount) == 0


async def test_node_by_id_and_not_across_counties(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    mine, theirs = tree.counties
    school = tree.schools[mine.code][0]
    hotline = await create(api, school)
    body = await api.gql(NODE, {"id": hotline["id"]}, as_=mine)
    assert body["data"]["node"] == {"__typename": "Hotline", "id": hotline["id"], "number": "0797-8123456", "tenant": {"code": school.code}}
    assert (await api.gql(NODE, {"id": hotline["id"]}, as_=theirs))["data"]["node"] is None
    assert (await api.gql(NODE, {"id": hotline["id"]}, as_=tree.schools[mine.code][0]))["data"]["node"]["id"] == hotline["id"]
