"""Target progress over HTTP: the cascade from the city down, stricter county targets, looser ones
refused, status moving with the data, the children behind, history from approved snapshots, and
fixed statement counts for pages of targets and of tenants.

The `world` of test_targets_indicators.py: county A's station coverage is 1/2 (S1 has a station, S2
none), county B's is not reported (S3 needs no station, S4 has no profile); the city's is 1/2.
Full-time teacher coverage: A 1/2, B 1/1, city 2/3.
"""

from __future__ import annotations

import datetime as dt
import statistics

import pytest
from sqlalchemy import func, select

from runxin.platform.reporting.models import AggregateSnapshot, Report
from runxin.platform.targets.models import Target
from runxin.platform.targets.progress import DAYS_PER_YEAR
from tests.e2e.counting import FACT_FAMILIES, PATTERN_HIT_STATEMENTS, PATTERN_STATEMENTS, SCHOOL_FACT_FAMILIES, StatementCounter, warm_up
from tests.e2e.test_targets_indicators import LATER, TODAY, UPDATE, create, station, world
from tests.factories.tree import make_tree

IN_3_YEARS = (TODAY + dt.timedelta(days=3 * 365)).isoformat()
PROGRESS = "target dueDate status gap trend current { value state } history { period value state version }"
BEHIND = "childrenBehind { code name value state status gap trend tenant { code } }"
TENANT_PROGRESS = f"""
query ($code: String!, $indicators: [String!]) {{
  tenant(code: $code) {{
    targetProgress(indicators: $indicators) {{
      indicator value dueDate inherited target {{ id }} setBy {{ code }} scope {{ code }}
      progress {{ {PROGRESS} {BEHIND} }}
    }}
  }}
}}
"""
TARGETS = f"""
query ($code: String!) {{
  tenant(code: $code) {{
    targets(first: 50, scope: SUBTREE) {{ nodes {{ note indicator progress {{ {PROGRESS} {BEHIND} }} }} }}
  }}
}}
"""


async def in_force(api, tenant, as_=None, indicators=("STATION_COVERAGE",)) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """The targets in force at `tenant` by indicator, read by `as_` (the tenant itself by default)."""
    body = await api.gql(TENANT_PROGRESS, {"code": tenant.code, "indicators": list(indicators)}, as_=as_ or tenant)
    assert "errors" not in body, body
    return {t["indicator"]: t for t in body["data"]["tenant"]["targetProgress"]}


async def targets(api, tenant) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    body = await api.gql(TARGETS, {"code": tenant.code}, as_=tenant)
    assert "errors" not in body, body
    return {n["note"]: n["progress"] for n in body["data"]["tenant"]["targets"]["nodes"]}


