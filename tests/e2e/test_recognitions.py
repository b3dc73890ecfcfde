"""Model-school recognitions over HTTP: who records which level, bad input refused with nothing
written, withdrawal, the derived profile level, the share of model schools, and API scopes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from runxin.graphql.ids import encode_id
from runxin.platform.recognitions.models import ModelSchoolRecognition
from runxin.platform.schools.models import SchoolProfile
from tests.factories.tree import make_tree

FIELDS = "id level title recognisedOn awardedBy certificateNo validUntil revokedOn inForce tenant { code }"
CREATE = f"""
mutation ($input: ModelSchoolRecognitionCreateInput!) {{
  modelSchoolRecognitionCreate(input: $input) {{ modelSchoolRecognition {{ {FIELDS} }} userErrors {{ field code message }} }}
}}
"""
UPDATE = f"""
mutation ($input: ModelSchoolRecognitionUpdateInput!) {{
  modelSchoolRecognitionUpdate(input: $input) {{ modelSchoolRecognition {{ {FIELDS} }} userErrors {{ field code message }} }}
}}
"""
REVOKE = f"""
mutation ($input: ModelSchoolRecognitionRevokeInput!) {{
  modelSchoolRecognitionRevoke(input: $input) {{ modelSchoolRecognition {{ {FIELDS} }} userErrors {{ field code message }} }}
}}
"""
READ = """
query ($code: String!, $scope: RecordScope!) {
  tenant(code: $code) {
    modelSchoolRecognitions(first: 20, scope: $scope) { nodes { level tenant { code } } }
    schoolProfile { modelSchoolLevel }
  }
}
"""
SHARE = """
query ($code: String!, $year: Int) {
  tenant(code: $code) { indicators(codes: ["MODEL_SCHOOL_SHARE"], year: $year) { numerator denominator unitsTotal state } }
}
"""
TODAY = dt.date.today()


def tid(tenant) -> str:  # type: ignore[no-untyped-def]
    return encode_id("Tenant", tenant.id)


def values(school, **changes) -> dict:  # type: ignore[no-untyped-def]
    return {
        "tenantId": tid(school), "level": "COUNTY", "title": "县级心理健康教育特色学校", "recognisedOn": "2024-06-01",
        "awardedBy": "测试县教育局", "certificateNo": "2024-07", **changes,
    }  # fmt: skip


async def rows(system_session) -> int:  # type: ignore[no-untyped-def]
    await system_session.commit()  # a fresh snapshot for the count
    return (await system_session.execute(select(func.count()).select_from(ModelSchoolRecognition))).scalar_one()


async def create(api, who, school, **changes) -> dict:  # type: ignore[no-untyped-def]
    return (await api.gql(CREATE, {"input": values(school, **changes)}, as_=who))["data"]["modelSchoolRecognitionCreate"]


@pytest.fixture
async def tree(system_session):  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    system_session.add_all([SchoolProfile(tenant_id=s.id, category="21") for s in tree.all_schools()])
    await system_session.commit()
    return tree


@pytest.mark.parametrize(
    ("writer", "level", "code"),
    [
        ("county", "COUNTY", None),
        ("county", "CITY", "LEVEL_ABOVE_WRITER"),
        ("county", "NATIONAL", "LEVEL_ABOVE_WRITER"),
        ("city", "COUNTY", None),
        ("city", "CITY", None),
        ("city", "PROVINCE", None),  # the city is the top of its tree: it enters the higher titles
        ("city", "NATIONAL", None),
        ("school", "COUNTY", "RECORDED_BY_BUREAU"),
        ("other county", "COUNTY", None),  # not found: the school is outside its subtree
    ],
)
async def test_who_may_record_which_level(api, system_session, tree, writer: str, level: str, code: str | None) -> None:  # type: ignore[no-untyped-def]
    a, b = tree.counties
    school = tree.schools[a.code][0]
    who = {"county": a, "city": tree.city, "school": school, "other county": b}[writer]
    # When the writer records a recognition of the level for the school
    payload = await create(api, who, school, level=level)
    # Then it is recorded, or refused with a reason and nothing written
    if writer == "other county":
        assert payload["modelSchoolRecognition"] is None and [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
        assert await rows(system_session) == 0
    elif code is None:
        assert payload["userErrors"] == []
        node = payload["modelSchoolRecognition"]
        assert (node["level"], node["tenant"]["code"], node["inForce"], node["revokedOn"]) == (level, school.code, True, None)
        assert await rows(system_session) == 1
    else:
        assert payload["modelSchoolRecognition"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", "level"], code)]
        assert payload["userErrors"][0]["message"].strip()
        assert await rows(system_session) == 0


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"title": ""}, "title", "REQUIRED"),
        ({"awardedBy": "x" * 201}, "awardedBy", "TOO_LONG"),
        ({"certificateNo": ""}, "certificateNo", "REQUIRED"),
        ({"recognisedOn": (TODAY + dt.timedelta(days=3)).isoformat()}, "recognisedOn", "DATE_IN_FUTURE"),
        ({"validUntil": "2024-05-31"}, "validUntil", "DATE_ORDER"),
        ({"tenantId": "not-an-id"}, "tenantId", "ID_MALFORMED"),
    ],
)
async def test_bad_input_is_refused_and_nothing_written(api, system_session, tree, change, field, code) -> None:  # type: ignore[no-untyped-def]
    payload = await create(api, tree.counties[0], tree.schools[tree.counties[0].code][0], **change)
    assert payload["modelSchoolRecognition"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], code)], payload
    assert await rows(system_session) == 0


async def test_a_recognition_of_a_bureau_is_refused(api, system_session, tree) -> None:  # type: ignore[no-untyped-def]
    payload = await create(api, tree.city, tree.counties[0])
    assert [e["code"] for e in payload["userErrors"]] == ["TENANT_KIND"]
    assert await rows(system_session) == 0


async def test_update_and_revoke_need_the_right_to_the_level_and_revoke_once(api, system_session, tree) -> None:  # type: ignore[no-untyped-def]
    a = tree.counties[0]
    school = tree.schools[a.code][0]
    city_title = (await create(api, tree.city, school, level="CITY", title="市级特色学校"))["modelSchoolRecognition"]
    # When the county tries to change or withdraw the city's title
    changed = (await api.gql(UPDATE, {"input": {"id": city_title["id"], "title": "改"}}, as_=a))["data"]["modelSchoolRecognitionUpdate"]
    revoked = (await api.gql(REVOKE, {"input": {"id": city_title["id"], "revokedOn": "2025-01-01"}}, as_=a))["data"]
    # Then both are refused
    assert [e["code"] for e in changed["userErrors"]] == ["LEVEL_ABOVE_WRITER"]
    assert [e["code"] for e in revoked["modelSchoolRecognitionRevoke"]["userErrors"]] == ["LEVEL_ABOVE_WRITER"]
    # And a county title cannot be raised by the county to city level
    county_title = (await create(api, a, school))["modelSchoolRecognition"]
    raised = (await api.gql(UPDATE, {"input": {"id": county_title["id"], "level": "CITY"}}, as_=a))["data"]
    assert [e["code"] for e in raised["modelSchoolRecognitionUpdate"]["userErrors"]] == ["LEVEL_ABOVE_WRITER"]
    # When the city changes its title, only the fields given change
    body = await api.gql(UPDATE, {"input": {"id": city_title["id"], "validUntil": "2029-12-31"}}, as_=tree.city)
    node = body["data"]["modelSchoolRecognitionUpdate"]["modelSchoolRecognition"]
    assert (node["title"], node["validUntil"], node["level"]) == ("市级特色学校", "2029-12-31", "CITY")
    # The profile shows the highest level in force
    read = await api.gql(READ, {"code": school.code, "scope": "OWN"}, as_=school)
    assert read["data"]["tenant"]["schoolProfile"]["modelSchoolLevel"] == "CITY"
    # When the city withdraws it
    body = await api.gql(REVOKE, {"input": {"id": city_title["id"], "revokedOn": "2025-03-01"}}, as_=tree.city)
    node = body["data"]["modelSchoolRecognitionRevoke"]["modelSchoolRecognition"]
    assert (node["revokedOn"], node["inForce"]) == ("2025-03-01", False)
    # Then the profile falls back to the county title, and the row stays on record
    read = await api.gql(READ, {"code": school.code, "scope": "OWN"}, as_=school)
    assert read["data"]["tenant"]["schoolProfile"]["modelSchoolLevel"] == "COUNTY"
    assert sorted(n["level"] for n in read["data"]["tenant"]["modelSchoolRecognitions"]["nodes"]) == ["CITY", "COUNTY"]
    # And a second withdrawal, or a revocation date through update, is refused
    again = (await api.gql(REVOKE, {"input": {"id": city_title["id"], "revokedOn": "2025-04-01"}}, as_=tree.city))["data"]
    assert [e["code"] for e in again["modelSchoolRecognitionRevoke"]["userErrors"]] == ["ALREADY_REVOKED"]


async def test_each_level_reads_the_recognitions_it_may_see(api, system_session, tree) -> None:  # type: ignore[no-untyped-def]
    a, b = tree.counties
    school = tree.schools[a.code][0]
    await create(api, a, school)
    await create(api, tree.city, tree.schools[b.code][0], level="PROVINCE")
    # The school reads its own; its county its subtree's; the other county nothing of A's
    own = await api.gql(READ, {"code": school.code, "scope": "OWN"}, as_=school)
    assert [n["level"] for n in own["data"]["tenant"]["modelSchoolRecognitions"]["nodes"]] == ["COUNTY"]
    county = await api.gql(READ, {"code": a.code, "scope": "SUBTREE"}, as_=a)
    assert [n["tenant"]["code"] for n in county["data"]["tenant"]["modelSchoolRecognitions"]["nodes"]] == [school.code]
    city = await api.gql(READ, {"code": tree.city.code, "scope": "SUBTREE"}, as_=tree.city)
    assert len(city["data"]["tenant"]["modelSchoolRecognitions"]["nodes"]) == 2
    other = await api.gql(READ, {"code": school.code, "scope": "OWN"}, as_=b)
    assert other["data"]["tenant"] is None


async def test_the_share_counts_city_level_and_above_in_force_at_the_years_end(api, system_session, tree) -> None:  # type: ignore[no-untyped-def]
    s1, s2 = tree.schools[tree.counties[0].code]
    s3, _ = tree.schools[tree.counties[1].code]
    # s1: a city title; s2: a county title only; s3: a provincial title that lapsed in 2024
    await create(api, tree.city, s1, level="CITY", recognisedOn="2023-05-01")
    await create(api, tree.counties[0], s2)
    await create(api, tree.city, s3, level="PROVINCE", recognisedOn="2022-05-01", validUntil="2024-12-31")
    share = await api.gql(SHARE, {"code": tree.city.code, "year": 2024}, as_=tree.city)
    assert share["data"]["tenant"]["indicators"] == [{"numerator": 2.0, "denominator": 4.0, "unitsTotal": 4, "state": "REPORTED"}]
    share = await api.gql(SHARE, {"code": tree.city.code, "year": 2025}, as_=tree.city)
    assert share["data"]["tenant"]["indicators"][0]["numerator"] == 1.0


async def test_a_client_needs_the_recognitions_scope(api, system_session, tree) -> None:  # type: ignore[no-untyped-def]
    school = tree.schools[tree.counties[0].code][0]
    token = api.tokens.issue(
        subject="rx_client", tenant_id=tree.city.id, roles=[], client_id="rx_client", scopes=["tenants:read", "schools:write"]
    )
    refused = (await api.post(CREATE, {"input": values(school, level="CITY")}, token=token)).json()
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["PERMISSION_DENIED"]
    assert "recognitions:write" in refused["errors"][0]["message"] and await rows(system_session) == 0
    token = api.tokens.issue(
        subject="rx_client", tenant_id=tree.city.id, roles=[], client_id="rx_client", scopes=["tenants:read", "recognitions:write"]
    )
    done = (await api.gql(CREATE, {"input": values(school, level="CITY")}, token=token))["data"]["modelSchoolRecognitionCreate"]
    assert done["userErrors"] == [] and await rows(system_session) == 1
