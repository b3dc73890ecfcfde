"""Small-count suppression of student-derived figures over HTTP: bureaus and the city platform see
the tree's pattern, the school sees its own figure whole."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from sqlalchemy import select

from runxin.platform.delivery.adx import ADX_NAMESPACE
from runxin.platform.delivery.models import Delivery
from runxin.platform.delivery.services import enqueue_for_city
from runxin.platform.disclosure.patterns import PATTERNS
from runxin.platform.reporting.snapshots import freeze
from runxin.platform.standards import STANDARDS
from runxin.platform.students.models import StudentFile
from runxin.platform.tree.models import Tenant
from tests.e2e.test_targets_indicators import LATER, create
from tests.factories.deliveries import add_endpoint, approve
from tests.factories.tree import make_tree

CODE = "FOUR_SPECIAL_STUDENTS"
FIELDS = "state value numerator denominator"
CHILDREN = f"""query ($c: String!) {{ tenant(code: $c) {{
  indicators(codes: ["{CODE}"]) {{ {FIELDS} }}
  children(first: 20) {{ nodes {{ code indicators(codes: ["{CODE}"]) {{ {FIELDS} }} }} }} }} }}"""
OWN = f'query ($c: String!) {{ tenant(code: $c) {{ indicators(codes: ["{CODE}"]) {{ {FIELDS} }} }} }}'
ADX = "query ($p: String!) { adxDocument(period: $p) }"


def files(school: Tenant, special: int, plain: int = 3) -> list[StudentFile]:
    """`special` active four-special students and `plain` others at `school`."""
    return [
        StudentFile(
            tenant_id=school.id,
            student_ref=f"{school.code}-{n}",
            name=f"学生{n}",
            gender="FEMALE",
            grade=7,
            four_special="FAMILY" if n < special else "",
        )
        for n in range(special + plain)
    ]


async def seeded(system_session, county_2=(6, 7)):  # type: ignore[no-untyped-def]
    """County 1: schools of 2, 10 and 0 four-special students; county 2: schools of `county_2`."""
    tree = await make_tree(system_session, counties=2, schools_per_county=3)
    k1, k2 = tree.counties
    a, b, c = tree.schools[k1.code]
    d, e, unused = tree.schools[k2.code]
    for school, special in ((a, 2), (b, 10), (c, 0), (d, county_2[0]), (e, county_2[1])):
        system_session.add_all(files(school, special))
    # The third school of county 2 keeps no files: NOT_REPORTED, known to add 0 to its county
    await system_session.commit()
    return tree, (a, b, c, d, e, unused)


def state(node: dict) -> tuple[str, float | None]:  # type: ignore[type-arg]
    [value] = node["indicators"]
    return value["state"], value["value"]


async def test_a_county_sees_the_pattern_and_the_school_its_own_figure(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, (a, b, c, d, e, unused) = await seeded(system_session)
    k1, k2 = tree.counties
    # When county 1 asks for its schools' four-special counts
    body = (await api.gql(CHILDREN, {"c": k1.code}, as_=k1))["data"]["tenant"]
    by_code = {node["code"]: node for node in body["children"]["nodes"]}
    # Then the school of 2 is suppressed (primary), and the school of 10 with it (else 12 - 10 - 0
    # gives the 2 away); the school of 0 shows its zero, which says nobody
    assert state(by_code[a.code]) == ("SUPPRESSED", None)
    assert state(by_code[b.code]) == ("SUPPRESSED", None)
    assert state(by_code[c.code]) == ("REPORTED", 0)
    # And a suppressed figure carries nothing to divide
    [hidden] = by_code[a.code]["indicators"]
    assert hidden["numerator"] is None and hidden["denominator"] is None
    # The counties and the city are large: shown, to every reader alike
    assert state(body) == ("REPORTED", 12)
    city = (await api.gql(CHILDREN, {"c": tree.city.code}, as_=tree.city))["data"]["tenant"]
    assert state(city) == ("REPORTED", 25)
    assert {node["code"]: state(node) for node in city["children"]["nodes"]} == {k1.code: ("REPORTED", 12), k2.code: ("REPORTED", 13)}
    # While the school itself sees its own 2, as it is
    own = (await api.gql(OWN, {"c": a.code}, as_=a))["data"]["tenant"]
    assert state(own) == ("REPORTED", 2)
    # And the school without files reads as not reported to its county, not as a suppressed cell
    k2_view = (await api.gql(CHILDREN, {"c": k2.code}, as_=k2))["data"]["tenant"]
    assert {node["code"]: state(node) for node in k2_view["children"]["nodes"]} == {
        d.code: ("REPORTED", 6),
        e.code: ("REPORTED", 7),
        unused.code: ("NOT_REPORTED", None),
    }


async def test_the_pattern_is_computed_once_per_data_version(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, (a, *_) = await seeded(system_session)
    k1, k2 = tree.counties
    # Given one reader's answer computed the tree's pattern
    await api.gql(CHILDREN, {"c": k1.code}, as_=k1)
    before = PATTERNS.computed
    # When other readers of the tree ask (a different document each, so no answer is cached)
    await api.gql(CHILDREN.replace("first: 20", "first: 19"), {"c": k2.code}, as_=k2)
    await api.gql(CHILDREN.replace("first: 20", "first: 18"), {"c": tree.city.code}, as_=tree.city)
    # Then the pattern is not computed again
    assert PATTERNS.computed == before
    # But a write in the tree moves the version: the school's 2 becomes 7, no longer small
    system_session.add_all(
        StudentFile(tenant_id=a.id, student_ref=f"new-{n}", name="新生", gender="MALE", grade=8, four_special="BEHAVIOUR")
        for n in range(5)
    )
    await system_session.commit()
    body = (await api.gql(CHILDREN.replace("first: 20", "first: 17"), {"c": k1.code}, as_=k1))["data"]["tenant"]
    assert PATTERNS.computed == before + 1
    assert {n["code"]: state(n) for n in body["children"]["nodes"]}[a.code] == ("REPORTED", 7)


async def test_the_city_platform_receives_suppressed_figures(api, system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given county 2 holds 1 + 2 four-special students: 3, small, and county 1 is hidden beside it
    # (else the city's 15 less county 1's 12 gives it away)
    tree, _ = await seeded(system_session, county_2=(1, 2))
    k1, k2 = tree.counties
    _, secret = await add_endpoint(system_session, tree.city, "https://receiver.example/figures")
    # Given each county and the city approved 2025, freezing the live figures
    reports = [(tenant, await approve(system_session, tenant, values={})) for tenant in (k1, k2, tree.city)]
    await freeze(system_session, reports, standard=STANDARDS["2023"])
    await system_session.commit()
    # When the delivery is queued
    [delivery] = await enqueue_for_city(system_session, city_id=tree.city.id, period="2025", version=1)
    await system_session.commit()
    stored = (await system_session.execute(select(Delivery.payload).where(Delivery.id == delivery.id))).scalar_one()
    figures = {(f["tenant"], f["indicator"]): f for f in json.loads(stored)["figures"]}
    # Then the counties' four-special figures go as SUPPRESSED with nothing to divide, the city's whole
    for county in (k1, k2):
        figure = figures[county.code, CODE]
        assert (figure["state"], figure["value"], figure["numerator"], figure["denominator"]) == ("SUPPRESSED", None, None, None)
    assert (figures[tree.city.code, CODE]["state"], figures[tree.city.code, CODE]["value"]) == ("REPORTED", 15)
    # And the ADX leaves the suppressed figures out (no data), keeping the city's
    root = ET.fromstring((await api.gql(ADX, {"p": "2025"}, as_=tree.city))["data"]["adxDocument"])
    elements = {
        group.get("orgUnit"): {v.get("dataElement"): v.get("value") for v in group}
        for group in root.findall(f"{{{ADX_NAMESPACE}}}group")
    }
    assert elements[tree.city.code][CODE] == "15"
    assert CODE not in elements[k1.code] and CODE not in elements[k2.code]
    # And the county reading its own approved snapshot sees the same pattern
    snapshot = f'query ($c: String!) {{ tenant(code: $c) {{ report(period: "2025") {{ snapshot {{ figures {{ indicator {FIELDS} }} }} }} }} }}'
    body = (await api.gql(snapshot, {"c": k1.code}, as_=k1))["data"]["tenant"]["report"]["snapshot"]
    [figure] = [f for f in body["figures"] if f["indicator"] == CODE]
    assert figure["state"] == "SUPPRESSED" and figure["numerator"] is None


PROGRESS = f"""query ($c: String!) {{ tenant(code: $c) {{ targetProgress(indicators: ["{CODE}"]) {{
  progress {{ status gap current {{ {FIELDS} }} }} }} }} }}"""


async def test_a_target_on_a_student_derived_count_shows_suppressed_progress(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, (a, *_) = await seeded(system_session)
    k1 = tree.counties[0]
    # Given county 1 asks its school of 2 four-special students to follow at least 3 of them
    assert (await create(api, k1, a, CODE, 3, LATER))["userErrors"] == []
    # When the county reads the school's progress
    [seen] = (await api.gql(PROGRESS, {"c": a.code}, as_=k1))["data"]["tenant"]["targetProgress"]
    # Then the figure is suppressed, and neither the status nor the gap gives the count away
    assert seen["progress"]["current"] == {"state": "SUPPRESSED", "value": None, "numerator": None, "denominator": None}
    assert (seen["progress"]["status"], seen["progress"]["gap"]) == ("NO_DATA", None)
    # While the school itself sees where it stands: 2 of 3, a gap of 1
    [own] = (await api.gql(PROGRESS, {"c": a.code}, as_=a))["data"]["tenant"]["targetProgress"]
    assert (own["progress"]["current"]["value"], own["progress"]["gap"]) == (2, 1)
