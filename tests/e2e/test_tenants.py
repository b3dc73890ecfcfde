"""The tenant tree over HTTP: tenantCreate with every code rule, tenantMove, and the tenants(...)
list with paging, filters and search, as each level sees it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from runxin.graphql.ids import encode_id
from runxin.platform.tree.models import Tenant, TenantKind, TenantParentLink
from runxin.platform.tree.services import create_tenant
from tests.factories.tree import make_tree

TENANT = "id code name kind depth parent { code }"
CREATE = f"""
mutation ($input: TenantCreateInput!) {{
  tenantCreate(input: $input) {{ tenant {{ {TENANT} }} userErrors {{ field code message }} }}
}}
"""
MOVE = f"""
mutation ($input: TenantMoveInput!) {{
  tenantMove(input: $input) {{ tenant {{ {TENANT} ancestors {{ code }} }} userErrors {{ field code message }} }}
}}
"""
LIST = """
query ($under: String, $kind: TenantKind, $search: String, $first: Int, $after: String, $last: Int, $before: String) {
  tenants(under: $under, kind: $kind, search: $search, first: $first, after: $after, last: $last, before: $before) {
    nodes { code }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def tid(tenant) -> str:  # type: ignore[no-untyped-def]
    return encode_id("Tenant", tenant.id)


async def counts(system_session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    await system_session.commit()  # a fresh snapshot: SQLite (WAL) keeps the one of the first read
    tenants = (await system_session.execute(select(func.count()).select_from(Tenant))).scalar_one()
    links = (await system_session.execute(select(func.count()).select_from(TenantParentLink))).scalar_one()
    return tenants, links


async def codes(api, as_, **variables) -> list[str]:  # type: ignore[no-untyped-def]
    body = await api.gql(LIST, variables, as_=as_)
    assert "errors" not in body, body
    return [n["code"] for n in body["data"]["tenants"]["nodes"]]


# --- tenantCreate ------------------------------------------------------------------------------


async def test_a_city_adds_a_county_and_the_county_adds_a_school(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    # When the city adds a county with a valid code (and stray spaces)
    body = await api.gql(
        CREATE, {"input": {"parentId": tid(tree.city), "kind": "COUNTY", "code": " 360703 ", "name": "赣县区"}}, as_=tree.city
    )
    payload = body["data"]["tenantCreate"]
    # Then it sits under the city with the normalised code
    assert payload["userErrors"] == []
    county = payload["tenant"]
    assert county | {"id": None} == {"id": None, "code": "360703", "name": "赣县区", "kind": "COUNTY", "depth": 1, "parent": {"code": "360700"}}
    # When the new county adds a school under itself (its token: a fresh tenant signs in)
    new_county = (await system_session.execute(select(Tenant).where(Tenant.code == "360703"))).scalar_one()
    body = await api.gql(
        CREATE, {"input": {"parentId": county["id"], "kind": "SCHOOL", "code": "2136000777", "name": "赣县中学"}}, as_=new_county
    )
    school = body["data"]["tenantCreate"]["tenant"]
    assert (school["kind"], school["depth"], school["parent"]) == ("SCHOOL", 2, {"code": "360703"})
    # And the city lists both
    assert await codes(api, tree.city, under="360703", first=10) == ["2136000777"]
    assert await counts(system_session) == (4, 3)


@pytest.mark.parametrize(
    ("parent", "kind", "code", "field", "error"),
    [
        ("county", "SCHOOL", "21360001", "code", "CODE_FORMAT"),
        ("county", "SCHOOL", "2136abc001", "code", "CODE_FORMAT"),
        ("city", "COUNTY", "36070", "code", "CODE_FORMAT"),
        ("county", "SCHOOL", "9936000001", "code", "CODE_CATEGORY"),
        ("county", "SCHOOL", "2199000001", "code", "CODE_PROVINCE"),
        ("city", "COUNTY", "990701", "code", "CODE_PROVINCE"),
        ("city", "COUNTY", "360700", "code", "CODE_LEVEL"),
        ("city", "COUNTY", "360801", "code", "CODE_PARENT_MISMATCH"),
        ("county", "SCHOOL", "2135000001", "code", "CODE_PARENT_MISMATCH"),
        ("city", "COUNTY", "360701", "code", "CODE_TAKEN"),
        ("county", "SCHOOL", "SCHOOL_OF_OTHER_CITY", "code", "CODE_TAKEN"),
        ("city", "SCHOOL", "2136000001", "parentId", "PARENT_KIND"),
        ("county", "COUNTY", "360709", "parentId", "PARENT_KIND"),
        ("city", "COUNTY", "360709", "name", "NAME_LENGTH"),
        ("other-city", "COUNTY", "360809", "parentId", "NOT_FOUND"),
        ("malformed", "COUNTY", "360709", "parentId", "ID_MALFORMED"),
    ],
)
async def test_bad_tenant_is_refused_and_nothing_written(api, system_session, parent, kind, code, field, error) -> None:  # type: ignore[no-untyped-def]
    # Given a city with a county, and another city of the same province out of the caller's sight
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    other = await make_tree(system_session, city_code="360800", counties=1, schools_per_county=1)
    before = await counts(system_session)
    parents = {"city": tid(tree.city), "county": tid(tree.counties[0]), "other-city": tid(other.city), "malformed": "nope"}
    if code == "SCHOOL_OF_OTHER_CITY":
        code = other.all_schools()[0].code  # unseen by the caller, but codes are unique deployment-wide
    name = "" if error == "NAME_LENGTH" else "新单位"
    # When the city tries to add it
    body = await api.gql(CREATE, {"input": {"parentId": parents[parent], "kind": kind, "code": code, "name": name}}, as_=tree.city)
    payload = body["data"]["tenantCreate"]
    # Then one userError names the field and the reason, and nothing is written
    assert payload["tenant"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], error)]
    assert payload["userErrors"][0]["message"]
    assert await counts(system_session) == before


async def test_nobody_adds_a_root_through_the_api(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    before = await counts(system_session)
    body = await api.gql(CREATE, {"input": {"kind": "CITY", "code": "360800", "name": "另一市"}}, as_=tree.city)
    assert [e["code"] for e in body["data"]["tenantCreate"]["userErrors"]] == ["NOT_FOUND"]
    assert await counts(system_session) == before


async def test_a_viewer_cannot_create(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    response = await api.post(
        CREATE, {"input": {"parentId": tid(tree.city), "kind": "COUNTY", "code": "360709", "name": "x"}}, as_=tree.city, roles=("VIEWER",)
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert await counts(system_session) == (2, 1)


# --- tenantMove --------------------------------------------------------------------------------


async def test_the_city_moves_a_school_to_another_county(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    a, b = tree.counties
    school = tree.schools[a.code][0]
    # When the city moves the school from A to B
    body = await api.gql(MOVE, {"input": {"id": tid(school), "parentId": tid(b)}}, as_=tree.city)
    payload = body["data"]["tenantMove"]
    # Then it sits under B, at the same depth
    assert payload["userErrors"] == []
    assert payload["tenant"]["parent"] == {"code": b.code}
    assert [t["code"] for t in payload["tenant"]["ancestors"]] == [tree.city.code, b.code]
    # And B lists it, A no longer does, and A cannot see it any more
    assert await codes(api, b, first=10) == sorted([school.code, tree.schools[b.code][0].code])
    assert await codes(api, a, first=10) == []
    gone = await api.gql("query ($c: String!) { tenant(code: $c) { code } }", {"c": school.code}, as_=a)
    assert gone["data"]["tenant"] is None
    # And the old parent link is kept as history
    await system_session.commit()
    links = (
        await system_session.execute(select(TenantParentLink).where(TenantParentLink.tenant_id == school.id).order_by(TenantParentLink.valid_from))
    ).scalars().all()
    assert [(link.parent_id, link.valid_to is None) for link in links] == [(a.id, False), (b.id, True)]


@pytest.mark.parametrize(
    ("who", "moved", "parent", "field", "error"),
    [
        ("city", "school_a", "city", "parentId", "PARENT_KIND"),
        ("city", "county_a", "county_b", "parentId", "PARENT_KIND"),
        ("county_a", "school_b", "county_a", "id", "NOT_FOUND"),
        ("county_a", "school_a", "county_b", "parentId", "NOT_FOUND"),
        ("city", "school_a", "malformed", "parentId", "ID_MALFORMED"),
    ],
)
async def test_bad_move_is_refused_and_nothing_changes(api, system_session, who, moved, parent, field, error) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    a, b = tree.counties
    named = {
        "city": tree.city,
        "county_a": a,
        "county_b": b,
        "school_a": tree.schools[a.code][0],
        "school_b": tree.schools[b.code][0],
    }
    paths = dict((await system_session.execute(select(Tenant.code, Tenant.path))).all())
    parent_id = "nope" if parent == "malformed" else tid(named[parent])
    body = await api.gql(MOVE, {"input": {"id": tid(named[moved]), "parentId": parent_id}}, as_=named[who])
    payload = body["data"]["tenantMove"]
    assert payload["tenant"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], error)]
    await system_session.commit()
    assert dict((await system_session.execute(select(Tenant.code, Tenant.path))).all()) == paths
    assert await counts(system_session) == (5, 4)


# --- tenants(...) ------------------------------------------------------------------------------


async def test_paging_forward_and_backward_through_the_schools(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a city of 2 counties with 3 schools each
    tree = await make_tree(system_session, counties=2, schools_per_county=3)
    schools = sorted(s.code for s in tree.all_schools())
    # When the city pages through its schools two at a time
    seen, after = [], None
    for _ in range(3):
        body = await api.gql(LIST, {"kind": "SCHOOL", "first": 2, "after": after}, as_=tree.city)
        page = body["data"]["tenants"]
        seen += [n["code"] for n in page["nodes"]]
        after = page["pageInfo"]["endCursor"]
        assert page["pageInfo"]["hasPreviousPage"] is (len(seen) > 2)
    # Then it saw every school once, in code order, and the last page says so
    assert seen == schools
    assert page["pageInfo"]["hasNextPage"] is False
    # When it pages backward from the end
    body = await api.gql(LIST, {"kind": "SCHOOL", "last": 4}, as_=tree.city)
    page = body["data"]["tenants"]
    assert [n["code"] for n in page["nodes"]] == schools[2:]
    assert (page["pageInfo"]["hasPreviousPage"], page["pageInfo"]["hasNextPage"]) == (True, False)
    body = await api.gql(LIST, {"kind": "SCHOOL", "last": 4, "before": page["pageInfo"]["startCursor"]}, as_=tree.city)
    page = body["data"]["tenants"]
    assert [n["code"] for n in page["nodes"]] == schools[:2]
    assert (page["pageInfo"]["hasPreviousPage"], page["pageInfo"]["hasNextPage"]) == (False, True)
    # And under: narrows to a county's subtree, kind: to counties
    county = tree.counties[1]
    assert await codes(api, tree.city, under=county.code, first=10) == sorted(s.code for s in tree.schools[county.code])
    assert await codes(api, tree.city, kind="COUNTY", first=10) == [c.code for c in tree.counties]


@pytest.mark.parametrize(
    ("variables", "code", "words"),
    [
        ({"first": 101}, "PAGE_SIZE", "first is 101; ask for 1 to 100"),
        ({"last": 0}, "PAGE_SIZE", "last is 0"),
        ({}, "PAGE_SIZE_REQUIRED", "exactly one of first or last"),
        ({"first": 5, "after": "____"}, "CURSOR_INVALID", "not a cursor"),
        ({"first": 5, "search": "x" * 51}, "TOO_LONG", "at most 50"),
        ({"first": 5, "under": "369999"}, "NOT_FOUND", "369999"),
    ],
)
async def test_bad_list_arguments_are_refused_clearly(api, system_session, variables, code, words) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    response = await api.post(LIST, variables, as_=tree.city)
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code
    assert words in error["message"]


async def test_search_matches_percent_and_underscore_literally(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given schools whose names hold % and _, and one whose name would match them as wildcards
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    county = tree.counties[0]
    for code, name in [("2136000901", "百分百%学校"), ("2136000902", "下划线_学校"), ("2136000903", "百分百学校"), ("2136000904", "a\\b学校")]:
        await create_tenant(system_session, kind=TenantKind.SCHOOL, code=code, name=name, parent=county)
    await system_session.commit()
    # Then each wildcard character matches only itself
    assert await codes(api, tree.city, search="%", first=10) == ["2136000901"]
    assert await codes(api, tree.city, search="百%学", first=10) == ["2136000901"]
    assert await codes(api, tree.city, search="_", first=10) == ["2136000902"]
    assert await codes(api, tree.city, search="\\", first=10) == ["2136000904"]
    assert await codes(api, tree.city, search="百分百", first=10) == ["2136000901", "2136000903"]


async def test_a_school_sees_itself_and_its_ancestors_only(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a city of 2 counties with 2 schools each
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    county = tree.counties[0]
    school, sibling = tree.schools[county.code]
    # Then nothing lies under the school, and under its city it finds its own line only
    assert await codes(api, school, first=100) == []
    assert await codes(api, school, under=tree.city.code, kind="SCHOOL", first=100) == [school.code]
    assert await codes(api, school, under=tree.city.code, first=100) == sorted([county.code, school.code])
    # And it reads its parent and ancestors by name, but not a sibling
    body = await api.gql(
        "query ($c: String!, $s: String!) { tenant(code: $c) { parent { code name } ancestors { code name } } sibling: tenant(code: $s) { code } }",
        {"c": school.code, "s": sibling.code},
        as_=school,
    )
    data = body["data"]
    assert data["tenant"]["parent"] == {"code": county.code, "name": county.name}
    assert data["tenant"]["ancestors"] == [{"code": tree.city.code, "name": tree.city.name}, {"code": county.code, "name": county.name}]
    assert data["sibling"] is None
