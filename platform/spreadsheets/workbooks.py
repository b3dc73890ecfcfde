"""Writing workbooks the bureaus' way: Chinese headers over English ones, typed cells.

Row 1 holds the Chinese header a clerk reads, row 2 the English name a program reads (a second
header row rather than cell comments: it prints, survives CSV round trips and WPS, and the reader
checks it). Codes are text cells (number format '@') so leading zeros survive, dates are date
cells, enum columns carry a drop-down list of their Chinese labels.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from runxin.platform.spreadsheets.columns import BOOL, CHOICE, CODE, DATE, DECIMAL, INT, Column
from runxin.platform.spreadsheets.kinds import KINDS, Kind

HEADER_ROWS = 2
TEMPLATE_ROWS = 10_000  # how far down the template's formats and drop-downs reach
DATE_FORMAT = "yyyy-mm-dd"
_HEAD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="DDEBF7")
_EN = Font(italic=True, color="666666", size=9)


def _format(column: Column) -> str | None:
    return {CODE: "@", DATE: DATE_FORMAT, INT: "0", DECIMAL: "0.0#"}.get(column.kind)


def start_sheet(sheet: Worksheet, columns: Sequence[Column], *, rows: int = 0) -> None:
    """Write the two header rows, widths, frozen panes, and the column formats for `rows` rows."""
    for index, column in enumerate(columns, start=1):
        head = sheet.cell(row=1, column=index, value=column.zh)
        head.font, head.fill = _HEAD, _FILL
        head.alignment = Alignment(horizontal="center")
        sheet.cell(row=2, column=index, value=column.key).font = _EN
        letter = column.letter(index - 1)
        sheet.column_dimensions[letter].width = column.width
        if rows and (fmt := _format(column)):
            # A column style, so cells typed later below the last written row are text or dates too.
            sheet.column_dimensions[letter].number_format = fmt
        choices = list(column.choices) if column.kind == CHOICE else (["是", "否"] if column.kind == BOOL else None)
        if rows and choices:
            listing = '"' + ",".join(choices) + '"'
            validation = DataValidation(type="list", formula1=listing, allow_blank=not column.required, showErrorMessage=True)
            validation.error = f"请从下拉列表选择：{'、'.join(choices)}"
            validation.add(f"{letter}{HEADER_ROWS + 1}:{letter}{HEADER_ROWS + rows}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A3"


def cell_value(column: Column, value: Any) -> Any:
    """A stored value as the cell shows it: labels for codes, 是/否, text codes, real dates."""
    if value is None:
        return None
    if column.kind == CHOICE:
        return column.label_of(value)
    if column.kind == BOOL:
        return "是" if value else "否"
    if column.kind == CODE:
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value


def append_rows(sheet: Worksheet, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
    """Append rows of stored values below the headers, each cell typed by its column; return the count."""
    count = 0
    for count, values in enumerate(rows, start=1):
        sheet.append([cell_value(c, v) for c, v in zip(columns, values, strict=True)])
        row = sheet.max_row
        for index, column in enumerate(columns, start=1):
            fmt = _format(column)
            if fmt:
                sheet.cell(row=row, column=index).number_format = fmt
    return count


def to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template(kind: Kind | str) -> bytes:
    """The empty import template of `kind`: its sheet, ready to fill, and an instructions sheet."""
    kind = KINDS[kind] if isinstance(kind, str) else kind
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind.sheet
    start_sheet(sheet, kind.columns, rows=TEMPLATE_ROWS)
    notes = workbook.create_sheet("填表说明")
    notes.append(["列", "列名", "English", "必填", "说明"])
    for cell in notes[1]:
        cell.font, cell.fill = _HEAD, _FILL
    for index, column in enumerate(kind.columns):
        choices = "、".join(column.choices) if column.kind == CHOICE else ("是 / 否" if column.kind == BOOL else "")
        note = "；".join(part for part in (column.note, f"可选：{choices}" if choices else "") if part)
        notes.append([column.letter(index), column.zh, column.key, "是" if column.required else "", note])
    notes.append([])
    notes.append(
        [
            "",
            "第 1 行为中文列名，第 2 行为英文列名，请勿修改；数据从第 3 行开始。整份文件全部正确才会导入，任何一格有误都不写入。",
        ]
    )
    for letter, width in zip("ABCDE", (6, 16, 22, 6, 60), strict=True):
        notes.column_dimensions[letter].width = width
    return to_bytes(workbook)
