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
from tests.browser.harness import (
    SUBMIT,
    Api,
    central_school,
    chromium,
    demo_tree,
    errors_of,
    missing_requirements,
    resubmit_with_a_change,
    served_demo,
    sign_in,
)


def take(out: Path, scale: str = "city") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    period = str(live_years(dt.date.today())[-1])
    written = []
    with tempfile.TemporaryDirectory(prefix="runxin-screens-") as tmp, served_demo(Path(tmp) / "data", scale=scale) as served:
        api = Api(served)
        city, county, _, _ = demo_tree(api)
        county_id = api.rows("SELECT id FROM tenant WHERE code = ?", county)[0][0]
        # The drill-down shows a school that has a station, staff and a hotline, so every section has rows.
        school = central_school(api, county, station_and_hotline=True)
        resubmit_with_a_change(api, county, school, period)
        for (code,) in api.rows("SELECT code FROM tenant WHERE parent_id = ? AND code != ? ORDER BY code LIMIT 2", county_id, school):
            assert not errors_of(api.query(code, SUBMIT, input={"period": period}))
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
                # Grow the window to the whole page first: a full-page capture resizes it mid-shot, and the
                # charts redraw on resize.
                height = page.evaluate("() => document.documentElement.scrollHeight")
                page.set_viewport_size({"width": 1360, "height": max(900, height)})
                page.wait_for_timeout(800)
                page.screenshot(path=str(out / name))
                page.set_viewport_size({"width": 1360, "height": 900})
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