async def test_a_city_target_cascades_to_a_county_and_a_school(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given the city's station coverage target for the whole city
    tree, (s1, s2, _, _) = await world(system_session)
    city, (a, _) = tree.city, tree.counties
    created = await create(api, city, city, "STATION_COVERAGE", 0.8, LATER, "市定")
    assert created["userErrors"] == []
    # When the county and a school read what they are held to
    at_county = (await in_force(api, a))["STATION_COVERAGE"]
    at_school = (await in_force(api, s2))["STATION_COVERAGE"]
    # Then both see the city's target, what it asks and the bureau that set it, but not the record,
    # which is the city's (as node(id:) would not show it)
    for found in (at_county, at_school):
        assert (found["value"], found["dueDate"], found["inherited"]) == (0.8, LATER, True)
        assert (found["target"], found["setBy"], found["scope"]) == (None, {"code": city.code}, {"code": city.code})
    # And each one's progress is over its own subtree: A at 1/2, S2 (no station) at 0
    assert (at_county["progress"]["current"]["value"], at_county["progress"]["status"]) == (0.5, "AT_RISK")
    assert (at_school["progress"]["current"]["value"], at_school["progress"]["status"]) == (0.0, "AT_RISK")
    assert at_school["progress"]["childrenBehind"] == []
    # And at the city itself the target is its own record; an indicator without a target is left out
    at_city = await in_force(api, city, indicators=("STATION_COVERAGE", "CENTRE_COVERAGE"))
    assert list(at_city) == ["STATION_COVERAGE"]
    assert (at_city["STATION_COVERAGE"]["inherited"], at_city["STATION_COVERAGE"]["target"]) == (
        False,
        {"id": created["target"]["id"]},
    )
    # And the city sees which target is in force at the school, record and all
    assert (await in_force(api, s2, as_=city))["STATION_COVERAGE"]["target"] == {"id": created["target"]["id"]}
    # And nothing is shown for a tenant above the caller
    body = await api.gql(TENANT_PROGRESS, {"code": city.code, "indicators": None}, as_=a)
    assert body["errors"][0]["extensions"]["code"] == "ANCESTOR_SUBTREE"
    assert s1  # S1 has a station: it is not behind (see the children test)


async def test_a_stricter_county_target_wins_for_its_subtree(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given the city's 80% by a year from now, and county A's own 90% by then
    tree, (s1, _, s3, _) = await world(system_session)
    city, (a, b) = tree.city, tree.counties
    assert (await create(api, city, city, "STATION_COVERAGE", 0.8, LATER))["userErrors"] == []
    mine = await create(api, a, a, "STATION_COVERAGE", 0.9, LATER, "县定")
    assert mine["userErrors"] == []
    # Then A and its schools are held to A's target, county B and its schools to the city's
    assert (await in_force(api, a))["STATION_COVERAGE"] | {"progress": None} == {
        "indicator": "STATION_COVERAGE",
        "value": 0.9,
        "dueDate": LATER,
        "inherited": False,
        "target": {"id": mine["target"]["id"]},
        "setBy": {"code": a.code},
        "scope": {"code": a.code},
        "progress": None,
    }
    at_s1 = (await in_force(api, s1))["STATION_COVERAGE"]
    assert (at_s1["value"], at_s1["inherited"], at_s1["setBy"], at_s1["progress"]["status"]) == (
        0.9,
        True,
        {"code": a.code},
        "MET",
    )
    for tenant in (b, s3):
        found = (await in_force(api, tenant, as_=city))["STATION_COVERAGE"]
        assert (found["value"], found["setBy"]) == (0.8, {"code": city.code})
    # And the same value due earlier is stricter too: it wins at B
    assert (await create(api, city, b, "STATION_COVERAGE", 0.8, TODAY.isoformat()))["userErrors"] == []
    assert (await in_force(api, b, as_=city))["STATION_COVERAGE"]["dueDate"] == TODAY.isoformat()


async def test_a_looser_target_is_refused_and_nothing_written(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given the city's 80% by a year from now
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    city, county, school = tree.city, tree.counties[0], tree.all_schools()[0]
    assert (await create(api, city, city, "STATION_COVERAGE", 0.8, LATER))["userErrors"] == []
    # When the county sets 70% for itself, or for a school, by the same date or later
    for scope, due in ((county, LATER), (school, IN_3_YEARS)):
        payload = await create(api, county, scope, "STATION_COVERAGE", 0.7, due)
        # Then it is refused on the value, naming the city's target and what to set
        assert payload["target"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", "value"], "LOOSER_THAN_INHERITED")]
        message = payload["userErrors"][0]["message"]
        assert city.name in message and "0.8" in message and LATER in message and "set at least 0.8" in message
    await system_session.commit()
    assert (await system_session.execute(select(func.count()).select_from(Target))).scalar_one() == 1
    # And an earlier milestone below the city's value is allowed, but cannot be moved past the city's date
    milestone = await create(api, county, county, "STATION_COVERAGE", 0.5, TODAY.isoformat(), "阶段目标")
    assert milestone["userErrors"] == []
    body = await api.gql(UPDATE, {"input": {"id": milestone["target"]["id"], "note": "仍是阶段目标"}}, as_=county)
    assert body["data"]["targetUpdate"]["userErrors"] == []
    body = await api.gql(UPDATE, {"input": {"id": milestone["target"]["id"], "dueDate": IN_3_YEARS}}, as_=county)
    assert [(e["field"], e["code"]) for e in body["data"]["targetUpdate"]["userErrors"]] == [
        (["input", "value"], "LOOSER_THAN_INHERITED")
    ]
    await system_session.commit()
    assert (await system_session.execute(select(Target.due_date).where(Target.note == "仍是阶段目标"))).scalar_one() == TODAY


async def test_status_moves_from_at_risk_to_met_as_data_changes(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given county A's full station coverage by a year from now, at 1/2 today
    tree, (_, s2, _, _) = await world(system_session)
    a = tree.counties[0]
    assert (await create(api, a, a, "STATION_COVERAGE", 1.0, LATER, "全覆盖"))["userErrors"] == []
    before = (await targets(api, a))["全覆盖"]
    assert (before["status"], before["gap"], before["trend"]) == ("AT_RISK", 0.5, None)
    assert [c["code"] for c in before["childrenBehind"]] == [s2.code]
    # When S2 opens its station
    system_session.add(station(s2))
    await system_session.commit()
    # Then the target is met, and no school is behind
    after = (await targets(api, a))["全覆盖"]
    assert (after["status"], after["gap"], after["current"]["value"], after["childrenBehind"]) == ("MET", 0.0, 1.0, [])


async def test_children_behind_lists_the_lagging_county_and_school_worst_first(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given the city's full station coverage by a year from now
    tree, (s1, s2, _, _) = await world(system_session)
    city, (a, b) = tree.city, tree.counties
    assert (await create(api, city, city, "STATION_COVERAGE", 1.0, LATER))["userErrors"] == []
    # When the city reads its progress
    behind = (await in_force(api, city))["STATION_COVERAGE"]["progress"]["childrenBehind"]
    # Then both counties are behind: A at 1/2 (at risk) before B, which reports nothing
    assert [(c["code"], c["value"], c["state"], c["status"]) for c in behind] == [
        (a.code, 0.5, "REPORTED", "AT_RISK"),
        (b.code, None, "NOT_REPORTED", "NO_DATA"),
    ]
    assert behind[0]["name"] == a.name and behind[0]["gap"] == 0.5 and behind[0]["tenant"] == {"code": a.code}
    # And county A, held to the same target, sees its lagging school and not S1, which has a station
    at_a = (await in_force(api, a))["STATION_COVERAGE"]["progress"]["childrenBehind"]
    assert [(c["code"], c["value"], c["status"]) for c in at_a] == [(s2.code, 0.0, "AT_RISK")]
    assert s1.code not in {c["code"] for c in at_a}
    # And a short list keeps the worst
    body = await api.gql(
        "query ($code: String!) { tenant(code: $code) { targetProgress { progress { childrenBehind(first: 1) { code } } } } }",
        {"code": city.code},
        as_=city,
    )
    assert body["data"]["tenant"]["targetProgress"][0]["progress"]["childrenBehind"] == [{"code": a.code}]


async def snapshot(session, tenant, period: str, value: float | None, *, version: int = 1, indicator="STATION_COVERAGE") -> None:  # type: ignore[no-untyped-def]
    """An approved report of `tenant` for `period` and its frozen figure for `indicator`."""
    report = (
        await session.execute(select(Report).where(Report.tenant_id == tenant.id, Report.period == period))
    ).scalar_one_or_none()
    if report is None:
        report = Report(tenant_id=tenant.id, root_id=tenant.root_id, period=period, version=version, state="APPROVED")
        session.add(report)
        await session.flush()
    report.version = version
    session.add(
        AggregateSnapshot(
            tenant_id=tenant.id,
            root_id=tenant.root_id,
            report_id=report.id,
            period=period,
            version=version,
            year=int(period[:4]),
            indicator=indicator,
            standards_version="2023",
            units_total=4,
            units_not_reported=0 if value is not None else 4,
            numerator=(value or 0) * 4,
            denominator=4 if value is not None else 0,
            value=value,
            state="REPORTED" if value is not None else "NOT_REPORTED",
            as_of=dt.datetime.now(dt.UTC),
            input_version=1,
        )
    )
    await session.commit()


async def test_history_shows_snapshot_values_and_the_trend_follows_them(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given county A's approved station coverage: 2023 not reported, 2024 approved twice (0.1, then
    # 0.0 after a correction), 2025 at 0.25; and 0.5 live today. County B's snapshot is not A's.
    tree, (_, s2, _, _) = await world(system_session)
    a, b = tree.counties
    await snapshot(system_session, a, "2023", None)
    await snapshot(system_session, a, "2024", 0.1, version=1)
    await snapshot(system_session, a, "2024", 0.0, version=2)
    await snapshot(system_session, a, "2025", 0.25)
    await snapshot(system_session, a, "2025", 0.9, indicator="FULL_TIME_TEACHER_COVERAGE")
    await snapshot(system_session, b, "2025", 0.75)
    await snapshot(system_session, s2, "2025", 0.0)
    # And two targets of full coverage: one due in a year, one in three
    for note, due in (("soon", LATER), ("later", IN_3_YEARS)):
        assert (await create(api, a, a, "STATION_COVERAGE", 1.0, due, note))["userErrors"] == []
    # When the county reads them
    progress = await targets(api, a)
    # Then the history lists the latest approved figure of each period, oldest first
    assert progress["soon"]["history"] == [
        {"period": "2023", "value": None, "state": "NOT_REPORTED", "version": 1},
        {"period": "2024", "value": 0.0, "state": "REPORTED", "version": 2},
        {"period": "2025", "value": 0.25, "state": "REPORTED", "version": 1},
    ]
    # And the trend is the least-squares slope through the reported ones and today's 0.5
    points = [(dt.date(2024, 12, 31), 0.0), (dt.date(2025, 12, 31), 0.25), (TODAY, 0.5)]
    years = [(day - points[0][0]).days / DAYS_PER_YEAR for day, _ in points]
    slope = statistics.linear_regression(years, [v for _, v in points]).slope
    assert progress["soon"]["trend"] == pytest.approx(slope)
    # And it decides the status: a year at this pace falls short, three years reach the target
    # (the interim 90% rule would call both at risk)
    assert 0.5 + slope < 1.0 <= 0.5 + 3 * slope
    assert (progress["soon"]["status"], progress["later"]["status"]) == ("AT_RISK", "ON_TRACK")
    # And S2, behind, has its own trend from its own history: flat at 0
    behind = progress["soon"]["childrenBehind"]
    assert [(c["code"], c["trend"]) for c in behind] == [(s2.code, pytest.approx(0.0))]


async def test_a_page_of_targets_with_progress_does_not_grow_with_the_targets(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given targets for the city and both counties, with history for some
    tree, (s1, _, _, _) = await world(system_session)
    city, (a, b) = tree.city, tree.counties
    await snapshot(system_session, a, "2025", 0.25)
    await snapshot(system_session, s1, "2025", 1.0)

    async def statements() -> int:
        await warm_up(api, city)
        with StatementCounter(api) as counter:
            body = await api.gql(TARGETS, {"code": city.code}, as_=city)
        assert "errors" not in body, body
        return counter.count

    for scope in (city, a, b):
        assert (await create(api, city, scope, "STATION_COVERAGE", 1.0, LATER))["userErrors"] == []
    three = await statements()
    # When the page holds three times as many targets, on more indicators
    for scope in (city, a, b, city, a, b):
        assert (await create(api, city, scope, "FULL_TIME_TEACHER_COVERAGE", 0.8, LATER))["userErrors"] == []
    nine = await statements()
    # Then the statements stay the same: the city, the page of targets, their scopes; for the scopes
    # their history, the pending-rollup check (no worker runs here) and one computation per depth (city,
    # counties) and fact family; for their children the page of children and their history, then the
    # pending check and one computation for the schools (the counties' figures are the request's
    # already; a school holds no county, so one fact family fewer)
    # (+ the tree's suppression pattern, computed by the first batch and found by the second: the
    # progress shares the all-indicators loader, which holds a student-derived code)
    assert three == nine == 3 + (1 + 1 + 2 * FACT_FAMILIES) + (1 + 1 + 1 + SCHOOL_FACT_FAMILIES) + PATTERN_STATEMENTS + PATTERN_HIT_STATEMENTS


async def test_a_page_of_tenants_with_target_progress_does_not_grow_with_the_tenants(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a city of 2 counties and one of 6, each with a city-wide target
    small = await make_tree(system_session, counties=2, schools_per_county=1)
    large = await make_tree(system_session, city_code="360800", counties=6, schools_per_county=1)
    query = f"""
    query ($code: String!) {{
      tenant(code: $code) {{
        children(first: 20) {{ nodes {{ code targetProgress {{ indicator setBy {{ code }} progress {{ {PROGRESS} {BEHIND} }} }} }} }}
      }}
    }}
    """

    async def statements(city) -> int:  # type: ignore[no-untyped-def]
        assert (await create(api, city, city, "STATION_COVERAGE", 1.0, LATER))["userErrors"] == []
        await warm_up(api, city)
        with StatementCounter(api) as counter:
            body = await api.gql(query, {"code": city.code}, as_=city)
        assert "errors" not in body, body
        nodes = body["data"]["tenant"]["children"]["nodes"]
        assert all([t["setBy"]["code"] for t in n["targetProgress"]] == [city.code] for n in nodes)
        return counter.count

    # Then the statements are the same for 2 counties as for 6: the city, the page of counties, the
    # targets in force at all of them and their setters; the counties' history, the pending-rollup
    # check and one computation per fact family; their schools, the schools' history, the pending
    # check and the schools' computation (one fact family fewer: a school holds no county)
    assert await statements(small.city) == await statements(large.city) == 4 + (1 + 1 + FACT_FAMILIES) + (1 + 1 + 1 + SCHOOL_FACT_FAMILIES) + PATTERN_STATEMENTS + PATTERN_HIT_STATEMENTS


async def test_target_progress_needs_the_targets_read_scope(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a city target, and API clients of a county with and without targets:read
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    city, county = tree.city, tree.counties[0]
    assert (await create(api, city, city, "STATION_COVERAGE", 0.8, LATER))["userErrors"] == []

    def client(*scopes: str) -> str:
        return api.tokens.issue(subject="rx_test", tenant_id=county.id, roles=[], scopes=list(scopes), client_id="rx_test")

    variables = {"code": county.code, "indicators": None}
    # Then without it the field is refused, naming the scope
    refused = (await api.post(TENANT_PROGRESS, variables, token=client("tenants:read", "indicators:read"))).json()
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED" and "targets:read" in refused["errors"][0]["message"]
    # And with it the county's client reads what the county is held to
    body = await api.gql(TENANT_PROGRESS, variables, token=client("tenants:read", "targets:read"))
    assert [(t["indicator"], t["value"]) for t in body["data"]["tenant"]["targetProgress"]] == [("STATION_COVERAGE", 0.8)]
