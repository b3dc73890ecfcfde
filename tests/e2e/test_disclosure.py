"""A city's disclosure policy, as data: what its bureaus see under them, set by the city itself."""

from __future__ import annotations

from runxin.graphql.ids import encode_id
from runxin.platform.staffing.models import Staff
from runxin.platform.stations.models import Station
from tests.factories.tree import make_tree

UPDATE = """
mutation ($i: DisclosurePolicyUpdateInput!) {
  disclosurePolicyUpdate(input: $i) { policy { detailResources personalRoles personalFields isDefault } userErrors { field code message } }
}
"""
POLICY = "query ($c: String!) { tenant(code: $c) { disclosurePolicy { detailResources personalRoles isDefault } } }"
STATIONS = "query ($c: String!) { tenant(code: $c) { stations(first: 5, scope: $s) { nodes { id name } } } }"
STAFF = "query ($c: String!) { tenant(code: $c) { staff(first: 5, scope: SUBTREE) { nodes { name personalDataMasked } } } }"


async def seeded(system_session):  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    station = Station(tenant_id=school.id, name="阳光站", area_m2=20, weekly_open_hours=10)
    system_session.add_all([station, Staff(tenant_id=school.id, kind="FULL_TIME", name="李老师")])
    await system_session.commit()
    return tree, school, station


async def set_policy(api, city, **fields):  # type: ignore[no-untyped-def]
    return (await api.gql(UPDATE, {"i": {"tenantId": encode_id("Tenant", city.id), **fields}}, as_=city))["data"]["disclosurePolicyUpdate"]


