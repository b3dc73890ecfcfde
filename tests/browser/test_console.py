"""The console in a real browser against a real server: sign-in as a city, a county and a school
user, figures equal to the API's, drill-down, the approval inbox, a school kept from its sibling."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from runxin.platform.rollup.years import live_years
from tests.browser.harness import Api, central_school, demo_tree, resubmit_with_a_change, sign_in

INDICATORS = """query ($code: String!) { tenant(code: $code) {
  indicators { indicator value state }
  children(first: 100) { nodes { code indicators { indicator value state } } }
} }"""
SCHOOL = """query ($code: String!) { tenant(code: $code) {
  gaps { code } staff(first: 100) { nodes { name personalDataMasked } } stations(first: 10) { nodes { areaM2 } }
} }"""
REPORT = "query ($code: String!, $period: String!) { tenant(code: $code) { report(period: $period) { state approvalState } } }"


def figures_on_page(page: Any, table: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(tenant, indicator) -> (raw value, state) of every figure cell in the table."""
    cells = page.locator(f'[data-testid="{table}"] td[data-indicator]')
    cells.first.wait_for()
    return {
        (cell.get_attribute("data-tenant"), cell.get_attribute("data-indicator")): (cell.get_attribute("data-value"), cell.get_attribute("data-state"))
        for cell in cells.all()
    }


def figures_from_api(code: str, items: list[dict[str, Any]], *, applicable_only: bool = True) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (code, item["indicator"]): ("" if item["value"] is None else repr(float(item["value"])), item["state"])
        for item in items
        if not applicable_only or item["state"] != "NOT_APPLICABLE"
    }


def normalised(figures: dict[tuple[str, str], tuple[str, str]]) -> dict[tuple[str, str], tuple[float | None, str]]:
    return {key: (None if value == "" else round(float(value), 9), state) for key, (value, state) in figures.items()}


def assert_overview_equals_api(page: Any, api: Api, code: str) -> None:
    data = api.query(code, INDICATORS, code=code)["tenant"]
    expected = figures_from_api(code, data["indicators"])
    assert expected, "the API returned no applicable indicators"
    assert normalised(figures_on_page(page, "indicators")) == normalised(expected)
    children: dict[tuple[str, str], tuple[str, str]] = {}
    own = {item["indicator"] for item in data["indicators"] if item["state"] != "NOT_APPLICABLE"}
    for child in data["children"]["nodes"]:
        # The page has a column per indicator that applies here; a child's n/a figure is a cell too.
        children |= figures_from_api(child["code"], [i for i in child["indicators"] if i["indicator"] in own], applicable_only=False)
    assert normalised(figures_on_page(page, "children")) == normalised(children)


def test_the_city_sees_its_overview_with_the_apis_figures_and_its_map(page: Any, api: Api, served: Any) -> None:
    city, county, _, _ = demo_tree(api)
    # Given the city's administrator signed in through the local sign-in page
    sign_in(page, served.base, "CITY", "ADMIN")
    # Then the overview shows exactly the figures a direct GraphQL query returns
    assert page.get_by_test_id("tenant-name").inner_text() == api.rows("SELECT name FROM tenant WHERE code = ?", city)[0][0]
    assert_overview_equals_api(page, api, city)
    # And charts, the county map and the freshness stamp are drawn
    for chart in ("bar-chart", "trend-chart", "county-map"):
        page.get_by_test_id(chart).locator("canvas").first.wait_for()
    assert "2026" in page.get_by_test_id("freshness").inner_text() or page.get_by_test_id("freshness").inner_text()
    # When the city drills into its first county, the county's page has the county's figures
    page.locator(f'[data-testid="children"] a[href="/t/{county}"]').click()
    page.wait_for_url(f"**/t/{county}")
    assert_overview_equals_api(page, api, county)


def test_a_county_drills_down_to_a_school_with_masked_staff_and_gaps(page: Any, api: Api, served: Any) -> None:
    _, county, school, _ = demo_tree(api)
    sign_in(page, served.base, "COUNTY", "ADMIN")
    assert_overview_equals_api(page, api, county)
    # When the county opens its school
    page.locator(f'[data-testid="children"] a[href="/t/{school}"]').click()
    page.get_by_test_id("staff").wait_for()
    expected = api.query(county, SCHOOL, code=school)["tenant"]
    # Then the school's gaps are the API's, and staff names are masked exactly where the API masks them
    shown_gaps = sorted(item.get_attribute("data-gap") for item in page.locator('[data-testid="school-gaps"] li').all())
    assert shown_gaps == sorted(g["code"] for g in expected["gaps"])
    names = [row.locator("td").first.inner_text() for row in page.locator('[data-testid="staff"] tbody tr').all()]
    assert len(names) == len(expected["staff"]["nodes"])
    for shown, staff in zip(names, expected["staff"]["nodes"], strict=True):
        assert shown == (staff["name"] if staff["name"] is not None else "已脱敏")
    assert page.locator('[data-testid="stations"] tbody tr').count() == len(expected["stations"]["nodes"])


