"""Reporting completeness over HTTP: a city sees which figures its counties and schools are missing and
which came late; a county its schools'; a school its own; an ancestor's subtree is refused; bad
periods and missing scopes are refused; corrections after the deadline keep the first arrival; and
the answer takes a fixed number of statements however many tenants are asked for."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from runxin.platform.completeness.requirements import REQUIRED_FIGURES
from sqlalchemy import update

from runxin.graphql.ids import encode_id
from runxin.platform.centres.models import CounsellingCentre
from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from tests.e2e.counting import StatementCounter, warm_up
from tests.factories.tree import Tree, make_tree

PERIOD = "2025T1"
CST = dt.timezone(dt.timedelta(hours=8))
WINDOW = """mutation ($p: String!, $o: Date!, $c: Date!) {
  reportingWindowSet(input: {period: $p, opensOn: $o, closesOn: $c}) { userErrors { code message } }
}"""
RECORD = """mutation ($h: ID!, $p: String!, $n: Int!) {
  hotlineCallCountsRecord(input: {hotlineId: $h, period: $p, calls: $n, crisisCalls: 0, referrals: 0}) { userErrors { code message } }
}"""
ROUND = """mutation ($input: ScreeningRoundCreateInput!) {
  screeningRoundCreate(input: $input) { screeningRound { id } userErrors { field code message } }
}"""
RATES = "required onTime late missing completeness timeliness"
ENTRY = f"""tenant {{ code }} missing late own {{ {RATES} }} subtree {{ {RATES} }}
  deadline {{ lastDay dueAt rule window {{ setBy {{ code }} }} }} figures {{ code state arrivedAt }}"""
COMPLETENESS = f"""query ($code: String!, $p: String!, $gaps: Boolean!, $kind: TenantKind, $first: Int!, $after: String) {{
  tenant(code: $code) {{
    reportingCompleteness(period: $p) {{
      period periodKind requiredFigures {{ code labelZh tenantKinds periodKinds }}
      tenant {{ {ENTRY} }}
      byFigure {{ code figure {{ label }} rates {{ {RATES} }} }}
      descendants(first: $first, after: $after, onlyGaps: $gaps, kind: $kind) {{
        nodes {{ {ENTRY} }} pageInfo {{ hasNextPage endCursor }}
      }}
    }}
  }}
}}"""


def cst(y: int, m: int, d: int, h: int = 12) -> dt.datetime:
    """An instant given on the bureaus' clock, in UTC as the app writes times (SQLite keeps no zone)."""
    return dt.datetime(y, m, d, h, tzinfo=CST).astimezone(dt.UTC)


def codes(body: dict[str, Any]) -> list[str]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


async def ask(
    api,
    tenant,
    code: str,
    *,
    gaps: bool = False,
    kind: str | None = None,
    first: int = 20,
    after: str | None = None,
    period: str = PERIOD,
    token: str | None = None,
) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    variables = {"code": code, "p": period, "gaps": gaps, "kind": kind, "first": first, "after": after}
    return await api.gql(COMPLETENESS, variables, **({"token": token} if token else {"as_": tenant}))


