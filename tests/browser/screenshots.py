"""`make screenshots`: PNGs of the console for reviewers and the README.

Seeds the city-scale demo into a temporary directory, has three of a county's schools submit their
reports (so the inbox has work), and photographs, in Debian's Chromium: the city's overview, a
school's drill-down and the county's approval inbox.

    python -m tests.browser.screenshots docs/screenshots
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from runxin.platform.rollup.years import live_years
from tests.browser.harness import Api, chromium, demo_tree, missing_requirements, served_demo, sign_in

SUBMIT = "mutation ($input: ReportSubmitInput!) { reportSubmit(input: $input) { userErrors { message } } }"


def take(out: Path, scale: str = "city") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    period = str(live_years(dt.date.today())[-1])
    written = []
    with tempfile.TemporaryDirectory(prefix="runxin-screens-") as tmp, served_demo(Path(tmp) / "data", scale=scale) as served:
        api = Api(served)
        city, county, _, _ = demo_tree(api)
        county_id = api.rows("SELECT id FROM tenant WHERE code = ?", county)[0][0]
        # The drill-down shows a school that has a station, staff and a hotline, so every section has rows.
        (school,) = api.rows(
            "SELECT t.code FROM tenant t WHERE t.parent_id = ? AND EXISTS (SELECT 1 FROM station s WHERE s.tenant_id = t.id) "
            "AND EXISTS (SELECT 1 FROM hotline h WHERE h.tenant_id = t.id) ORDER BY t.code LIMIT 1",
            county_id,
        )[0]
        for (code,) in api.rows("SELECT code FROM tenant WHERE parent_id = ? ORDER BY code LIMIT 3", county_id):
            errors = api.query(code, SUBMIT, input={"period": period})["reportSubmit"]["userErrors"]
            assert not errors, errors
        with chromium() as context:
            page = context.new_page()
            shots = [
                ("CITY", f"/t/{city}", "overview.png", "county-map"),
                ("COUNTY", f"/t/{school}", "drill-down.png", "staff"),
                ("COUNTY", f"/approvals?period={period}", "approval-inbox.png", "child-reports"),
            ]
            for kind, path, name, ready in shots:
                sign_in(page, served.base, kind, "ADMIN")
                page.goto(served.base + path)
                page.get_by_test_id(ready).wait_for()
                page.wait_for_timeout(1200)  # ECharts animates its first frame in
                page.screenshot(path=str(out / name), full_page=True)
                written.append(out / name)
    return written


def main() -> None:
    problem = missing_requirements()
    if problem:
        sys.exit(f"cannot take screenshots: {problem}")
    for path in take(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