def test_a_school_user_cannot_reach_a_siblings_page(page: Any, api: Api, served: Any) -> None:
    _, _, school, sibling = demo_tree(api)
    sign_in(page, served.base, "SCHOOL", "DATA_OFFICER")
    # The school's own page has the API's figures
    figures = api.query(school, "query ($code: String!) { tenant(code: $code) { indicators { indicator value state } } }", role="DATA_OFFICER", code=school)
    assert normalised(figures_on_page(page, "indicators")) == normalised(figures_from_api(school, figures["tenant"]["indicators"]))
    # The API refuses: the sibling is not visible to the school's token
    assert api.query(school, "query ($code: String!) { tenant(code: $code) { code } }", role="DATA_OFFICER", code=sibling)["tenant"] is None
    # And the page says so instead of showing anything of it
    page.goto(f"{served.base}/t/{sibling}")
    refused = page.get_by_test_id("refused")
    refused.wait_for()
    assert "无权查看" in refused.inner_text()
    assert page.locator('[data-testid="staff"]').count() == 0


def test_a_school_submits_and_its_county_approves_in_the_inbox(page: Any, api: Api, served: Any) -> None:
    _, _, school, _ = demo_tree(api)
    period = str(live_years(dt.date.today())[-1])
    # Given the school submits its report from the inbox
    sign_in(page, served.base, "SCHOOL", "ADMIN")
    page.goto(f"{served.base}/approvals?period={period}")
    page.get_by_test_id("submit").click()
    page.locator('[data-testid="own-report"] [data-status="SUBMITTED"]').wait_for()
    assert api.query(school, REPORT, code=school, period=period)["tenant"]["report"]["state"] == "SUBMITTED"
    assert page.get_by_test_id("report-pdf").count() == 0  # the printable report is a bureau's
    # When the county's administrator approves it in the inbox
    sign_in(page, served.base, "COUNTY", "ADMIN")
    page.goto(f"{served.base}/approvals?period={period}")
    page.get_by_test_id(f"select-{school}").check()
    page.get_by_test_id("approve-selected").click()
    page.locator('[data-testid="approval-status"] .ok').wait_for()
    # Then the API says the school's report is approved
    assert api.query(school, REPORT, code=school, period=period)["tenant"]["report"]["state"] == "APPROVED"
    assert page.get_by_test_id(f"select-{school}").is_disabled()
    # And the county can download the period's printable report
    with page.expect_download() as pdf:
        page.get_by_test_id("report-pdf").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")


CHANGED = """query ($code: String!, $period: String!) { tenant(code: $code) { report(period: $period) {
  version changesSinceApproved { indicator approved { value } current { value } } } } }"""


def test_the_inbox_shows_what_changed_since_the_last_approved_version(page: Any, api: Api, served: Any) -> None:
    _, county, school, _ = demo_tree(api)
    other = central_school(api, county, besides=school)
    period = str(live_years(dt.date.today())[-1])
    # Given a school approved, reopened by its county, its station suspended and submitted again
    resubmit_with_a_change(api, county, other, period)
    report = api.query(other, CHANGED, code=other, period=period)["tenant"]["report"]
    assert report["version"] == 2 and report["changesSinceApproved"]
    # When the county opens its inbox
    sign_in(page, served.base, "COUNTY", "ADMIN")
    page.goto(f"{served.base}/approvals?period={period}")
    row = page.locator(f'[data-testid="child-reports"] tr[data-tenant="{other}"]')
    row.locator('[data-testid="diff"]').wait_for()
    # Then the school's row has the changes, with the API's figures before and after
    shown = [[cell.inner_text() for cell in line.locator("td").all()] for line in row.locator('[data-testid="diff"] tbody tr').all()]
    expected = [(c["approved"]["value"], c["current"]["value"]) for c in report["changesSinceApproved"]]
    assert [(before, after) for _, before, after in shown] == [(f"{b * 100:.1f}%", f"{a * 100:.1f}%") for b, a in expected]
    assert row.locator("td").nth(3).inner_text() == "2"


def test_the_language_switches_to_english(page: Any, api: Any, served: Any) -> None:
    sign_in(page, served.base, "CITY", "DATA_OFFICER")
    page.get_by_test_id("lang").click()
    page.get_by_role("link", name="Gap list").wait_for()
    page.get_by_test_id("lang").click()
    page.get_by_role("link", name="差距清单").wait_for()


def test_a_county_returns_a_report_with_a_reason(page: Any, api: Api, served: Any) -> None:
    _, _, _, sibling = demo_tree(api)
    period = str(live_years(dt.date.today())[-1])
    submitted = api.query(sibling, "mutation ($input: ReportSubmitInput!) { reportSubmit(input: $input) { userErrors { message } } }", input={"period": period})
    assert submitted["reportSubmit"]["userErrors"] == []
    sign_in(page, served.base, "COUNTY", "ADMIN")
    page.goto(f"{served.base}/approvals?period={period}")
    # Returning without a reason is refused with the API's message, and nothing changes
    page.get_by_test_id(f"return-{sibling}").click()
    page.locator('[data-testid="approval-status"] .error').wait_for()
    assert api.query(sibling, REPORT, code=sibling, period=period)["tenant"]["report"]["state"] == "SUBMITTED"
    # With a reason, the report goes back to the school with it
    page.get_by_test_id(f"reason-{sibling}").fill("辅导站开放时间请按周填报")
    page.get_by_test_id(f"return-{sibling}").click()
    page.locator('[data-testid="approval-status"] .ok').wait_for()
    returned = api.query(sibling, "query ($code: String!, $period: String!) { tenant(code: $code) { report(period: $period) { state returnReason } } }", code=sibling, period=period)
    assert returned["tenant"]["report"] == {"state": "RETURNED", "returnReason": "辅导站开放时间请按周填报"}
