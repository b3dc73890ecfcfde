"""Indicators, gaps and targets over HTTP: values at school, county and city level worked out by
hand, one computation for a page of tenants, and target progress statuses."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from runxin.graphql.ids import encode_id
from runxin.platform.centres.models import CounsellingCentre
from runxin.platform.db.engine import make_sessionmaker
from runxin.platform.hotlines.models import Hotline
from runxin.platform.indicators import INDICATORS
from runxin.platform.recognitions.models import ModelSchoolRecognition
from runxin.platform.schools.models import SchoolEnrolment, SchoolProfile
from runxin.platform.staffing.models import Staff
from runxin.platform.stations.models import Station
from runxin.platform.targets.models import Target
from runxin.tenants.scoping import ScopedSession
from tests.e2e.counting import FACT_FAMILIES, PATTERN_STATEMENTS, StatementCounter, warm_up
from tests.factories.rollup import drain
from tests.factories.tree import make_tree

YEAR = 2025
TODAY = dt.date.today()
LATER = (TODAY + dt.timedelta(days=365)).isoformat()
EARLIER = (TODAY - dt.timedelta(days=1)).isoformat()
VALUE = "indicator name nameZh numerator denominator value state unitsTotal unitsNotReported asOf standardsVersion year"
INDICATORS_OF = f"""
query ($code: String!, $codes: [String!], $year: Int) {{
  tenant(code: $code) {{ indicators(codes: $codes, year: $year) {{ {VALUE} tenant {{ code }} }} }}
}}
"""
CHILDREN = """
query ($code: String!) {
  tenant(code: $code) { children(first: 20) { nodes { code indicators(year: 2025) { indicator value state } } } }
}
"""
GAPS = "query ($code: String!) { tenant(code: $code) { gaps(year: 2025) { code message detail } } }"
CREATE = """
mutation ($input: TargetCreateInput!) {
  targetCreate(input: $input) {
    target { id indicator value dueDate note scope { code } setBy { code } tenant { code } }
    userErrors { field code message }
  }
}
"""
UPDATE = """
mutation ($input: TargetUpdateInput!) {
  targetUpdate(input: $input) { target { id value note } userErrors { field code message } }
}
"""
TARGETS = """
query ($code: String!, $scope: RecordScope) {
  tenant(code: $code) {
    targets(first: 50, scope: $scope) {
      nodes { note indicator value scope { code } setBy { code } progress { status gap current { indicator value state year } } }
    }
  }
}
"""


def tid(tenant) -> str:  # type: ignore[no-untyped-def]
    return encode_id("Tenant", tenant.id)


def station(school) -> Station:  # type: ignore[no-untyped-def]
    return Station(
        tenant_id=school.id,
        name="阳光辅导站",
        kind="SUNSHINE_STATION",
        status="OPERATIONAL",
        area_m2=Decimal(24),
        weekly_open_hours=Decimal(10),
        individual_counselling=True,
        assessment=True,
        sandplay=True,
    )


def staff(tenant, kind: str = "FULL_TIME") -> Staff:  # type: ignore[no-untyped-def]
    return Staff(tenant_id=tenant.id, kind=kind, name=f"{kind}-{uuid.uuid4().hex[:4]}")


async def world(system_session):  # type: ignore[no-untyped-def]
    """County A runs an operational centre with volunteers and an active hotline; county B has
    neither. School facts:

    | school | profile                          | station  | full-time | students 2025 |
    | S1 (A) | central rank, model school CITY  | standard | 2         | 900           |
    | S2 (A) | central rank                     | none     | 0         | 500           |
    | S3 (B) | ordinary, independent            | none     | 1         | not reported  |
    | S4 (B) | none                             | none     | 0         | not reported  |
    """
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    a, b = tree.counties
    s1, s2 = tree.schools[a.code]
    s3, s4 = tree.schools[b.code]
    system_session.add_all(
        [
            CounsellingCentre(tenant_id=a.id, name="辅导中心", status="OPERATIONAL", volunteer_team_size=12),
            Hotline(tenant_id=a.id, number="12355", status="ACTIVE"),
            SchoolProfile(tenant_id=s1.id, category="21", central_rank=True),
            ModelSchoolRecognition(
                tenant_id=s1.id, level="CITY", title="市级特色学校", recognised_on=dt.date(2024, 6, 1), awarded_by="市教育局"
            ),
            SchoolProfile(tenant_id=s2.id, category="21", central_rank=True),
            SchoolProfile(tenant_id=s3.id, category="21"),
            station(s1),
            staff(s1),
            staff(s1),
            staff(s3),
            SchoolEnrolment(tenant_id=s1.id, school_year=YEAR, students=900),
            SchoolEnrolment(tenant_id=s2.id, school_year=YEAR, students=500),
        ]
    )
    await system_session.commit()
    return tree, (s1, s2, s3, s4)


async def indicators(api, tenant, as_, codes=None, year=YEAR) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    body = await api.gql(INDICATORS_OF, {"code": tenant.code, "codes": codes, "year": year}, as_=as_)
    assert "errors" not in body, body
    return {v["indicator"]: v for v in body["data"]["tenant"]["indicators"]}


def fraction(value: dict) -> tuple[float, float] | str:
    """(numerator, denominator) of a reported value, else its state."""
    if value["state"] != "REPORTED":
        assert value["value"] is None
        return value["state"]
    assert value["value"] == pytest.approx(value["numerator"] / value["denominator"])
    return value["numerator"], value["denominator"]


async def test_indicator_definitions_list_every_indicator(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    body = await api.gql("{ indicatorDefinitions { code name nameZh description unit valueKind } }", as_=tree.city)
    definitions = body["data"]["indicatorDefinitions"]
    assert [d["code"] for d in definitions] == [i.code for i in INDICATORS]
    centre = definitions[0]
    assert (centre["code"], centre["unit"], centre["valueKind"]) == ("CENTRE_COVERAGE", "COUNTY", "RATIO")
    assert centre["nameZh"] and centre["description"]
    assert {d["unit"] for d in definitions} == {"COUNTY", "SCHOOL", "TEACHER", "CLASS"}


async def test_indicators_at_school_county_and_city_level(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, (s1, s2, _, s4) = await world(system_session)
    a, b = tree.counties
    codes = ["STATION_COVERAGE", "FULL_TIME_TEACHER_COVERAGE", "STAFF_RATIO_COMPLIANCE", "CENTRE_COVERAGE", "MODEL_SCHOOL_SHARE"]
    got = {t.code: await indicators(api, t, tree.city, codes) for t in (tree.city, a, b, s1, s2, s4)}
    expected = {
        # Central schools need a station: S1 has one, S2 not; S3 need not; S4 has no profile, so it
        # is an eligible unit that did not report.
        "STATION_COVERAGE": {s1: (1, 1), s2: (0, 1), s4: "NOT_REPORTED", a: (1, 2), b: "NOT_REPORTED", tree.city: (1, 2)},
        # Independent schools (all with a profile) with a full-time teacher: S1 and S3 of S1-S3.
        "FULL_TIME_TEACHER_COVERAGE": {s1: (1, 1), s2: (0, 1), a: (1, 2), b: (1, 1), tree.city: (2, 3)},
        # 2 full-time for 900 students meets 1 per 800; S2 has none for 500; B reported no enrolment.
        "STAFF_RATIO_COMPLIANCE": {s1: (1, 1), s2: (0, 1), a: (1, 2), b: "NOT_REPORTED", tree.city: (1, 2)},
        # County A has an operational centre, B none; a school holds no county.
        "CENTRE_COVERAGE": {a: (1, 1), b: (0, 1), tree.city: (1, 2), s1: "NOT_APPLICABLE"},
        # S1 is a city-level model school, of the three schools with a profile.
        "MODEL_SCHOOL_SHARE": {s1: (1, 1), a: (1, 2), b: (0, 1), tree.city: (1, 3)},
    }
    for code, per_tenant in expected.items():
        for tenant, want in per_tenant.items():
            assert fraction(got[tenant.code][code]) == want, (code, tenant.code)
    # The units behind the city's station coverage: S1, S2 and S4, one not reported
    city_station = got[tree.city.code]["STATION_COVERAGE"]
    assert (city_station["unitsTotal"], city_station["unitsNotReported"]) == (3, 1)
    assert (city_station["year"], city_station["standardsVersion"], city_station["name"]) == (
        YEAR,
        "2023",
        "Counselling station coverage",
    )
    assert list(got[tree.city.code]) == codes  # in the order asked
    # And a county reads the same figures for its own subtree
    assert fraction((await indicators(api, a, a, ["STATION_COVERAGE"]))["STATION_COVERAGE"]) == (1, 2)


async def test_all_indicators_by_default_for_the_current_school_year(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, _ = await world(system_session)
    got = await indicators(api, tree.city, tree.city, codes=None, year=None)
    school_year = TODAY.year if TODAY.month >= 9 else TODAY.year - 1
    assert list(got) == [i.code for i in INDICATORS]
    assert {v["year"] for v in got.values()} == {school_year}
    assert all(v["tenant"] == {"code": tree.city.code} for v in got.values())
    assert await indicators(api, tree.city, tree.city, codes=[]) == {}


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"codes": ["STATION_COVERAGE", "NO_SUCH_THING"]}, "UNKNOWN_INDICATOR", "codes"),
        ({"year": 1999}, "YEAR_OUT_OF_RANGE", "year"),
    ],
)
async def test_bad_indicator_arguments_are_expected_errors(api, system_session, variables, code, field) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    response = await api.post(INDICATORS_OF, {"code": tree.city.code, **variables}, as_=tree.city)
    error = response.json()["errors"][0]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field)
    assert "NO_SUCH_THING" in error["message"] or "1999" in error["message"]


async def children_statements(api, city) -> tuple[int, list]:  # type: ignore[no-untyped-def]
    await warm_up(api, city)
    with StatementCounter(api) as counter:
        body = await api.gql(CHILDREN, {"code": city.code}, as_=city)
    assert "errors" not in body, body
    return counter.count, body["data"]["tenant"]["children"]["nodes"]


async def test_a_page_of_children_is_one_computation(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a city of 2 counties and a city of 6
    small = await make_tree(system_session, counties=2, schools_per_county=1)
    large = await make_tree(system_session, city_code="360800", counties=6, schools_per_county=1)
    # When each lists its counties with every indicator
    few, few_nodes = await children_statements(api, small.city)
    many, many_nodes = await children_statements(api, large.city)
    # Then each county has every indicator
    assert len(many_nodes) == 6 and all(len(n["indicators"]) == len(INDICATORS) for n in many_nodes)
    assert all(v["state"] in ("REPORTED", "NOT_REPORTED", "NOT_APPLICABLE", "SUPPRESSED") for n in few_nodes for v in n["indicators"])
    # And the statements do not grow with the children: the city, the page of counties, the check
    # for pending rollups (the new tree is pending: no worker runs here), then one computation for
    # all of them (one statement per fact family: county, school, teacher, ...), and the tree's suppression pattern
    assert few == many == 3 + FACT_FAMILIES + PATTERN_STATEMENTS


async def test_settled_figures_are_read_from_the_rollups_with_the_same_values(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a city whose figures are computed from raw records (its tree is still pending)
    tree, _ = await world(system_session)
    _, raw_nodes = await children_statements(api, tree.city)
    # When the rollup settles (every tenant recomputed, as the workers do)
    await drain(
        make_sessionmaker(system_session.bind, ScopedSession), years=(YEAR, TODAY.year if TODAY.month >= 9 else TODAY.year - 1)
    )
    statements, rolled_nodes = await children_statements(api, tree.city)
    # Then the page reads the stored figures: the city, the page, the pending check and one lookup
    assert statements == 4 + PATTERN_STATEMENTS  # the pattern: a new data version after the rollup wrote

    # And they are the very values the raw computation gave (as-of times aside)
    def strip(nodes):  # type: ignore[no-untyped-def]
        return [[{k: v for k, v in value.items() if k != "asOf"} for value in node["indicators"]] for node in nodes]

    assert strip(rolled_nodes) == strip(raw_nodes)


async def test_gaps_of_a_school(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, (_, s2, _, s4) = await world(system_session)
    a = tree.counties[0]

    async def gaps(tenant):  # type: ignore[no-untyped-def]
        body = await api.gql(GAPS, {"code": tenant.code}, as_=a if tenant is not s4 else tree.city)
        assert "errors" not in body, body
        return body["data"]["tenant"]["gaps"]

    # S2 (central rank, no station, no teacher for 500 students, no hotline, no counsellor)
    by_code = {g["code"]: g for g in await gaps(s2)}
    # (no activity recorded: the course gaps too, tested in tests/integration/test_courses_indicators.py)
    course = {"THEME_MONTH_NOT_HELD", "ADAPTATION_ACTIVITY_MISSING", "NO_PARENT_TRAINING"}
    assert set(by_code) - course == {"NO_STATION", "NO_FULL_TIME_TEACHER", "STAFF_RATIO_BELOW_STANDARD", "NO_HOTLINE", "NO_COUNSELLOR"}
    assert by_code["STAFF_RATIO_BELOW_STANDARD"]["detail"]["students"] == 500
    assert by_code["NO_STATION"]["message"]
    # S4 has no profile; a county has no gaps of its own
    assert [g["code"] for g in await gaps(s4)] == ["PROFILE_NOT_REPORTED"]
    assert await gaps(a) == []


# --- targets -----------------------------------------------------------------------------------


async def create(api, who, scope, indicator, value, due, note="") -> dict:  # type: ignore[no-untyped-def]
    values = {"scopeTenantId": tid(scope), "indicator": indicator, "value": value, "dueDate": due, "note": note}
    body = await api.gql(CREATE, {"input": values}, as_=who)
    return body["data"]["targetCreate"]


async def test_target_progress_statuses(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given the world above; its values do not depend on the year (no enrolment or training), so
    # the current school year reads the same figures: the city's centre coverage 1/2, its full-time
    # teacher coverage 2/3, model-school share 1/3; county A's station coverage 1/2; county B's not reported
    tree, _ = await world(system_session)
    city, (a, b) = tree.city, tree.counties
    plan = [
        ("met", city, "CENTRE_COVERAGE", 0.5, LATER),
        ("met after the due date", city, "MODEL_SCHOOL_SHARE", 0.15, EARLIER),
        ("on track", city, "FULL_TIME_TEACHER_COVERAGE", 0.7, LATER),
        ("at risk", a, "STATION_COVERAGE", 1.0, LATER),
        ("missed", a, "STATION_COVERAGE", 0.8, EARLIER),
        ("no data", b, "STATION_COVERAGE", 1.0, LATER),
        ("missed without data", b, "STATION_COVERAGE", 1.0, EARLIER),
    ]
    for note, scope, indicator, value, due in plan:
        created = await create(api, city, scope, indicator, value, due, note)
        assert created["userErrors"] == [], created
        target = created["target"]
        assert (target["scope"], target["setBy"], target["tenant"]) == (
            {"code": scope.code},
            {"code": city.code},
            {"code": scope.code},
        )
    # When the city reads every target of its subtree
    body = await api.gql(TARGETS, {"code": city.code, "scope": "SUBTREE"}, as_=city)
    progress = {n["note"]: n["progress"] for n in body["data"]["tenant"]["targets"]["nodes"]}
    # Then each status follows the rule (no history here, so no trend: the 90% rule decides ON_TRACK)
    assert {note: p["status"] for note, p in progress.items()} == {
        "met": "MET",
        "met after the due date": "MET",
        "on track": "ON_TRACK",
        "at risk": "AT_RISK",
        "missed": "MISSED",
        "no data": "NO_DATA",
        "missed without data": "MISSED",
    }
    assert progress["on track"]["gap"] == pytest.approx(0.7 - 2 / 3)
    assert progress["at risk"]["gap"] == pytest.approx(0.5)
    assert progress["met"]["gap"] == pytest.approx(0.0)
    assert progress["met after the due date"]["gap"] == pytest.approx(0.15 - 1 / 3)
    assert progress["no data"]["gap"] is None
    assert progress["no data"]["current"]["state"] == "NOT_REPORTED"
    assert progress["at risk"]["current"]["indicator"] == "STATION_COVERAGE"
    # And county A sees only the targets for its own subtree
    body = await api.gql(TARGETS, {"code": a.code, "scope": "SUBTREE"}, as_=a)
    assert sorted(n["note"] for n in body["data"]["tenant"]["targets"]["nodes"]) == ["at risk", "missed"]


async def test_a_page_of_targets_is_one_computation(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given targets for the city and both counties (two depths)
    tree, _ = await world(system_session)
    city, (a, b) = tree.city, tree.counties

    async def statements() -> int:
        await warm_up(api, city)
        with StatementCounter(api) as counter:
            body = await api.gql(TARGETS, {"code": city.code, "scope": "SUBTREE"}, as_=city)
        assert "errors" not in body, body
        return counter.count

    for scope in (city, a, b):
        assert (await create(api, city, scope, "STATION_COVERAGE", 1.0, LATER))["userErrors"] == []
    three = await statements()
    # When the page holds three times as many targets, on more indicators
    for scope in (city, a, b, city, a, b):
        assert (await create(api, city, scope, "FULL_TIME_TEACHER_COVERAGE", 0.8, LATER))["userErrors"] == []
    nine = await statements()
    # Then the statements stay the same: the city, the page of targets, their tenants (scopes and
    # setters in one batch), the check for pending rollups (no worker runs here), one computation
    # (per depth, city and counties, one statement per fact family), and the scopes' snapshot history
    assert three == nine == 1 + 1 + 1 + 1 + 2 * FACT_FAMILIES + 1 + PATTERN_STATEMENTS


@pytest.mark.parametrize(
    ("case", "field", "code"),
    [
        ("unknown indicator", "indicator", "INDICATOR_UNKNOWN"),
        ("ratio above 1", "value", "TOO_LARGE"),
        ("negative value", "value", "NEGATIVE"),
        ("county indicator on a school", "indicator", "INDICATOR_SCOPE"),
        ("due date out of range", "dueDate", "DATE_OUT_OF_RANGE"),
        ("note too long", "note", "TOO_LONG"),
        ("scope out of sight", "scopeTenantId", "NOT_FOUND"),
        ("scope above the setter", "scopeTenantId", "SCOPE_OUTSIDE_SETTER"),
        ("malformed scope", "scopeTenantId", "ID_MALFORMED"),
    ],
)
async def test_bad_target_is_refused_and_nothing_written(api, system_session, case, field, code) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    a, b = tree.counties
    values = {"scopeTenantId": tid(a), "indicator": "STATION_COVERAGE", "value": 1.0, "dueDate": LATER, "note": ""}
    values |= {
        "unknown indicator": {"indicator": "HAPPINESS"},
        "ratio above 1": {"value": 1.5},
        "negative value": {"value": -0.1},
        "county indicator on a school": {"indicator": "CENTRE_COVERAGE", "scopeTenantId": tid(tree.schools[a.code][0])},
        "due date out of range": {"dueDate": "2101-01-01"},
        "note too long": {"note": "注" * 301},
        "scope out of sight": {"scopeTenantId": tid(b)},
        "scope above the setter": {"scopeTenantId": tid(tree.city)},
        "malformed scope": {"scopeTenantId": "nope"},
    }[case]
    body = await api.gql(CREATE, {"input": values}, as_=a)
    payload = body["data"]["targetCreate"]
    assert payload["target"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], code)]
    assert payload["userErrors"][0]["message"]
    await system_session.commit()
    assert (await system_session.execute(select(func.count()).select_from(Target))).scalar_one() == 0


async def test_a_school_sets_no_targets(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    payload = await create(api, school, school, "STATION_COVERAGE", 1.0, LATER)
    # the setter is the caller, not an input field
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(None, "SETTER_KIND")]
    await system_session.commit()
    assert (await system_session.execute(select(func.count()).select_from(Target))).scalar_one() == 0


async def test_only_the_setter_or_above_changes_a_target(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    county = tree.counties[0]
    target = (await create(api, tree.city, county, "STATION_COVERAGE", 0.8, LATER, "市定目标"))["target"]
    # The county sees the target set for it, but cannot change it
    body = await api.gql(UPDATE, {"input": {"id": target["id"], "value": 0.5}}, as_=county)
    errors = body["data"]["targetUpdate"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(None, "NOT_TARGET_SETTER")]
    # The city changes only the value
    body = await api.gql(UPDATE, {"input": {"id": target["id"], "value": 0.9}}, as_=tree.city)
    assert body["data"]["targetUpdate"]["target"] == {"id": target["id"], "value": 0.9, "note": "市定目标"}
    # A bad value is refused and the target keeps its value
    body = await api.gql(UPDATE, {"input": {"id": target["id"], "value": 2}}, as_=tree.city)
    assert [(e["field"], e["code"]) for e in body["data"]["targetUpdate"]["userErrors"]] == [(["input", "value"], "TOO_LARGE")]
    await system_session.commit()
    assert (await system_session.execute(select(Target.value))).scalar_one() == pytest.approx(0.9)
    # And it resolves by id
    body = await api.gql(
        "query ($id: ID!) { node(id: $id) { ... on Target { value setBy { code } } } }", {"id": target["id"]}, as_=county
    )
    assert body["data"]["node"] == {"value": 0.9, "setBy": {"code": tree.city.code}}
