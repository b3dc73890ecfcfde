"""School profiles and enrolment over HTTP: upsert, read, batching, and every bad input refused
with nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from runxin.graphql.ids import encode_id
from runxin.platform.schools.models import SchoolEnrolment, SchoolProfile
from tests.e2e.counting import StatementCounter, warm_up
from tests.factories.tree import make_tree

PROFILE = """
id category categoryLabel stages centralRank smallScale vocational independent modelSchoolLevel
clusterCentre { code } tenant { code }
"""
UPDATE = f"""
mutation ($input: SchoolProfileUpdateInput!) {{
  schoolProfileUpdate(input: $input) {{ schoolProfile {{ {PROFILE} }} userErrors {{ field code message }} }}
}}
"""
ENROL = """
mutation ($input: EnrolmentRecordInput!) {
  enrolmentRecord(input: $input) { enrolment { id schoolYear students tenant { code } } userErrors { field code message } }
}
"""
READ = f"""
query ($code: String!) {{
  tenant(code: $code) {{ schoolProfile {{ {PROFILE} }} y2025: enrolment(schoolYear: 2025) y2024: enrolment(schoolYear: 2024) }}
}}
"""
CHILDREN = """
query ($code: String!) {
  tenant(code: $code) {
    children(first: 20) { nodes { code schoolProfile { category stages } enrolment(schoolYear: 2025) } }
  }
}
"""


def tid(tenant) -> str:  # type: ignore[no-untyped-def]
    return encode_id("Tenant", tenant.id)


async def count(system_session, model) -> int:  # type: ignore[no-untyped-def]
    await system_session.commit()  # a fresh snapshot: SQLite (WAL) keeps the one of the first read
    return (await system_session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_a_school_creates_then_changes_its_profile(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a primary school (category 21) with no profile
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    # When it records its profile
    body = await api.gql(
        UPDATE, {"input": {"tenantId": tid(school), "stages": ["PRIMARY", "JUNIOR"], "centralRank": True}}, as_=school
    )
    payload = body["data"]["schoolProfileUpdate"]
    # Then the category comes from the code, with its label, and the defaults hold
    assert payload["userErrors"] == []
    created = payload["schoolProfile"]
    assert created["category"] == "21" and created["categoryLabel"] == "primary"
    assert created["stages"] == ["PRIMARY", "JUNIOR"]
    assert (created["centralRank"], created["smallScale"], created["vocational"], created["independent"]) == (True, False, False, True)
    assert created["modelSchoolLevel"] == "NONE" and created["clusterCentre"] is None
    assert created["tenant"]["code"] == school.code
    # When it tries to set its model-school level itself (the field is deprecated: recognitions give it)
    body = await api.gql(UPDATE, {"input": {"tenantId": tid(school), "modelSchoolLevel": "CITY"}}, as_=school)
    # Then it is told where the level comes from, and nothing changed
    refused = body["data"]["schoolProfileUpdate"]
    assert refused["schoolProfile"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["input", "modelSchoolLevel"], "READ_ONLY")]
    assert "modelSchoolRecognitionCreate" in refused["userErrors"][0]["message"]
    # When it changes only its rank
    body = await api.gql(UPDATE, {"input": {"tenantId": tid(school), "centralRank": False}}, as_=school)
    changed = body["data"]["schoolProfileUpdate"]["schoolProfile"]
    # Then the same profile changed and the rest stayed
    assert changed["id"] == created["id"]
    assert changed["modelSchoolLevel"] == "NONE" and changed["stages"] == ["PRIMARY", "JUNIOR"] and changed["centralRank"] is False
    assert await count(system_session, SchoolProfile) == 1
    # And the county reads it on the Tenant, and by id
    read = await api.gql(READ, {"code": school.code}, as_=tree.counties[0])
    assert read["data"]["tenant"]["schoolProfile"]["centralRank"] is False
    node = await api.gql(
        "query ($id: ID!) { node(id: $id) { __typename ... on SchoolProfile { category } } }", {"id": created["id"]}, as_=tree.city
    )
    assert node["data"]["node"] == {"__typename": "SchoolProfile", "category": "21"}


async def test_a_vocational_school_is_vocational_by_default(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1, category="36")
    school = tree.all_schools()[0]
    body = await api.gql(UPDATE, {"input": {"tenantId": tid(school)}}, as_=school)
    profile = body["data"]["schoolProfileUpdate"]["schoolProfile"]
    assert (profile["category"], profile["categoryLabel"], profile["vocational"]) == ("36", "secondary vocational", True)


async def test_cluster_centre_is_a_school_of_the_same_county(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given two schools of one county and one of another
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    small, centre = tree.schools[tree.counties[0].code]
    foreign = tree.schools[tree.counties[1].code][0]
    # When the small school names its county's other school as its cluster centre
    body = await api.gql(
        UPDATE, {"input": {"tenantId": tid(small), "smallScale": True, "clusterCentreId": tid(centre)}}, as_=small
    )
    assert body["data"]["schoolProfileUpdate"]["userErrors"] == []
    # Then the county sees the centre school, while the small school cannot see its sibling
    as_county = await api.gql(READ, {"code": small.code}, as_=tree.counties[0])
    assert as_county["data"]["tenant"]["schoolProfile"]["clusterCentre"] == {"code": centre.code}
    as_school = await api.gql(READ, {"code": small.code}, as_=small)
    assert as_school["data"]["tenant"]["schoolProfile"]["clusterCentre"] is None
    # And a school of another county is refused, keeping the old centre
    body = await api.gql(UPDATE, {"input": {"tenantId": tid(small), "clusterCentreId": tid(foreign)}}, as_=tree.city)
    errors = body["data"]["schoolProfileUpdate"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["input", "clusterCentreId"], "CLUSTER_CENTRE_INVALID")]
    await system_session.commit()
    stored = (await system_session.execute(select(SchoolProfile.cluster_centre_id))).scalar_one()
    assert stored == centre.id
    # And null clears it
    body = await api.gql(UPDATE, {"input": {"tenantId": tid(small), "clusterCentreId": None}}, as_=small)
    assert body["data"]["schoolProfileUpdate"]["schoolProfile"]["clusterCentre"] is None


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"category": "31"}, "category", "CATEGORY_MISMATCH"),
        ({"stages": ["PRIMARY", "PRIMARY"]}, "stages", "DUPLICATE_CODE"),
        ({"clusterCentreId": "SELF"}, "clusterCentreId", "CLUSTER_CENTRE_INVALID"),
        ({"clusterCentreId": "not-an-id"}, "clusterCentreId", "ID_MALFORMED"),
        ({"clusterCentreId": encode_id("Station", __import__("uuid").uuid4())}, "clusterCentreId", "ID_WRONG_TYPE"),
        ({"centralRank": None}, "centralRank", "REQUIRED"),
        ({"tenantId": "COUNTY"}, "tenantId", "TENANT_KIND"),
        ({"tenantId": "OTHER_COUNTY_SCHOOL"}, "tenantId", "NOT_FOUND"),
    ],
)
async def test_bad_profile_is_refused_and_nothing_written(api, system_session, change, field, code) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    stand_ins = {"SELF": tid(school), "COUNTY": tid(county), "OTHER_COUNTY_SCHOOL": tid(tree.schools[tree.counties[1].code][0])}
    change = {k: stand_ins.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    body = await api.gql(UPDATE, {"input": {"tenantId": tid(school), "stages": ["PRIMARY"], **change}}, as_=county)
    payload = body["data"]["schoolProfileUpdate"]
    assert payload["schoolProfile"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], code)]
    assert payload["userErrors"][0]["message"]
    assert await count(system_session, SchoolProfile) == 0


async def test_enrolment_is_recorded_per_school_year(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    # When the school records 2025, and then corrects it
    first = await api.gql(ENROL, {"input": {"tenantId": tid(school), "schoolYear": 2025, "students": 1200}}, as_=school)
    assert first["data"]["enrolmentRecord"]["enrolment"]["students"] == 1200
    second = await api.gql(ENROL, {"input": {"tenantId": tid(school), "schoolYear": 2025, "students": 1250}}, as_=school)
    # Then the same record holds the new figure, and another year reads as not reported
    assert second["data"]["enrolmentRecord"]["enrolment"]["id"] == first["data"]["enrolmentRecord"]["enrolment"]["id"]
    read = await api.gql(READ, {"code": school.code}, as_=tree.counties[0])
    assert (read["data"]["tenant"]["y2025"], read["data"]["tenant"]["y2024"]) == (1250, None)
    assert await count(system_session, SchoolEnrolment) == 1


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"students": -1}, "students", "NEGATIVE"),
        ({"students": 20001}, "students", "TOO_LARGE"),
        ({"schoolYear": 1999}, "schoolYear", "TOO_SMALL"),
        ({"schoolYear": 2999}, "schoolYear", "TOO_LARGE"),
        ({"tenantId": "COUNTY"}, "tenantId", "TENANT_KIND"),
        ({"tenantId": "x"}, "tenantId", "ID_MALFORMED"),
    ],
)
async def test_bad_enrolment_is_refused_and_nothing_written(api, system_session, change, field, code) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    school = tree.all_schools()[0]
    change = {k: tid(county) if v == "COUNTY" else v for k, v in change.items()}
    body = await api.gql(ENROL, {"input": {"tenantId": tid(school), "schoolYear": 2025, "students": 900, **change}}, as_=county)
    payload = body["data"]["enrolmentRecord"]
    assert payload["enrolment"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], code)]
    assert await count(system_session, SchoolEnrolment) == 0


async def statements_for_children(api, county) -> tuple[int, list]:  # type: ignore[no-untyped-def]
    await warm_up(api, county)
    with StatementCounter(api) as counter:
        body = await api.gql(CHILDREN, {"code": county.code}, as_=county)
    assert "errors" not in body, body
    return counter.count, body["data"]["tenant"]["children"]["nodes"]


async def test_profiles_and_enrolment_of_a_page_of_schools_take_one_statement_each(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a county of 2 schools and one of 6, each school with a profile and enrolment
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    wide = await make_tree(system_session, city_code="360800", counties=1, schools_per_county=6)
    for school in [*tree.all_schools(), *wide.all_schools()]:
        system_session.add_all(
            [
                SchoolProfile(tenant_id=school.id, category="21", stages="PRIMARY"),
                SchoolEnrolment(tenant_id=school.id, school_year=2025, students=100),
            ]
        )
    await system_session.commit()
    # When each county lists its schools with their profiles and enrolment
    few, few_nodes = await statements_for_children(api, tree.counties[0])
    many, many_nodes = await statements_for_children(api, wide.counties[0])
    # Then every school has both, and the statements do not grow with the schools:
    # the tenant, the page of children, the profiles, the enrolments
    assert len(many_nodes) == 6 and all(n["schoolProfile"]["stages"] == ["PRIMARY"] and n["enrolment"] == 100 for n in many_nodes)
    assert few == many == 4


async def test_viewer_cannot_write(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    response = await api.post(UPDATE, {"input": {"tenantId": tid(school)}}, as_=school, roles=("VIEWER",))
    assert response.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    response = await api.post(ENROL, {"input": {"tenantId": tid(school), "schoolYear": 2025, "students": 1}}, as_=school, roles=("VIEWER",))
    assert response.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert await count(system_session, SchoolProfile) == await count(system_session, SchoolEnrolment) == 0
