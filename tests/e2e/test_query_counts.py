"""Query-count guards: the heavy lists run a fixed number of SQL statements, however long they are.

Statements are counted on the app's own engine (`before_cursor_execute`), so the count includes
everything a request runs; the principal's tenant lookup is cached and warmed up before counting.
"""

from __future__ import annotations

import pytest

from runxin.platform.centres.models import CentreActivity, CounsellingCentre
from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from runxin.platform.staffing.models import Staff
from tests.e2e.counting import StatementCounter, warm_up
from tests.factories.tree import make_tree

SCHOOLS_WITH_STAFF_COUNTS = """
query ($county: String!) {
  tenants(under: $county, kind: SCHOOL, first: 100) {
    nodes { code name staffCounts { fullTime partTime total } }
  }
}
"""
# Looking up `under`, then the page of schools carrying their staff counts (correlated subqueries).
EXPECTED_STATEMENTS = 2


def queries(counter: StatementCounter) -> list[str]:
    """The statements that read or write data. The SQLite engine emits its own BEGIN through the
    cursor (platform/db/engine.py) while asyncpg starts transactions without one, so transaction
    control is left out to keep the guard the same on both databases."""
    return [s for s in counter.statements if s.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK")]


async def statements_for_schools(api, system_session, schools: int, city_code: str) -> tuple[int, list[dict]]:  # type: ignore[no-untyped-def,type-arg]
    # Given a county of `schools` schools, each with one full-time and i part-time teachers
    tree = await make_tree(system_session, city_code=city_code, counties=1, schools_per_county=schools)
    county = tree.counties[0]
    for i, school in enumerate(tree.all_schools()):
        system_session.add(Staff(tenant_id=school.id, root_id=school.root_id, kind="FULL_TIME", name="甲"))
        for _ in range(i):
            system_session.add(Staff(tenant_id=school.id, root_id=school.root_id, kind="PART_TIME", name="乙"))
    await system_session.commit()
    await warm_up(api, county)
    # When the county lists its schools with their staff counts
    with StatementCounter(api) as counter:
        body = await api.gql(SCHOOLS_WITH_STAFF_COUNTS, {"county": county.code}, as_=county)
    assert "errors" not in body, body
    return len(queries(counter)), body["data"]["tenants"]["nodes"]


@pytest.mark.parametrize("schools", [3, 12])
async def test_schools_with_staff_counts_take_a_fixed_number_of_statements(api, system_session, schools) -> None:  # type: ignore[no-untyped-def]
    count, nodes = await statements_for_schools(api, system_session, schools, city_code="360700")
    # Then the answer is right for every school
    assert len(nodes) == schools
    assert sorted(n["staffCounts"]["total"] for n in nodes) == [1 + i for i in range(schools)]
    assert all(n["staffCounts"]["fullTime"] == 1 for n in nodes)
    # And it took the same few statements for 3 schools as for 12
    assert count == EXPECTED_STATEMENTS


async def test_statement_count_does_not_grow_with_the_page(api, system_session) -> None:  # type: ignore[no-untyped-def]
    few, _ = await statements_for_schools(api, system_session, 3, city_code="360700")
    many, _ = await statements_for_schools(api, system_session, 12, city_code="360800")
    assert few == many == EXPECTED_STATEMENTS


CENTRES_AND_HOTLINES = """
query ($city: String!) {
  tenant(code: $city) {
    centres(first: 100, scope: SUBTREE) { nodes { name activity { period guidanceVisits } } }
    hotlines(first: 100, scope: SUBTREE) { nodes { number callCounts(periods: ["2024", "2024T1"]) { period calls } } }
  }
}
"""


@pytest.mark.parametrize("counties", [2, 6])
async def test_per_period_lists_take_one_statement_per_batch(api, system_session, counties) -> None:  # type: ignore[no-untyped-def]
    # Given counties that each run a centre and a hotline with two periods recorded
    tree = await make_tree(system_session, counties=counties, schools_per_county=0)
    for county in tree.counties:
        centre = CounsellingCentre(tenant_id=county.id, root_id=county.root_id, name="中心")
        hotline = Hotline(tenant_id=county.id, root_id=county.root_id, number="12355", always_open=True)
        system_session.add_all([centre, hotline])
        await system_session.flush()
        for period in ("2024", "2024T1"):
            system_session.add(CentreActivity(tenant_id=county.id, root_id=county.root_id, centre_id=centre.id, period=period, guidance_visits=1))
            system_session.add(HotlineCallCount(tenant_id=county.id, root_id=county.root_id, hotline_id=hotline.id, period=period, calls=5))
    await system_session.commit()
    await warm_up(api, tree.city)
    # When the city lists every centre and hotline with their per-period rows
    with StatementCounter(api) as counter:
        body = await api.gql(CENTRES_AND_HOTLINES, {"city": tree.city.code}, as_=tree.city)
    data = body["data"]["tenant"]
    assert [len(n["activity"]) for n in data["centres"]["nodes"]] == [2] * counties
    assert [len(n["callCounts"]) for n in data["hotlines"]["nodes"]] == [2] * counties
    # Then: the tenant, the two pages, and one statement for all activity and one for all counts
    assert len(queries(counter)) == 5


async def test_staff_counts_without_prefetch_agree_with_the_prefetched_ones(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a county whose schools have staff
    tree = await make_tree(system_session, counties=1, schools_per_county=3, city_code="360700")
    county = tree.counties[0]
    for i, school in enumerate(tree.all_schools()):
        for kind in ("FULL_TIME", "PART_TIME", "HOMEROOM")[: i + 1]:
            system_session.add(Staff(tenant_id=school.id, root_id=school.root_id, kind=kind, name="甲"))
    await system_session.commit()
    fields = "code staffCounts { fullTime partTime hiredCounsellors homeroomTeachers total }"
    # When counts come with the page (prefetched) and through tenant(code:) (the DataLoader)
    listed = await api.gql(f"query ($c: String!) {{ tenants(under: $c, first: 10) {{ nodes {{ {fields} }} }} }}", {"c": county.code}, as_=county)
    singles = [
        (await api.gql(f"query ($c: String!) {{ tenant(code: $c) {{ {fields} }} }}", {"c": s.code}, as_=county))["data"]["tenant"]
        for s in tree.all_schools()
    ]
    county_alone = (await api.gql(f"query ($c: String!) {{ tenant(code: $c) {{ {fields} }} }}", {"c": county.code}, as_=county))["data"]["tenant"]
    city_children = await api.gql(
        f"query ($c: String!) {{ tenant(code: $c) {{ children(first: 5) {{ nodes {{ {fields} }} }} }} }}", {"c": tree.city.code}, as_=tree.city
    )
    # Then both paths agree, for schools and for the county's whole subtree
    assert sorted(listed["data"]["tenants"]["nodes"], key=lambda n: n["code"]) == sorted(singles, key=lambda n: n["code"])
    assert city_children["data"]["tenant"]["children"]["nodes"] == [county_alone]
    assert county_alone["staffCounts"] == {"fullTime": 3, "partTime": 2, "hiredCounsellors": 0, "homeroomTeachers": 1, "total": 6}
