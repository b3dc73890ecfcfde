"""Staff over HTTP: create, update, read, personal data disclosed by role, staff counts over the
tree, node(id:), and every bad input refused with nothing written."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from runxin.graphql.ids import encode_id
from runxin.platform.staffing.models import Staff
from tests.factories.tree import make_tree

TODAY = dt.date.today()
STAFF = """
  id kind name gender birthDate phone qualifications strongTeacher employedSince active
  personalDataMasked maskReason tenant { code }
"""
CREATE = f"""
mutation ($input: StaffCreateInput!) {{
  staffCreate(input: $input) {{ staff {{ {STAFF} }} userErrors {{ field code message }} }}
}}
"""
UPDATE = f"""
mutation ($input: StaffUpdateInput!) {{
  staffUpdate(input: $input) {{ staff {{ {STAFF} }} userErrors {{ field code message }} }}
}}
"""
LIST = f"""
query ($code: String!, $scope: RecordScope, $kind: StaffKind) {{
  tenant(code: $code) {{ staff(first: 20, scope: $scope, kind: $kind) {{ nodes {{ {STAFF} }} }} }}
}}
"""
NODE = f"query ($id: ID!) {{ node(id: $id) {{ __typename ... on Staff {{ {STAFF} }} }} }}"
COUNTS = "fullTime partTime hiredCounsellors homeroomTeachers total"


def valid_input(owner, **change) -> dict:  # type: ignore[no-untyped-def]
    return {
        "tenantId": encode_id("Tenant", owner.id),
        "kind": "FULL_TIME",
        "name": "张三丰",
        "gender": "FEMALE",
        "birthDate": "1988-04-02",
        "phone": "138 1234 5678",
        "qualifications": ["psy_degree", "TEACHER_CERT"],
        "strongTeacher": True,
        "employedSince": "2012-09-01",
        **change,
    }


async def count_staff(system_session) -> int:  # type: ignore[no-untyped-def]
    return (await system_session.execute(select(func.count()).select_from(Staff))).scalar_one()


async def create(api, owner, as_=None, **change) -> dict:  # type: ignore[no-untyped-def]
    body = await api.gql(CREATE, {"input": valid_input(owner, **change)}, as_=as_ or owner)
    assert body["data"]["staffCreate"]["userErrors"] == []
    return body["data"]["staffCreate"]["staff"]


async def test_school_creates_and_reads_its_staff_in_full(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    staff = await create(api, school)
    # The phone is stored without spaces and the qualifications in canonical form
    assert {k: v for k, v in staff.items() if k not in ("id", "maskReason")} == {
        "kind": "FULL_TIME",
        "name": "张三丰",
        "gender": "FEMALE",
        "birthDate": "1988-04-02",
        "phone": "13812345678",
        "qualifications": ["PSY_DEGREE", "TEACHER_CERT"],
        "strongTeacher": True,
        "employedSince": "2012-09-01",
        "active": True,
        "personalDataMasked": False,
        "tenant": {"code": school.code},
    }
    assert staff["maskReason"] is None
    assert (await system_session.execute(select(Staff.qualifications, Staff.phone))).one() == ("PSY_DEGREE,TEACHER_CERT", "13812345678")


async def test_update_changes_only_given_fields_and_bad_update_keeps_record(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    staff = await create(api, school)
    good = await api.gql(UPDATE, {"input": {"id": staff["id"], "qualifications": ["COUNSELLOR_CERT"], "phone": ""}}, as_=school)
    updated = good["data"]["staffUpdate"]["staff"]
    assert (updated["qualifications"], updated["phone"], updated["name"], updated["kind"]) == (["COUNSELLOR_CERT"], None, "张三丰", "FULL_TIME")
    # A homeroom teacher cannot stay the strong mental-health teacher: refused, nothing changes
    bad = await api.gql(UPDATE, {"input": {"id": staff["id"], "kind": "HOMEROOM", "name": "李四"}}, as_=school)
    assert [(e["field"], e["code"]) for e in bad["data"]["staffUpdate"]["userErrors"]] == [(["input", "strongTeacher"], "STRONG_TEACHER_KIND")]
    assert (await system_session.execute(select(Staff.kind, Staff.name))).one() == ("FULL_TIME", "张三丰")


async def test_defaults_apply_when_fields_are_left_out(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    body = await api.gql(CREATE, {"input": {"tenantId": encode_id("Tenant", school.id), "kind": "HOMEROOM", "name": "王五"}}, as_=school)
    staff = body["data"]["staffCreate"]["staff"]
    assert (staff["gender"], staff["phone"], staff["qualifications"], staff["strongTeacher"], staff["active"], staff["birthDate"]) == (
        "UNDISCLOSED", None, [], False, True, None
    )


def years_ago(years: int) -> str:
    return TODAY.replace(year=TODAY.year - years, day=min(TODAY.day, 28)).isoformat()


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"kind": None}, [("kind", "REQUIRED")]),
        ({"name": None}, [("name", "REQUIRED")]),
        ({"name": "  "}, [("name", "REQUIRED")]),
        ({"name": "张" * 101}, [("name", "TOO_LONG")]),
        ({"gender": None}, [("gender", "REQUIRED")]),
        ({"phone": "0797-8123456"}, [("phone", "PHONE_FORMAT")]),
        ({"phone": None}, [("phone", "REQUIRED")]),
        ({"qualifications": ["PSY_DEGREE", "PHD"]}, [("qualifications", "QUALIFICATION_UNKNOWN")]),
        ({"qualifications": ["PSY_DEGREE", "psy_degree"]}, [("qualifications", "DUPLICATE_CODE")]),
        ({"qualifications": ["PSY_DEGREE"] * 30}, [("qualifications", "TOO_LONG"), ("qualifications", "DUPLICATE_CODE")]),
        ({"qualifications": None}, [("qualifications", "REQUIRED")]),
        ({"birthDate": years_ago(16), "employedSince": None}, [("birthDate", "AGE_OUT_OF_RANGE")]),
        ({"birthDate": "1900-01-01"}, [("birthDate", "AGE_OUT_OF_RANGE")]),
        ({"employedSince": (TODAY + dt.timedelta(days=1)).isoformat()}, [("employedSince", "DATE_IN_FUTURE")]),
        ({"birthDate": "1990-01-01", "employedSince": "2005-09-01"}, [("employedSince", "EMPLOYED_UNDER_AGE")]),
        ({"kind": "HIRED_COUNSELLOR", "strongTeacher": True}, [("strongTeacher", "STRONG_TEACHER_KIND")]),
        ({"strongTeacher": None}, [("strongTeacher", "REQUIRED")]),
        ({"active": None}, [("active", "REQUIRED")]),
        ({"tenantId": "not-an-id"}, [("tenantId", "ID_MALFORMED")]),
        ({"tenantId": encode_id("Staff", uuid.uuid4())}, [("tenantId", "ID_WRONG_TYPE")]),
        ({"tenantId": encode_id("Tenant", uuid.uuid4())}, [("tenantId", "NOT_FOUND")]),
    ],
)
async def test_bad_input_is_refused_and_nothing_written(api, system_session, change, errors) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    body = await api.gql(CREATE, {"input": valid_input(school, **change)}, as_=school)
    payload = body["data"]["staffCreate"]
    assert payload["staff"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", f], c) for f, c in errors]
    assert all(e["message"] for e in payload["userErrors"])
    assert await count_staff(system_session) == 0


async def test_a_retired_person_may_stay_on_record_as_inactive(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    staff = await create(api, school, birthDate="1940-01-01", employedSince="1960-09-01", active=False)
    assert (staff["active"], staff["birthDate"]) == (False, "1940-01-01")


async def test_a_city_cannot_employ_staff(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    body = await api.gql(CREATE, {"input": valid_input(tree.city)}, as_=tree.city)
    assert [(e["field"], e["code"]) for e in body["data"]["staffCreate"]["userErrors"]] == [(["input", "tenantId"], "TENANT_KIND")]
    assert await count_staff(system_session) == 0


async def test_another_countys_staff_is_not_found(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    mine, theirs = tree.counties
    foreign_school = tree.schools[theirs.code][0]
    body = await api.gql(CREATE, {"input": valid_input(foreign_school)}, as_=mine)
    assert [(e["field"], e["code"]) for e in body["data"]["staffCreate"]["userErrors"]] == [(["input", "tenantId"], "NOT_FOUND")]
    assert await count_staff(system_session) == 0
    foreign = await create(api, foreign_school)
    update = await api.gql(UPDATE, {"input": {"id": foreign["id"], "name": "改名"}}, as_=mine)
    assert [(e["field"], e["code"]) for e in update["data"]["staffUpdate"]["userErrors"]] == [(["input", "id"], "NOT_FOUND")]
    assert (await system_session.execute(select(Staff.name))).scalar_one() == "张三丰"


def personal(node: dict) -> tuple:  # type: ignore[type-arg]
    return (node["name"], node["gender"], node["birthDate"], node["phone"], node["personalDataMasked"])


async def test_personal_data_is_disclosed_by_role(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a school's teacher and the county's own counsellor
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    school = tree.all_schools()[0]
    await create(api, school)
    await create(api, county, kind="HIRED_COUNSELLOR", name="欧阳娜娜", strongTeacher=False, phone="13900001111")
    full = ("张三丰", "FEMALE", "1988-04-02", "13812345678", False)
    masked = ("张**", None, None, None, True)

    async def seen(tenant, *roles: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
        body = await api.gql(LIST, {"code": county.code, "scope": "SUBTREE"}, as_=tenant, roles=roles)
        # the county's own record first, then the school's
        return sorted(body["data"]["tenant"]["staff"]["nodes"], key=lambda n: n["tenant"]["code"] != county.code)

    # A county ADMIN sees its schools' staff in full
    admin = await seen(county, "ADMIN")
    assert [personal(n) for n in admin] == [("欧阳娜娜", "FEMALE", "1988-04-02", "13900001111", False), full]
    # A county VIEWER and DATA_OFFICER see the school's teacher masked, with the reason ...
    for role in ("VIEWER", "DATA_OFFICER"):
        nodes = await seen(county, role)
        school_teacher = nodes[1]
        assert personal(school_teacher) == masked, role
        assert "ADMIN" in school_teacher["maskReason"]
        # ... but every institutional field in full
        assert (school_teacher["kind"], school_teacher["qualifications"], school_teacher["strongTeacher"]) == (
            "FULL_TIME", ["PSY_DEGREE", "TEACHER_CERT"], True
        )
        assert school_teacher["employedSince"] == "2012-09-01" and school_teacher["active"] is True
    # The county's DATA_OFFICER sees the county's own staff in full, its VIEWER does not
    assert personal((await seen(county, "DATA_OFFICER"))[0])[4] is False
    assert personal((await seen(county, "VIEWER"))[0]) == ("欧**", None, None, None, True)
    # A school DATA_OFFICER sees its own staff in full
    own = await api.gql(LIST, {"code": school.code}, as_=school, roles=("DATA_OFFICER",))
    assert [personal(n) for n in own["data"]["tenant"]["staff"]["nodes"]] == [full]


async def test_a_county_data_officer_writing_a_schools_staff_gets_the_masked_record_back(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county, school = tree.counties[0], tree.all_schools()[0]
    body = await api.gql(CREATE, {"input": valid_input(school)}, as_=county, roles=("DATA_OFFICER",))
    staff = body["data"]["staffCreate"]["staff"]
    assert personal(staff) == ("张**", None, None, None, True)
    assert (await system_session.execute(select(Staff.name))).scalar_one() == "张三丰"


async def test_staff_list_filters_by_kind(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    county = tree.counties[0]
    first, second = tree.all_schools()
    await create(api, first, name="甲")
    await create(api, second, name="乙", kind="PART_TIME")
    await create(api, second, name="丙", kind="HOMEROOM", strongTeacher=False)

    async def names(code: str, scope: str, kind: str | None) -> list[str]:
        body = await api.gql(LIST, {"code": code, "scope": scope, "kind": kind}, as_=county)
        return sorted(n["name"] for n in body["data"]["tenant"]["staff"]["nodes"])

    assert await names(county.code, "SUBTREE", None) == sorted(["甲", "乙", "丙"])
    assert await names(county.code, "SUBTREE", "PART_TIME") == ["乙"]
    assert await names(second.code, "OWN", "HOMEROOM") == ["丙"]
    assert await names(first.code, "OWN", "HOMEROOM") == []
    assert await names(county.code, "OWN", None) == []


async def add_staff(system_session, tenant, kinds: dict[str, int], *, active: bool = True) -> None:  # type: ignore[no-untyped-def]
    for kind, n in kinds.items():
        for i in range(n):
            system_session.add(Staff(tenant_id=tenant.id, root_id=tenant.root_id, kind=kind, name=f"员工{i}", active=active))
    await system_session.commit()


async def test_staff_counts_roll_up_the_tree(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given two counties of two schools each, with active and inactive staff
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    county_a, county_b = tree.counties
    s1, s2 = tree.schools[county_a.code]
    s3, s4 = tree.schools[county_b.code]
    await add_staff(system_session, s1, {"FULL_TIME": 2, "PART_TIME": 1, "HOMEROOM": 1})
    await add_staff(system_session, s1, {"FULL_TIME": 1}, active=False)
    await add_staff(system_session, s2, {"FULL_TIME": 1, "HOMEROOM": 3})
    await add_staff(system_session, county_a, {"HIRED_COUNSELLOR": 1})
    await add_staff(system_session, s3, {"PART_TIME": 1})
    query = f"""
    query ($code: String!) {{
      tenant(code: $code) {{ staffCounts {{ {COUNTS} }} }}
      tenants(under: $code, first: 100) {{ nodes {{ code staffCounts {{ {COUNTS} }} }} }}
    }}
    """
    # When the city asks for itself and everything under it (counties and schools in one list)
    body = await api.gql(query, {"code": tree.city.code}, as_=tree.city, roles=("VIEWER",))
    counts = {n["code"]: n["staffCounts"] for n in body["data"]["tenants"]["nodes"]}

    def c(ft: int, pt: int, hc: int, hr: int) -> dict[str, int]:
        return {"fullTime": ft, "partTime": pt, "hiredCounsellors": hc, "homeroomTeachers": hr, "total": ft + pt + hc + hr}

    # Then a school counts its own active staff, a county its schools and itself, the city all
    assert body["data"]["tenant"]["staffCounts"] == c(3, 2, 1, 4)
    assert counts == {
        county_a.code: c(3, 1, 1, 4),
        county_b.code: c(0, 1, 0, 0),
        s1.code: c(2, 1, 0, 1),
        s2.code: c(1, 0, 0, 3),
        s3.code: c(0, 1, 0, 0),
        s4.code: c(0, 0, 0, 0),
    }
    # And a county asking about the city above it is refused: its part of the tree is not the city's
    other = (await api.post(query, {"code": tree.city.code}, as_=county_b)).json()
    assert other["errors"][0]["extensions"]["code"] == "ANCESTOR_SUBTREE"


async def test_node_by_id_is_masked_like_lists_and_not_across_counties(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    mine, theirs = tree.counties
    school = tree.schools[mine.code][0]
    staff = await create(api, school)
    as_admin = await api.gql(NODE, {"id": staff["id"]}, as_=mine)
    assert as_admin["data"]["node"]["__typename"] == "Staff"
    assert personal(as_admin["data"]["node"]) == ("张三丰", "FEMALE", "1988-04-02", "13812345678", False)
    as_viewer = await api.gql(NODE, {"id": staff["id"]}, as_=mine, roles=("VIEWER",))
    assert personal(as_viewer["data"]["node"]) == ("张**", None, None, None, True)
    assert (await api.gql(NODE, {"id": staff["id"]}, as_=theirs))["data"]["node"] is None
