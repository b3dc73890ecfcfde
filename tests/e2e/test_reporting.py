"""The reporting chain over HTTP: schools submit, their county approves them in bulk and submits, the
city approves its counties and accepts; who may do what; worklists, history, snapshots, changes since
approval, locks, entry windows and late reports; and bad input as userErrors with nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from runxin.graphql.ids import encode_id
from runxin.platform.hotlines.models import Hotline
from runxin.platform.indicators import INDICATORS
from runxin.platform.reporting.models import AggregateSnapshot, Report
from runxin.platform.schools.models import SchoolProfile
from runxin.platform.stations.models import Station
from tests.e2e.counting import StatementCounter, warm_up
from tests.factories.tree import Tree, make_tree

PERIOD = "2025"
ERRORS = "userErrors { field code message }"
REPORT = "period state approvalState version submittedBy decidedBy returnReason tenant { code }"

SUBMIT = f"mutation ($p: String!) {{ reportSubmit(input: {{period: $p}}) {{ report {{ {REPORT} }} {ERRORS} }} }}"
APPROVE = f"""mutation ($ids: [ID!]!, $p: String!) {{
  reportApprove(input: {{tenantIds: $ids, period: $p, comment: "核对无误"}}) {{ reports {{ {REPORT} }} {ERRORS} }}
}}"""
ACCEPT = f"mutation ($p: String!) {{ reportAccept(input: {{period: $p}}) {{ report {{ {REPORT} }} {ERRORS} }} }}"
RETURN = f"""mutation ($id: ID!, $p: String!, $r: String!) {{
  reportReturn(input: {{tenantId: $id, period: $p, reason: $r}}) {{ report {{ {REPORT} }} {ERRORS} }}
}}"""
REOPEN = f"mutation ($id: ID!, $p: String!) {{ reportReopen(input: {{tenantId: $id, period: $p}}) {{ report {{ {REPORT} }} {ERRORS} }} }}"
COMMENT = f"""mutation ($id: ID, $p: String!, $c: String!) {{
  reportComment(input: {{tenantId: $id, period: $p, comment: $c}}) {{ report {{ {REPORT} }} {ERRORS} }}
}}"""
WINDOW = f"""mutation ($p: String!, $o: Date!, $c: Date!) {{
  reportingWindowSet(input: {{period: $p, opensOn: $o, closesOn: $c}}) {{ window {{ period opensOn closesOn setBy {{ code }} }} {ERRORS} }}
}}"""
WORKLIST = f"""query ($code: String!, $p: String!, $state: ApprovalState, $first: Int, $after: String) {{
  tenant(code: $code) {{
    childReports(period: $p, approvalState: $state, first: $first, after: $after) {{
      nodes {{ {REPORT} }} pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}"""
ONE = f"""query ($code: String!, $p: String!) {{
  tenant(code: $code) {{
    report(period: $p) {{
      {REPORT} decidedByTenant {{ code }}
      events {{ action actor version comment actorTenant {{ code }} }}
      snapshot {{ version inputVersion figures {{ indicator value state }} }}
      changesSinceApproved {{ indicator approvedVersion approved {{ value state }} current {{ value state }} }}
    }}
  }}
}}"""
LATE = f"""query ($code: String!, $p: String!) {{
  tenant(code: $code) {{ lateReports(period: $p, first: 10) {{ nodes {{ {REPORT} late window {{ closesOn setBy {{ code }} }} }} }} }}
}}"""


def gid(tenant: Any) -> str:
    return encode_id("Tenant", tenant.id)


@pytest.fixture
async def tree(system_session) -> Tree:  # type: ignore[no-untyped-def]
    return await make_tree(system_session, counties=2, schools_per_county=2)


async def mutate(api, document: str, variables: dict[str, Any], as_: Any, field: str, roles=("ADMIN",)) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = await api.gql(document, variables, as_=as_, roles=roles)
    assert "errors" not in body, body
    return body["data"][field]


async def ok(api, document: str, variables: dict[str, Any], as_: Any, field: str) -> Any:  # type: ignore[no-untyped-def]
    payload = await mutate(api, document, variables, as_, field)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload.get("report") or payload.get("reports") or payload.get("window")


async def county_through(api, tree: Tree, county: Any) -> None:  # type: ignore[no-untyped-def]
    schools = tree.schools[county.code]
    for school in schools:
        await ok(api, SUBMIT, {"p": PERIOD}, school, "reportSubmit")
    await ok(api, APPROVE, {"ids": [gid(s) for s in schools], "p": PERIOD}, county, "reportApprove")
    await ok(api, SUBMIT, {"p": PERIOD}, county, "reportSubmit")


async def test_a_county_approves_its_schools_in_bulk_and_the_city_accepts(api, tree, system_session) -> None:  # type: ignore[no-untyped-def]
    city, (county, other) = tree.city, tree.counties
    schools = tree.schools[county.code]
    # Given both schools of the first county have submitted
    for school in schools:
        report = await ok(api, SUBMIT, {"p": PERIOD}, school, "reportSubmit")
        assert (report["state"], report["approvalState"], report["version"]) == ("SUBMITTED", "SUBMITTED", 1)
    # When the county reads its worklist of submitted reports
    body = await api.gql(WORKLIST, {"code": county.code, "p": PERIOD, "state": "SUBMITTED", "first": 10}, as_=county)
    listed = body["data"]["tenant"]["childReports"]["nodes"]
    assert sorted(n["tenant"]["code"] for n in listed) == sorted(s.code for s in schools)
    # And approves them in one call
    approved = await ok(api, APPROVE, {"ids": [gid(s) for s in schools], "p": PERIOD}, county, "reportApprove")
    # Then both are approved here (the county's own report is not approved yet)
    assert [(r["state"], r["approvalState"], r["decidedBy"]) for r in approved] == [
        ("APPROVED", "APPROVED_HERE", f"user@{county.code}")
    ] * 2
    # When the county submits, the city approves both counties and accepts its own report
    await ok(api, SUBMIT, {"p": PERIOD}, county, "reportSubmit")
    await county_through(api, tree, other)
    await ok(api, APPROVE, {"ids": [gid(county), gid(other)], "p": PERIOD}, city, "reportApprove")
    accepted = await ok(api, ACCEPT, {"p": PERIOD}, city, "reportAccept")
    # Then the city's report is approved here, with its history and frozen figures
    assert (accepted["state"], accepted["approvalState"]) == ("APPROVED", "APPROVED_HERE")
    body = await api.gql(ONE, {"code": city.code, "p": PERIOD}, as_=city)
    report = body["data"]["tenant"]["report"]
    assert [e["action"] for e in report["events"]] == ["ACCEPT"]
    assert report["snapshot"]["version"] == 1 and len(report["snapshot"]["figures"]) == len(INDICATORS)
    assert report["changesSinceApproved"] == []
    # And a school's report now reads approved above, with the county's comment in its history
    body = await api.gql(ONE, {"code": schools[0].code, "p": PERIOD}, as_=schools[0])
    school_report = body["data"]["tenant"]["report"]
    assert school_report["approvalState"] == "APPROVED_ABOVE" and school_report["decidedByTenant"]["code"] == county.code
    assert [(e["action"], e["comment"], e["actorTenant"]["code"]) for e in school_report["events"]] == [
        ("SUBMIT", "", schools[0].code),
        ("APPROVE", "核对无误", county.code),
    ]
    assert (await system_session.execute(select(func.count()).select_from(AggregateSnapshot))).scalar_one() == 7 * len(INDICATORS)


async def test_bulk_approval_reports_every_refusal_per_tenant_and_writes_nothing(api, tree, system_session) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    first, second = tree.schools[county.code]
    await ok(api, SUBMIT, {"p": PERIOD}, first, "reportSubmit")
    # When the county approves a submitted school, one that did not submit, and a malformed id
    payload = await mutate(api, APPROVE, {"ids": [gid(first), gid(second), "nonsense"], "p": PERIOD}, county, "reportApprove")
    # Then the malformed id is reported first (the input is refused before any report is read)
    assert payload["reports"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", "tenantIds", "2"], "ID_MALFORMED")]
    payload = await mutate(api, APPROVE, {"ids": [gid(first), gid(second)], "p": PERIOD}, county, "reportApprove")
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", "tenantIds", "1"], "NOT_SUBMITTED")]
    assert second.name in payload["userErrors"][0]["message"]
    # And nothing was approved
    state = await system_session.execute(select(Report.state).where(Report.tenant_id == first.id))
    assert state.scalar_one() == "SUBMITTED"


async def test_a_school_cannot_approve_and_a_data_officer_cannot_either(api, tree) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school, sibling = tree.schools[county.code]
    await ok(api, SUBMIT, {"p": PERIOD}, school, "reportSubmit")
    # A school administrator approving its own report is told who approves it
    payload = await mutate(api, APPROVE, {"ids": [gid(school)], "p": PERIOD}, school, "reportApprove")
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_APPROVER"] and county.name in payload["userErrors"][0]["message"]
    # A sibling school does not see it at all
    payload = await mutate(api, APPROVE, {"ids": [gid(school)], "p": PERIOD}, sibling, "reportApprove")
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    # A county data officer may submit and comment but not approve
    body = (await api.post(APPROVE, {"ids": [gid(school)], "p": PERIOD}, as_=county, roles=("DATA_OFFICER",))).json()
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert "ADMIN" in body["errors"][0]["message"]


async def test_a_sibling_county_can_neither_see_nor_act(api, tree) -> None:  # type: ignore[no-untyped-def]
    county, other = tree.counties
    school = tree.schools[county.code][0]
    await ok(api, SUBMIT, {"p": PERIOD}, school, "reportSubmit")
    # The other county does not see the county or its school
    for code in (county.code, school.code):
        body = await api.gql(ONE, {"code": code, "p": PERIOD}, as_=other)
        assert body["data"]["tenant"] is None
    # Nor can it approve, return, reopen or comment on their reports
    for document, field, extra in [
        (APPROVE, "reportApprove", {"ids": [gid(school)]}),
        (RETURN, "reportReturn", {"id": gid(school), "r": "x"}),
        (REOPEN, "reportReopen", {"id": gid(school)}),
        (COMMENT, "reportComment", {"id": gid(school), "c": "x"}),
    ]:
        payload = await mutate(api, document, {"p": PERIOD, **extra}, other, field)
        assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"], (field, payload)
    # And its own worklist holds its own schools only
    body = await api.gql(WORKLIST, {"code": other.code, "p": PERIOD, "first": 10}, as_=other)
    assert sorted(n["tenant"]["code"] for n in body["data"]["tenant"]["childReports"]["nodes"]) == sorted(
        s.code for s in tree.schools[other.code]
    )


async def test_bad_period_ids_are_user_errors(api, tree, system_session) -> None:  # type: ignore[no-untyped-def]
    school = tree.all_schools()[0]
    for bad in ("2025-13", "202513", "2025T3", "25"):
        payload = await mutate(api, SUBMIT, {"p": bad}, school, "reportSubmit")
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", "period"], "PERIOD_FORMAT")], bad
    payload = await mutate(api, WINDOW, {"p": "2025Q1", "o": "2026-01-02", "c": "2026-01-01"}, tree.city, "reportingWindowSet")
    assert sorted((e["field"][1], e["code"]) for e in payload["userErrors"]) == [
        ("closesOn", "DATE_ORDER"),
        ("period", "PERIOD_FORMAT"),
    ]
    # Asked in a query, the field is refused with the same code
    body = await api.gql(ONE, {"code": school.code, "p": "2025/03"}, as_=school)
    assert body["errors"][0]["extensions"]["code"] == "PERIOD_FORMAT"
    assert (await system_session.execute(select(func.count()).select_from(Report))).scalar_one() == 0


async def test_a_viewer_cannot_submit_and_a_client_needs_its_scopes(api, tree) -> None:  # type: ignore[no-untyped-def]
    school = tree.all_schools()[0]
    body = (await api.post(SUBMIT, {"p": PERIOD}, as_=school, roles=("VIEWER",))).json()
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    # A viewer reads the report
    body = await api.gql(ONE, {"code": school.code, "p": PERIOD}, as_=school, roles=("VIEWER",))
    assert body["data"]["tenant"]["report"]["state"] == "OPEN"
    # A client with reports:write submits; approving needs reports:approve
    token = api.tokens.issue(
        subject="rx_mis", tenant_id=school.id, roles=[], scopes=["tenants:read", "reports:write"], client_id="rx_mis"
    )
    body = await api.gql(SUBMIT, {"p": PERIOD}, token=token)
    assert body["data"]["reportSubmit"]["userErrors"] == []
    county = tree.counties[0]
    token = api.tokens.issue(subject="rx_bureau", tenant_id=county.id, roles=[], scopes=["reports:write"], client_id="rx_bureau")
    body = (await api.post(APPROVE, {"ids": [gid(school)], "p": PERIOD}, token=token)).json()
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED" and "reports:approve" in body["errors"][0]["message"]
    token = api.tokens.issue(
        subject="rx_bureau", tenant_id=county.id, roles=[], scopes=["reports:approve", "reports:read"], client_id="rx_bureau"
    )
    body = await api.gql(APPROVE, {"ids": [gid(school)], "p": PERIOD}, token=token)
    assert body["data"]["reportApprove"]["userErrors"] == []


async def test_a_returned_report_is_corrected_and_an_approved_one_reopened(api, tree, system_session) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    system_session.add(Hotline(tenant_id=school.id, root_id=school.root_id, number="12355", always_open=True, status="ACTIVE"))
    await system_session.commit()
    hotline_id = (await system_session.execute(select(Hotline.id))).scalar_one()
    record = """mutation ($h: ID!, $p: String!, $n: Int!) {
      hotlineCallCountsRecord(input: {hotlineId: $h, period: $p, calls: $n, crisisCalls: 0, referrals: 0}) {
        callCounts { calls } userErrors { field code message } } }"""
    variables = {"h": encode_id("Hotline", hotline_id), "p": PERIOD, "n": 10}
    await mutate(api, record, variables, school, "hotlineCallCountsRecord")
    await ok(api, SUBMIT, {"p": PERIOD}, school, "reportSubmit")
    # A return needs a reason
    payload = await mutate(api, RETURN, {"id": gid(school), "p": PERIOD, "r": " "}, county, "reportReturn")
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", "reason"], "REQUIRED")]
    returned = await ok(api, RETURN, {"id": gid(school), "p": PERIOD, "r": "来电数偏低，请核对"}, county, "reportReturn")
    assert (returned["state"], returned["approvalState"], returned["returnReason"]) == (
        "RETURNED",
        "RETURNED",
        "来电数偏低，请核对",
    )
    # The school corrects its counts, submits again, and the county approves
    payload = await mutate(api, record, {**variables, "n": 14}, school, "hotlineCallCountsRecord")
    assert payload["userErrors"] == []
    await ok(api, SUBMIT, {"p": PERIOD}, school, "reportSubmit")
    await ok(api, APPROVE, {"ids": [gid(school)], "p": PERIOD}, county, "reportApprove")
    # Approval locks the counts: a change is a userError naming whom to ask
    payload = await mutate(api, record, {**variables, "n": 15}, school, "hotlineCallCountsRecord")
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", "period"], "PERIOD_LOCKED")]
    assert f"ask {county.name} to reopen" in payload["userErrors"][0]["message"]
    # The county reopens it: version 2, and the counts can change again
    reopened = await ok(api, REOPEN, {"id": gid(school), "p": PERIOD}, county, "reportReopen")
    assert (reopened["state"], reopened["version"], reopened["approvalState"]) == ("OPEN", 2, "READY")
    payload = await mutate(api, record, {**variables, "n": 15}, school, "hotlineCallCountsRecord")
    assert payload["userErrors"] == [] and payload["callCounts"]["calls"] == 15


async def test_changes_since_the_approved_version(api, tree, system_session) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    system_session.add(SchoolProfile(tenant_id=school.id, root_id=school.root_id, category=school.code[:2], central_rank=True))
    await system_session.commit()
    await ok(api, SUBMIT, {"p": PERIOD}, school, "reportSubmit")
    await ok(api, APPROVE, {"ids": [gid(school)], "p": PERIOD}, county, "reportApprove")
    # When the school opens its station after approval
    system_session.add(
        Station(
            tenant_id=school.id, root_id=school.root_id, name="阳光辅导站", area_m2=Decimal(30), weekly_open_hours=Decimal(8),
            individual_counselling=True, assessment=True, sandplay=True,
        )
    )  # fmt: skip
    await system_session.commit()
    # Then the county sees what moved since version 1, while the snapshot keeps what it approved
    body = await api.gql(ONE, {"code": school.code, "p": PERIOD}, as_=county)
    report = body["data"]["tenant"]["report"]
    changes = {c["indicator"]: c for c in report["changesSinceApproved"]}
    assert set(changes) == {"STATION_COVERAGE", "STATION_STANDARD_RATE"}
    assert changes["STATION_COVERAGE"]["approved"] == {"value": 0.0, "state": "REPORTED"}
    assert changes["STATION_COVERAGE"]["current"] == {"value": 1.0, "state": "REPORTED"}
    assert changes["STATION_COVERAGE"]["approvedVersion"] == 1
    frozen = {f["indicator"]: f["value"] for f in report["snapshot"]["figures"]}
    assert frozen["STATION_COVERAGE"] == 0.0
    # A tenant with nothing approved has no comparison
    body = await api.gql(ONE, {"code": county.code, "p": PERIOD}, as_=county)
    assert body["data"]["tenant"]["report"]["changesSinceApproved"] is None
    assert body["data"]["tenant"]["report"]["snapshot"] is None


async def test_windows_and_late_reports(api, tree) -> None:  # type: ignore[no-untyped-def]
    city, (county, other) = tree.city, tree.counties
    # The city sets a window for 2025 that closed yesterday
    yesterday = dt.date.today() - dt.timedelta(days=1)
    window = await ok(api, WINDOW, {"p": PERIOD, "o": "2026-01-05", "c": yesterday.isoformat()}, city, "reportingWindowSet")
    assert window == {"period": PERIOD, "opensOn": "2026-01-05", "closesOn": yesterday.isoformat(), "setBy": {"code": city.code}}
    # A school cannot set one
    payload = await mutate(
        api, WINDOW, {"p": PERIOD, "o": "2026-01-05", "c": "2026-01-31"}, tree.all_schools()[0], "reportingWindowSet"
    )
    assert [e["code"] for e in payload["userErrors"]] == ["TENANT_KIND"]
    # When the first county's schools submit and it approves them, its schools are no longer late
    for school in tree.schools[county.code]:
        await ok(api, SUBMIT, {"p": PERIOD}, school, "reportSubmit")
    body = await api.gql(LATE, {"code": city.code, "p": PERIOD}, as_=city)
    nodes = body["data"]["tenant"]["lateReports"]["nodes"]
    want = sorted([county.code, other.code, *(s.code for s in tree.schools[other.code])])
    assert [n["tenant"]["code"] for n in nodes] == want
    assert all(n["late"] and n["window"]["setBy"]["code"] == city.code for n in nodes)
    # The county sees the late schools of its own subtree only; a school sees its own report late
    body = await api.gql(LATE, {"code": other.code, "p": PERIOD}, as_=other)
    assert [n["tenant"]["code"] for n in body["data"]["tenant"]["lateReports"]["nodes"]] == sorted(
        s.code for s in tree.schools[other.code]
    )
    late_school = tree.schools[other.code][0]
    body = await api.gql(
        'query ($c: String!) { tenant(code: $c) { report(period: "2025") { late window { closesOn } } } }',
        {"c": late_school.code},
        as_=late_school,
    )
    assert body["data"]["tenant"]["report"] == {"late": True, "window": {"closesOn": yesterday.isoformat()}}
    # Asked of an ancestor, the list is refused and the report is null
    body = await api.gql(LATE, {"code": city.code, "p": PERIOD}, as_=county)
    assert body["errors"][0]["extensions"]["code"] == "ANCESTOR_SUBTREE"
    body = await api.gql(ONE, {"code": other.code, "p": PERIOD}, as_=late_school)
    assert body["data"]["tenant"]["report"] is None, body


async def test_the_worklist_pages_and_takes_a_fixed_number_of_statements(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=7, city_code="360800")
    county = tree.counties[0]
    schools = sorted(tree.all_schools(), key=lambda s: s.code)
    for school in schools[:4]:
        await ok(api, SUBMIT, {"p": PERIOD}, school, "reportSubmit")
    await warm_up(api, county)
    query = """query ($code: String!, $first: Int!, $after: String) { tenant(code: $code) {
      childReports(period: "2025", first: $first, after: $after) {
        nodes { state approvalState late window { closesOn } events { action } tenant { code } } pageInfo { hasNextPage endCursor } } } }"""
    counts = []
    codes: list[str] = []
    after = None
    for first in (3, 4):
        with StatementCounter(api) as counter:
            body = await api.gql(query, {"code": county.code, "first": first, "after": after}, as_=county)
        page = body["data"]["tenant"]["childReports"]
        codes += [n["tenant"]["code"] for n in page["nodes"]]
        after = page["pageInfo"]["endCursor"]
        counts.append(counter.count)
    assert codes == [s.code for s in schools]
    assert not page["pageInfo"]["hasNextPage"]
    # The tenant, the county's own report, the page (approval states computed in it), the windows and the
    # events: five statements for 3 reports as for 4
    assert counts == [5, 5]