async def test_defaults_apply_until_the_city_sets_a_policy(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, *_ = await seeded(system_session)
    county = tree.counties[0]
    body = await api.gql(POLICY, {"c": county.code}, as_=county)
    assert body["data"]["tenant"]["disclosurePolicy"]["isDefault"] is True
    assert "stations" in body["data"]["tenant"]["disclosurePolicy"]["detailResources"]


async def test_figures_only_hides_descendants_records_but_not_own_or_counts(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, school, station = await seeded(system_session)
    county = tree.counties[0]
    # Given the city shows stations to its bureaus as figures only
    payload = await set_policy(api, tree.city, detailResources=["staff", "training"])
    assert payload["userErrors"] == []
    assert payload["policy"]["detailResources"] == ["staff", "training"]
    query = STATIONS.replace("$s", "SUBTREE")
    # When the county lists its schools' stations, or asks for one by id
    listed = (await api.post(query.replace("query (", "query ("), {"c": county.code}, as_=county)).json()
    by_id = await api.gql("query ($i: ID!) { node(id: $i) { id } }", {"i": encode_id("Station", station.id)}, as_=county)
    # Then both are withheld, saying why
    assert listed["errors"][0]["extensions"]["code"] == "NOT_DISCLOSED"
    assert by_id["data"]["node"] is None
    # While the school still sees its own, and the county still gets the figures
    own = await api.gql(STATIONS.replace("$s", "OWN"), {"c": school.code}, as_=school)
    assert [n["name"] for n in own["data"]["tenant"]["stations"]["nodes"]] == ["阳光站"]
    figures = await api.gql(
        'query ($c: String!) { tenant(code: $c) { indicators(codes: ["STATION_COVERAGE"]) { state } } }', {"c": county.code}, as_=county
    )
    assert figures["data"]["tenant"]["indicators"]


async def test_personal_roles_widen_or_narrow_who_sees_descendants_staff(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, *_ = await seeded(system_session)
    county = tree.counties[0]
    # By default a county DATA_OFFICER sees its schools' staff masked, an ADMIN unmasked
    masked = await api.gql(STAFF, {"c": county.code}, as_=county, roles=("DATA_OFFICER",))
    assert masked["data"]["tenant"]["staff"]["nodes"] == [{"name": "李**", "personalDataMasked": True}]
    # When the city names no role, even an ADMIN sees descendants' staff masked
    await set_policy(api, tree.city, personalRoles=[])
    admin = await api.gql(STAFF, {"c": county.code}, as_=county, roles=("ADMIN",))
    assert admin["data"]["tenant"]["staff"]["nodes"] == [{"name": "李**", "personalDataMasked": True}]


async def test_only_the_city_sets_its_policy_and_bad_names_are_refused(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, *_ = await seeded(system_session)
    county = tree.counties[0]
    by_county = (await api.gql(UPDATE, {"i": {"tenantId": encode_id("Tenant", county.id), "personalRoles": []}}, as_=county))[
        "data"
    ]["disclosurePolicyUpdate"]
    assert by_county["userErrors"][0]["code"] in ("NOT_A_ROOT", "PERMISSION_DENIED")
    bad = await set_policy(api, tree.city, detailResources=["stations", "secrets"])
    assert bad["userErrors"][0]["code"] == "NOT_ALLOWED" and "secrets" in bad["userErrors"][0]["message"]
    viewer = (await api.post(UPDATE, {"i": {"tenantId": encode_id("Tenant", tree.city.id)}}, as_=tree.city, roles=("DATA_OFFICER",))).json()
    assert viewer["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_the_city_chooses_which_personal_fields_ancestors_see(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, school, _ = await seeded(system_session)
    county = tree.counties[0]
    await system_session.execute(
        Staff.__table__.update().where(Staff.__table__.c.tenant_id == school.id).values(phone="13900002222")
    )
    await system_session.commit()
    # Given the city lets ancestors see names but not phone numbers
    payload = await set_policy(api, tree.city, personalFields=["name", "gender"])
    assert payload["policy"]["personalFields"] == ["name", "gender"]
    query = "query ($c: String!) { tenant(code: $c) { staff(first: 5, scope: SUBTREE) { nodes { name phone personalDataMasked maskReason } } } }"
    # When the county ADMIN reads its schools' staff
    seen = (await api.gql(query, {"c": county.code}, as_=county))["data"]["tenant"]["staff"]["nodes"][0]
    # Then the name shows, the phone stays hidden, and the object says it is partly masked
    assert (seen["name"], seen["phone"], seen["personalDataMasked"]) == ("李老师", None, True)
    assert "some personal fields" in seen["maskReason"]
    # While the school itself still sees its own staff in full
    own = (await api.gql(query, {"c": school.code}, as_=school))["data"]["tenant"]["staff"]["nodes"][0]
    assert (own["name"], own["phone"], own["personalDataMasked"]) == ("李老师", "13900002222", False)
    bad = await set_policy(api, tree.city, personalFields=["salary"])
    assert bad["userErrors"][0]["code"] == "NOT_ALLOWED"


async def test_small_student_counts_are_suppressed_above_the_school(api, system_session) -> None:  # type: ignore[no-untyped-def]
    from runxin.platform.hotlines.models import Hotline, HotlineCallCount

    tree, school, _ = await seeded(system_session)
    county = tree.counties[0]
    hotline = Hotline(tenant_id=school.id, number="13800003333", always_open=True, status="ACTIVE")
    system_session.add(hotline)
    await system_session.flush()
    system_session.add(HotlineCallCount(tenant_id=school.id, hotline_id=hotline.id, period="2025T1", calls=40, crisis_calls=3, referrals=0))
    await system_session.commit()
    query = """query ($c: String!) { tenant(code: $c) { hotlines(first: 5, scope: SUBTREE) {
        nodes { callCounts { calls crisisCalls referrals suppressed } } } } }"""

    def counts(body):  # type: ignore[no-untyped-def]
        return body["data"]["tenant"]["hotlines"]["nodes"][0]["callCounts"][0]

    # The county sees 3 crisis calls as suppressed (below the default threshold of 5); zero shows
    assert counts(await api.gql(query, {"c": county.code}, as_=county)) == {
        "calls": 40, "crisisCalls": None, "referrals": 0, "suppressed": ["crisisCalls"]
    }
    # The school itself sees its own count
    assert counts(await api.gql(query, {"c": school.code}, as_=school))["crisisCalls"] == 3
    # A city that sets the threshold to 1 turns suppression off
    assert (await set_policy(api, tree.city, suppressionThreshold=1))["userErrors"] == []
    assert counts(await api.gql(query, {"c": county.code}, as_=county))["crisisCalls"] == 3
    assert (await set_policy(api, tree.city, suppressionThreshold=0))["userErrors"][0]["code"] == "TOO_SMALL"
