"""The city accepts its report in the console, the figures go to the city platform (the reference
receiver), and the deliveries page shows the log the API keeps; an administrator replays one."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from runxin.platform.rollup.years import live_years
from tests.browser.harness import Api, demo_tree, sign_in
from tests.receiver import ReceiverServer, ReferenceReceiver

ENDPOINT = "mutation ($input: DeliveryEndpointCreateInput!) { deliveryEndpointCreate(input: $input) { secret userErrors { message } } }"
SUBMIT = "mutation ($input: ReportSubmitInput!) { reportSubmit(input: $input) { userErrors { message } } }"
APPROVE = "mutation ($input: ReportApproveInput!) { reportApprove(input: $input) { userErrors { message } } }"
CHILDREN = "query ($code: String!) { tenant(code: $code) { children(first: 100) { nodes { id code } } } }"
DELIVERIES = "query { deliveries(last: 50) { nodes { period status attemptCount } } }"


def approve_below_the_city(api: Api, city: str, period: str) -> None:
    """Every school submits; each county approves its schools and submits; the city approves the counties."""
    counties = api.query(city, CHILDREN, code=city)["tenant"]["children"]["nodes"]
    for county in counties:
        schools = api.query(county["code"], CHILDREN, code=county["code"])["tenant"]["children"]["nodes"]
        for school in schools:
            assert api.query(school["code"], SUBMIT, input={"period": period})["reportSubmit"]["userErrors"] == []
        ids = [s["id"] for s in schools]
        assert api.query(county["code"], APPROVE, input={"tenantIds": ids, "period": period})["reportApprove"]["userErrors"] == []
        assert api.query(county["code"], SUBMIT, input={"period": period})["reportSubmit"]["userErrors"] == []
    ids = [c["id"] for c in counties]
    assert api.query(city, APPROVE, input={"tenantIds": ids, "period": period})["reportApprove"]["userErrors"] == []


def test_the_city_accepts_and_sees_its_deliveries_and_replays_one(page: Any, api: Api, served: Any) -> None:
    city, _, _, _ = demo_tree(api)
    # Last year's period: the other tests work on this year's
    period = str(live_years(dt.date.today())[0])
    receiver = ReceiverServer(ReferenceReceiver()).start()
    try:
        created = api.query(city, ENDPOINT, input={"url": receiver.url})["deliveryEndpointCreate"]
        receiver.receiver.set_secrets([created["secret"]])
        approve_below_the_city(api, city, period)
        # When the city's administrator accepts the city's report in the console
        sign_in(page, served.base, "CITY", "ADMIN")
        page.goto(f"{served.base}/approvals?period={period}")
        page.get_by_test_id("accept").click()
        page.locator('[data-testid="approval-status"] .ok').wait_for()
        # Then the receiver gets the figures once, and the deliveries page shows the API's log
        deadline = time.monotonic() + 20
        while receiver.receiver.received == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert receiver.receiver.received == 1
        page.get_by_role("link", name="平台推送").click()
        page.get_by_test_id("deliveries").wait_for()
        logged = [d for d in api.query(city, DELIVERIES)["deliveries"]["nodes"] if d["period"] == period]
        assert [d["status"] for d in logged] == ["DELIVERED"]
        row = page.locator('[data-testid="deliveries"] tbody tr', has_text=period)
        assert row.locator("[data-status]").get_attribute("data-status") == "DELIVERED"
        # When the administrator replays it, the receiver sees the same webhook id again and applies nothing twice
        row.get_by_role("button").click()
        deadline = time.monotonic() + 20
        while receiver.receiver.duplicates == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (receiver.receiver.received, receiver.receiver.duplicates) == (1, 1)
        # And a data officer sees the log but no replay
        sign_in(page, served.base, "CITY", "DATA_OFFICER")
        page.get_by_role("link", name="平台推送").click()
        page.get_by_test_id("deliveries").wait_for()
        assert page.locator('[data-testid="deliveries"] button').count() == 0
        assert "只有管理员" in page.locator("main").inner_text()
    finally:
        receiver.stop()
