"""Cell checks of the import templates: each bad cell is named by sheet, row and column, with the
reason in Chinese and English; good cells become the values the records store."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from runxin.platform.spreadsheets.columns import BOOL, CHOICE, CODE, DATE, DECIMAL, INT, CellInvalid, Column
from runxin.platform.spreadsheets.kinds import STAFF_KINDS
from runxin.platform.spreadsheets.reading import read_workbook
from tests.factories.workbooks import filled, teacher


@pytest.mark.parametrize(
    ("column", "raw", "value"),
    [
        (Column("c", "代码", CODE), "0042", "0042"),
        (Column("c", "代码", CODE), " 0797 812 ", "0797812"),
        (Column("c", "代码", CODE, numeric_ok=True), 2136000001, "2136000001"),
        (Column("n", "数", INT), 12.0, 12),
        (Column("n", "数", INT), "1,200", 1200),
        (Column("d", "数", DECIMAL), "18.5", Decimal("18.5")),
        (Column("d", "日期", DATE), dt.datetime(2025, 9, 1), dt.date(2025, 9, 1)),
        (Column("d", "日期", DATE), "2025/9/1", dt.date(2025, 9, 1)),
        (Column("d", "日期", DATE), "2025年9月1日", dt.date(2025, 9, 1)),
        (Column("b", "是否", BOOL), "是", True),
        (Column("b", "是否", BOOL), "否", False),
        (Column("b", "是否", BOOL), True, True),
        (Column("k", "类别", CHOICE, choices=STAFF_KINDS), "班主任", "HOMEROOM"),
        (Column("k", "类别", CHOICE, choices=STAFF_KINDS), "part_time", "PART_TIME"),
        (Column("k", "类别", CHOICE, choices=STAFF_KINDS), "", None),
        (Column("c", "代码", CODE), "０４２", "042"),  # full-width digits typed with a Chinese IME
    ],
)
def test_good_cells_become_stored_values(column: Column, raw: object, value: object) -> None:
    assert column.parse(raw) == value


@pytest.mark.parametrize(
    ("column", "raw", "code"),
    [
        (Column("c", "代码", CODE), 42, "CODE_NOT_TEXT"),
        (Column("c", "代码", CODE, numeric_ok=True), 42.5, "CODE_FORMAT"),
        (Column("n", "数", INT), "十二", "NOT_A_NUMBER"),
        (Column("n", "数", INT), 1.5, "NOT_A_WHOLE_NUMBER"),
        (Column("d", "数", DECIMAL), "nan", "NOT_A_NUMBER"),
        (Column("d", "日期", DATE), "2025-02-30", "DATE_FORMAT"),
        (Column("b", "是否", BOOL), "也许", "BOOLEAN_FORMAT"),
        (Column("k", "类别", CHOICE, choices=STAFF_KINDS), "保安", "CHOICE_UNKNOWN"),
        (Column("r", "必填", required=True), "  ", "REQUIRED"),
    ],
)
def test_bad_cells_say_why_in_chinese_and_english(column: Column, raw: object, code: str) -> None:
    with pytest.raises(CellInvalid) as bad:
        column.parse(raw)
    assert bad.value.code == code
    assert bad.value.zh and bad.value.en and bad.value.zh != bad.value.en


def test_every_bad_cell_of_a_file_is_named_by_sheet_row_and_column() -> None:
    # Given a roster with a bad date in row 3 and a bad kind and a missing name in row 5
    content = filled("staff", [teacher("1", birth_date="yesterday"), teacher("2"), teacher("3", kind="保安", name=None)])
    # When it is read
    parsed = read_workbook(content)
    # Then all three cells are reported, each with its place and both languages
    found = [(e.sheet, e.row, e.column, e.header, e.code) for e in parsed.errors]
    assert found == [
        ("教职工名册", 3, "F", "出生日期", "DATE_FORMAT"),
        ("教职工名册", 5, "C", "姓名", "REQUIRED"),
        ("教职工名册", 5, "D", "类别", "CHOICE_UNKNOWN"),
    ]
    message = parsed.errors[0].message
    assert "第3行F列（出生日期）" in message and "row 3, column F" in message and "2025-09-01" in message
    # And the good row is parsed into stored values
    assert parsed.rows[1].values["kind"] == "FULL_TIME" and parsed.rows[1].values["birth_date"] == dt.date(1988, 5, 17)


def test_columns_are_found_by_header_so_they_may_be_reordered_and_extra_ones_added() -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "教职工名册"
    sheet.append(["备注", "姓名", "工号", "类别"])
    sheet.append(["note", "name", "staff_code", "kind"])
    sheet.append(["自己加的列", "李老师", "007", "班主任"])
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = read_workbook(buffer.getvalue())
    assert parsed.errors == []
    assert parsed.rows[0].values | {} == {**parsed.rows[0].values, "name": "李老师", "staff_code": "007", "kind": "HOMEROOM"}


def test_a_missing_required_column_and_an_empty_sheet_are_named() -> None:
    book = load_workbook(io.BytesIO(filled("staff", [])))
    sheet = book["教职工名册"]
    sheet.delete_cols(2)  # 工号
    buffer = io.BytesIO()
    book.save(buffer)
    (error,) = read_workbook(buffer.getvalue()).errors
    assert (error.row, error.header, error.code) == (1, "工号", "COLUMN_MISSING")
    (error,) = read_workbook(filled("staff", [])).errors
    assert error.code == "NO_ROWS"
