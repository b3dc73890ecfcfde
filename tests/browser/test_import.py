"""Import in the browser: the template downloaded from the page, filled in, uploaded with one bad
cell (the error is shown with its place, nothing is written), then corrected and imported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from runxin.platform.spreadsheets.kinds import KINDS
from tests.browser.harness import Api, demo_tree, sign_in
from tests.factories.workbooks import teacher

STAFF = "query ($code: String!) { tenant(code: $code) { staff(first: 100) { nodes { name } } } }"


def fill(template: Path, target: Path, rows: list[dict[str, Any]]) -> Path:
    """Type `rows` into the downloaded template below its two header rows, as an officer would."""
    spec = KINDS["staff"]
    book = load_workbook(template)
    sheet = book[spec.sheet]
    for offset, values in enumerate(rows):
        for index, column in enumerate(spec.columns, start=1):
            if column.key in values:
                sheet.cell(row=3 + offset, column=index, value=values[column.key])
    book.save(target)
    return target


def staff_names(api: Api, school: str) -> list[str]:
    return sorted(n["name"] for n in api.query(school, STAFF, code=school)["tenant"]["staff"]["nodes"])


def test_a_bad_cell_is_shown_and_nothing_written_then_the_corrected_file_imports(page: Any, api: Api, served: Any, tmp_path: Path) -> None:
    _, _, school, _ = demo_tree(api)
    before = staff_names(api, school)
    # Given the school's data officer downloads the staff template from the import page
    sign_in(page, served.base, "SCHOOL", "DATA_OFFICER")
    page.get_by_role("link", name="数据导入").click()
    with page.expect_download() as download:
        page.get_by_test_id("template-staff").click()
    template = tmp_path / "staff-template.xlsx"
    download.value.save_as(template)
    stamp = dt.datetime.now().strftime("%H%M%S")
    rows = [teacher(f"T{stamp}1", name="周新蕾"), teacher(f"T{stamp}2", name="吴思远", phone="12345")]
    # When a file with one bad phone number is imported
    page.get_by_test_id("import-file").set_input_files(str(fill(template, tmp_path / "bad.xlsx", rows)))
    page.get_by_test_id("import-upload").click()
    failed = page.get_by_test_id("import-failed")
    failed.wait_for()
    # Then the page names the cell (sheet, row 4, column G) and nothing is written
    (error,) = page.locator(".import-errors li").all()
    assert error.get_attribute("data-code") == "PHONE_FORMAT"
    assert "第4行G列" in error.inner_text()
    assert staff_names(api, school) == before
    # When the corrected file is imported
    rows[1]["phone"] = "13912345678"
    page.get_by_test_id("import-file").set_input_files(str(fill(template, tmp_path / "good.xlsx", rows)))
    page.get_by_test_id("import-upload").click()
    ok = page.get_by_test_id("import-ok")
    ok.wait_for()
    # Then both teachers are written, and the API has them
    assert ok.get_attribute("data-created") == "2"
    assert staff_names(api, school) == sorted([*before, "周新蕾", "吴思远"])
