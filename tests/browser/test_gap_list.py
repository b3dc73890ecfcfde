"""The gap list in the browser: the API's gaps, filtered and sorted in the page, exported to Excel
(`/exports/gaps.xlsx` with the page's bearer token) and read back with openpyxl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.browser.harness import Api, demo_tree, sign_in

GAPS = """query ($code: String!) { tenants(under: $code, kind: SCHOOL, first: 100) { nodes { code gaps { code } } } }"""


def page_rows(page: Any) -> list[tuple[str, str]]:
    return [(row.get_attribute("data-school"), row.get_attribute("data-gap")) for row in page.locator('[data-testid="gap-table"] tbody tr').all()]


def workbook_rows(path: Path) -> list[tuple[str, str]]:
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    keys = list(rows[1])  # row 1: Chinese headers, row 2: the column keys
    school, gap = keys.index("school_code"), keys.index("gap")
    return [(str(row[school]), str(row[gap])) for row in rows[2:] if row[school]]


def test_a_county_filters_sorts_and_exports_its_gap_list(page: Any, api: Api, served: Any, tmp_path: Path) -> None:
    _, county, _, _ = demo_tree(api)
    expected = sorted((s["code"], g["code"]) for s in api.query(county, GAPS, code=county)["tenants"]["nodes"] for g in s["gaps"])
    assert expected, "the demo county should have schools with gaps"
    # Given the county's data officer on the gap list
    sign_in(page, served.base, "COUNTY", "DATA_OFFICER")
    page.get_by_role("link", name="差距清单").click()
    page.get_by_test_id("gap-table").wait_for()
    # Then it lists exactly the API's gaps
    assert sorted(page_rows(page)) == expected
    assert page.get_by_test_id("gap-count").inner_text() == f"共 {len(expected)} 条"
    # When filtered to one kind of gap, only that kind is left
    wanted = expected[0][1]
    page.get_by_test_id("gap-filter").select_option(wanted)
    assert page_rows(page) and {gap for _, gap in page_rows(page)} == {wanted}
    page.get_by_test_id("gap-filter").select_option("")
    # And sorting by school code puts the rows in code order, descending on a second click
    header = page.locator('th[data-sort="code"]')
    header.click()
    assert [s for s, _ in page_rows(page)] == sorted(s for s, _ in expected)
    header.click()
    assert [s for s, _ in page_rows(page)] == sorted((s for s, _ in expected), reverse=True)
    # When exported, the workbook read back with openpyxl holds the same rows
    with page.expect_download() as download:
        page.get_by_test_id("gap-export").click()
    target = tmp_path / "gaps.xlsx"
    download.value.save_as(target)
    assert download.value.suggested_filename.startswith(f"gaps-{county}")
    assert sorted(workbook_rows(target)) == expected
