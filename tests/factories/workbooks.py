"""Filled-in import templates for tests: the real template, with rows typed in below its headers."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from runxin.platform.spreadsheets import workbooks
from runxin.platform.spreadsheets.kinds import KINDS


def filled(kind: str, rows: list[dict[str, Any]]) -> bytes:
    """The `kind` template with `rows` (column key -> cell value) from row 3 on."""
    spec = KINDS[kind]
    book = load_workbook(io.BytesIO(workbooks.template(kind)))
    sheet = book[spec.sheet]
    for offset, values in enumerate(rows):
        for index, column in enumerate(spec.columns, start=1):
            if column.key in values:
                sheet.cell(row=3 + offset, column=index, value=values[column.key])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def teacher(code: str, **change: Any) -> dict[str, Any]:
    import datetime as dt

    row = {
        "staff_code": code,
        "name": f"王老师{code}",
        "kind": "专职心理健康教育教师",
        "gender": "女",
        "birth_date": dt.date(1988, 5, 17),
        "phone": "13812345678",
        "qualifications": "心理学学位、教师资格证",
        "strong_teacher": "否",
        "employed_since": dt.date(2012, 9, 1),
        "active": "是",
    }
    row.update(change)
    return row