@pytest.fixture
async def world(api, system_session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A city, counties A and B with two schools each; windows set by the city and by county A;
    hotlines and a centre; call counts recorded through the API, arriving at the instants below."""
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    county_a, county_b = tree.counties
    a1, a2 = tree.schools[county_a.code]
    b1, b2 = tree.schools[county_b.code]
    # Given the city's window for its counties (to 28 Feb) and county A's for its schools (to 15 Feb)
    for bureau, closes in ((tree.city, "2026-02-28"), (county_a, "2026-02-15")):
        body = await api.gql(WINDOW, {"p": PERIOD, "o": "2026-01-05", "c": closes}, as_=bureau)
        assert body["data"]["reportingWindowSet"]["userErrors"] == [], body
    # And active hotlines at A1, A2, B1 and county A (B2 has none), all running since September
    hotlines = {}
    for owner in (a1, a2, b1, county_a):
        row = Hotline(tenant_id=owner.id, root_id=tree.city.id, number="0797-8123456", always_open=True, status="ACTIVE",
                      created_at=dt.datetime(2025, 9, 1, tzinfo=dt.UTC))  # fmt: skip
        system_session.add(row)
        hotlines[owner.code] = row
    # And county A's operational centre, which records no activity
    system_session.add(CounsellingCentre(tenant_id=county_a.id, root_id=tree.city.id, name="辅导中心", status="OPERATIONAL",
                                         opening_date=dt.date(2022, 3, 1)))  # fmt: skip
    await system_session.commit()
    # When A1 (10 Feb), A2 (16 Feb, a day after its county's deadline) and county A (20 Feb, before
    # the city's) record their counts; B1 records none
    arrivals = {a1.code: cst(2026, 2, 10), a2.code: cst(2026, 2, 16, 8), county_a.code: cst(2026, 2, 20)}
    for code, at in arrivals.items():
        owner = next(t for t in (a1, a2, county_a) if t.code == code)
        body = await api.gql(RECORD, {"h": encode_id("Hotline", hotlines[code].id), "p": PERIOD, "n": 12}, as_=owner)
        assert body["data"]["hotlineCallCountsRecord"]["userErrors"] == [], body
        await system_session.execute(
            update(HotlineCallCount).where(HotlineCallCount.hotline_id == hotlines[code].id).values(created_at=at, updated_at=at)
        )
    await system_session.commit()
    return {"tree": tree, "a1": a1, "a2": a2, "b1": b1, "b2": b2, "county_a": county_a, "county_b": county_b,
            "hotlines": hotlines, "arrivals": arrivals}  # fmt: skip


def by_code(connection: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["tenant"]["code"]: n for n in connection["nodes"]}


def states(entry: dict[str, Any]) -> dict[str, str]:
    return {f["code"]: f["state"] for f in entry["figures"]}


async def test_the_city_sees_which_figures_are_missing_and_which_came_late(api, world) -> None:  # type: ignore[no-untyped-def]
    tree, a1, a2, b1, b2 = world["tree"], world["a1"], world["a2"], world["b1"], world["b2"]
    county_a, county_b = world["county_a"], world["county_b"]
    body = await ask(api, tree.city, tree.city.code)
    assert "errors" not in body, body
    answer = body["data"]["tenant"]["reportingCompleteness"]
    # Then a term asks for the call counts and the centres' activity
    assert (answer["period"], answer["periodKind"]) == (PERIOD, "TERM")
    assert [f["code"] for f in answer["requiredFigures"]] == ["HOTLINE_CALLS", "CENTRE_ACTIVITY", "CLASS_TERM_HOURS"]
    rows = by_code(answer["descendants"])
    assert list(rows) == sorted(t.code for t in (county_a, county_b, a1, a2, b1, b2))
    # And each tenant's figures are in the state their arrival and deadline make
    assert states(rows[a1.code]) == {"HOTLINE_CALLS": "PRESENT", "CENTRE_ACTIVITY": "NOT_REQUIRED", "CLASS_TERM_HOURS": "NOT_REQUIRED"}
    assert states(rows[a2.code]) == {"HOTLINE_CALLS": "LATE", "CENTRE_ACTIVITY": "NOT_REQUIRED", "CLASS_TERM_HOURS": "NOT_REQUIRED"}
    assert (rows[a2.code]["late"], rows[a2.code]["missing"]) == (["HOTLINE_CALLS"], [])
    assert (rows[b1.code]["late"], rows[b1.code]["missing"]) == ([], ["HOTLINE_CALLS"])
    assert states(rows[b2.code]) == {"HOTLINE_CALLS": "NOT_REQUIRED", "CENTRE_ACTIVITY": "NOT_REQUIRED", "CLASS_TERM_HOURS": "NOT_REQUIRED"}
    assert rows[b2.code]["own"]["completeness"] is None
    assert states(rows[county_a.code]) == {"HOTLINE_CALLS": "PRESENT", "CENTRE_ACTIVITY": "MISSING", "CLASS_TERM_HOURS": "NOT_REQUIRED"}
    arrived = dt.datetime.fromisoformat(next(f for f in rows[a2.code]["figures"] if f["code"] == "HOTLINE_CALLS")["arrivedAt"])
    assert arrived == world["arrivals"][a2.code]
    # And the deadlines are the windows set above each tenant: county A's for its schools, the city's
    # for the counties and for county B's schools (county B set none)
    for code, (last, setter) in {a1.code: ("2026-02-15", county_a.code), b1.code: ("2026-02-28", tree.city.code),
                                 county_a.code: ("2026-02-28", tree.city.code)}.items():  # fmt: skip
        deadline = rows[code]["deadline"]
        assert (deadline["lastDay"], deadline["rule"], deadline["window"]["setBy"]["code"]) == (last, "WINDOW", setter)
    assert dt.datetime.fromisoformat(rows[a2.code]["deadline"]["dueAt"]) == dt.datetime(2026, 2, 16, tzinfo=CST)
    # And the city, with nobody above it, has no deadline
    assert answer["tenant"]["deadline"] is None
    # And the rates: five figures owed (four hotlines, one centre), two on time, one late, two missing
    subtree = answer["tenant"]["subtree"]
    assert {k: subtree[k] for k in ("required", "onTime", "late", "missing")} == {
        "required": 5,
        "onTime": 2,
        "late": 1,
        "missing": 2,
    }
    assert subtree["completeness"] == pytest.approx(3 / 5) and subtree["timeliness"] == pytest.approx(2 / 5)
    county = rows[county_a.code]["subtree"]
    assert (county["required"], county["onTime"], county["late"]) == (4, 2, 1)
    figures = {f["code"]: f["rates"] for f in answer["byFigure"]}
    assert (figures["HOTLINE_CALLS"]["required"], figures["HOTLINE_CALLS"]["timeliness"]) == (4, pytest.approx(0.5))
    assert (figures["CENTRE_ACTIVITY"]["required"], figures["CENTRE_ACTIVITY"]["completeness"]) == (1, 0.0)


async def test_gaps_kind_and_paging(api, world) -> None:  # type: ignore[no-untyped-def]
    tree, a2, b1, county_a = world["tree"], world["a2"], world["b1"], world["county_a"]
    # onlyGaps keeps the tenants with a figure of their own missing or late
    gaps = (await ask(api, tree.city, tree.city.code, gaps=True))["data"]["tenant"]["reportingCompleteness"]["descendants"]
    assert [n["tenant"]["code"] for n in gaps["nodes"]] == sorted((a2.code, b1.code, county_a.code))
    schools = (await ask(api, tree.city, tree.city.code, gaps=True, kind="SCHOOL"))["data"]["tenant"]["reportingCompleteness"]
    assert [n["tenant"]["code"] for n in schools["descendants"]["nodes"]] == sorted((a2.code, b1.code))
    # Pages of two, by code, until the end
    seen, after = [], None
    while True:
        page = (await ask(api, tree.city, tree.city.code, first=2, after=after))["data"]["tenant"]["reportingCompleteness"][
            "descendants"
        ]
        seen += [n["tenant"]["code"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(t.code for t in [*tree.counties, *tree.all_schools()])
    assert "PAGE_SIZE" in codes(await ask(api, tree.city, tree.city.code, first=500))


async def test_each_level_sees_its_own_subtree_and_is_refused_above(api, world) -> None:  # type: ignore[no-untyped-def]
    tree, a1, a2, county_a = world["tree"], world["a1"], world["a2"], world["county_a"]
    # A county sees its schools
    mine = (await ask(api, county_a, county_a.code))["data"]["tenant"]["reportingCompleteness"]
    assert [n["tenant"]["code"] for n in mine["descendants"]["nodes"]] == sorted((a1.code, a2.code))
    assert (mine["tenant"]["subtree"]["required"], mine["tenant"]["deadline"]["window"]["setBy"]["code"]) == (4, tree.city.code)
    # A school sees its own figures, and that it came late
    own = (await ask(api, a2, a2.code))["data"]["tenant"]["reportingCompleteness"]
    assert (own["tenant"]["late"], own["descendants"]["nodes"]) == (["HOTLINE_CALLS"], [])
    # Over its county's subtree (it sees only part of it) it is refused, as the city is from a county
    for asker, above in ((a2, county_a), (county_a, tree.city)):
        body = await ask(api, asker, above.code)
        assert "ANCESTOR_SUBTREE" in codes(body), body
        assert body["data"]["tenant"] is None


async def test_a_correction_after_the_deadline_keeps_the_first_arrival(api, world) -> None:  # type: ignore[no-untyped-def]
    a1, hotline = world["a1"], world["hotlines"][world["a1"].code]
    # When A1 corrects its counts today, long after its deadline
    body = await api.gql(RECORD, {"h": encode_id("Hotline", hotline.id), "p": PERIOD, "n": 99}, as_=a1)
    assert body["data"]["hotlineCallCountsRecord"]["userErrors"] == []
    # Then its figure is still on time, and arrived when it first did
    entry = (await ask(api, a1, a1.code))["data"]["tenant"]["reportingCompleteness"]["tenant"]
    figure = next(f for f in entry["figures"] if f["code"] == "HOTLINE_CALLS")
    assert figure["state"] == "PRESENT"
    assert dt.datetime.fromisoformat(figure["arrivedAt"]) == world["arrivals"][a1.code]


async def test_bad_periods_and_missing_scopes_are_refused(api, world) -> None:  # type: ignore[no-untyped-def]
    tree = world["tree"]
    for bad in ("2025T3", "2025-1", "1999"):
        body = await ask(api, tree.city, tree.city.code, period=bad)
        assert "PERIOD_FORMAT" in codes(body), body

    # A client needs reports:read
    def client(*scopes: str) -> str:
        return api.tokens.issue(subject="rx_app", tenant_id=tree.city.id, roles=[], scopes=list(scopes), client_id="rx_app")

    body = await ask(api, tree.city, tree.city.code, token=client("tenants:read", "indicators:read"))
    assert "PERMISSION_DENIED" in codes(body)
    body = await ask(api, tree.city, tree.city.code, token=client("tenants:read", "reports:read"))
    assert "errors" not in body and body["data"]["tenant"]["reportingCompleteness"]["tenant"]["subtree"]["required"] == 5
    # A person without a reading role is refused too
    body = await api.gql(
        COMPLETENESS, {"code": tree.city.code, "p": PERIOD, "gaps": False, "first": 5}, as_=tree.city, roles=("JANITOR",)
    )
    assert "PERMISSION_DENIED" in codes(body)


async def test_other_kinds_of_period(api, world) -> None:  # type: ignore[no-untyped-def]
    tree, a1 = world["tree"], world["a1"]
    # Given school A1 records its screening round of the 2025 school year (and nobody any enrolment)
    held = {"tenantId": encode_id("Tenant", a1.id), "heldOn": "2025-10-20", "title": "秋季筛查"}
    body = await api.gql(ROUND, {"input": held}, as_=a1)
    assert body["data"]["screeningRoundCreate"]["userErrors"] == [], body
    # A school year asks each of the four schools for its enrolment and its screening round; a month for nothing
    year = (await ask(api, tree.city, tree.city.code, period="2025SY"))["data"]["tenant"]["reportingCompleteness"]
    assert [f["code"] for f in year["requiredFigures"]] == ["ENROLMENT", "SCREENING_ROUND"]
    assert (year["tenant"]["subtree"]["required"], year["tenant"]["subtree"]["missing"]) == (8, 7)
    schools = by_code(year["descendants"])
    assert {f["code"]: f["state"] for f in schools[a1.code]["figures"]} == {"ENROLMENT": "MISSING", "SCREENING_ROUND": "PRESENT"}
    assert schools[world["b2"].code]["missing"] == ["ENROLMENT", "SCREENING_ROUND"]
    # And the round's year is the school year's: the 2024 school year still misses it
    before = (await ask(api, a1, a1.code, period="2024SY"))["data"]["tenant"]["reportingCompleteness"]["tenant"]
    assert before["missing"] == ["ENROLMENT", "SCREENING_ROUND"]
    month = (await ask(api, tree.city, tree.city.code, period="202602"))["data"]["tenant"]["reportingCompleteness"]
    assert month["requiredFigures"] == [] and month["tenant"]["subtree"]["completeness"] is None


COUNTIES = f"""query ($code: String!, $p: String!) {{
  tenants(under: $code, kind: COUNTY, first: 100) {{
    nodes {{ code reportingCompleteness(period: $p) {{ tenant {{ subtree {{ {RATES} }} }}
      descendants(first: 100) {{ nodes {{ tenant {{ code }} missing late }} }} }} }}
  }}
}}"""


async def statements_for(api, system_session, counties: int, city_code: str) -> tuple[int, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    tree: Tree = await make_tree(system_session, city_code=city_code, counties=counties, schools_per_county=3)
    for school in tree.all_schools():
        system_session.add(Hotline(tenant_id=school.id, root_id=tree.city.id, number="0797-8123456", always_open=True, status="ACTIVE",
                                   created_at=dt.datetime(2025, 9, 1, tzinfo=dt.UTC)))  # fmt: skip
    await system_session.commit()
    await warm_up(api, tree.city)
    with StatementCounter(api) as counter:
        body = await api.gql(COUNTIES, {"code": tree.city.code, "p": PERIOD}, as_=tree.city)
    assert "errors" not in body, body
    return counter.count, body["data"]["tenants"]["nodes"]


async def test_every_county_of_a_list_in_a_fixed_number_of_statements(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given cities of one and of four counties, three schools each with a hotline and no counts
    few, small = await statements_for(api, system_session, 1, "360700")
    many, large = await statements_for(api, system_session, 4, "361000")
    # Then every county's schools miss their counts
    assert [n["reportingCompleteness"]["tenant"]["subtree"]["missing"] for n in large] == [3, 3, 3, 3]
    assert all(len(n["reportingCompleteness"]["descendants"]["nodes"]) == 3 for n in [*small, *large])
    # And the four counties took the statements one did: the page, the tenants, the windows, one per figure
    assert many == few, f"{few} statements for one county, {many} for four"
    assert few == 4 + sum(1 for figure in REQUIRED_FIGURES if "TERM" in figure.period_kinds)


async def test_the_completeness_list_as_a_workbook(api, world) -> None:  # type: ignore[no-untyped-def]
    import io

    from openpyxl import load_workbook

    tree, a2, b1 = world["tree"], world["a2"], world["b1"]
    headers = {"Authorization": f"Bearer {api.token_for(tree.city)}"}
    # When the city exports the term's completeness
    response = await api.client.get(f"/exports/completeness.xlsx?tenant={tree.city.code}&period={PERIOD}", headers=headers)
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    # Then the city and every tenant under it has a row, with who is late and who is missing what
    assert list(rows) == [tree.city.code, *sorted(t.code for t in [*tree.counties, *tree.all_schools()])]
    assert (rows[a2.code][6], rows[a2.code][13]) == (1, "心理援助热线接听情况")
    assert (rows[b1.code][7], rows[b1.code][12], rows[b1.code][3]) == (1, "心理援助热线接听情况", dt.datetime(2026, 2, 28))
    assert rows[tree.city.code][10] == pytest.approx(3 / 5)
    # And a period is required, and must be one
    missing = await api.client.get(f"/exports/completeness.xlsx?tenant={tree.city.code}", headers=headers)
    bad = await api.client.get(f"/exports/completeness.xlsx?tenant={tree.city.code}&period=2025T9", headers=headers)
    assert (missing.status_code, bad.status_code, bad.json()["errors"][0]["extensions"]["code"]) == (400, 400, "PERIOD_FORMAT")


async def test_without_a_window_the_deployments_grace_sets_the_deadline(api, settings, system_session) -> None:  # type: ignore[no-untyped-def]
    import httpx

    from runxin.graphql.app import create_app
    from tests.e2e.conftest import Api

    # Given a county whose two schools sent their counts on 5 and 11 February, and no window anywhere
    tree = await make_tree(system_session, city_code="361100", counties=1, schools_per_county=2)
    county, (early, later) = tree.counties[0], tree.all_schools()
    for school, at in ((early, cst(2026, 2, 5)), (later, cst(2026, 2, 11))):
        hotline = Hotline(tenant_id=school.id, root_id=tree.city.id, number="0797-8123456", always_open=True, status="ACTIVE",
                          created_at=dt.datetime(2025, 9, 1, tzinfo=dt.UTC))  # fmt: skip
        system_session.add(hotline)
        await system_session.flush()
        system_session.add(HotlineCallCount(tenant_id=school.id, root_id=tree.city.id, hotline_id=hotline.id, period=PERIOD, calls=5,
                                            created_at=at, updated_at=at))  # fmt: skip
    await system_session.commit()
    # When the deployment sets no grace, nothing is late
    plain = by_code((await ask(api, county, county.code))["data"]["tenant"]["reportingCompleteness"]["descendants"])
    assert [(plain[s.code]["late"], plain[s.code]["deadline"]) for s in (early, later)] == [([], None), ([], None)]
    # And with ten days of grace after the term's end (31 January), the one of 11 February is late
    app = create_app(settings.replace(completeness_grace_days=10))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://runxin.test") as client:
        graced = Api(client=client, tokens=api.tokens, app=app)
        rows = by_code((await ask(graced, county, county.code))["data"]["tenant"]["reportingCompleteness"]["descendants"])
    assert [rows[s.code]["late"] for s in (early, later)] == [[], ["HOTLINE_CALLS"]]
    assert (rows[later.code]["deadline"]["lastDay"], rows[later.code]["deadline"]["rule"]) == ("2026-02-10", "GRACE")
    assert rows[later.code]["deadline"]["window"] is None
