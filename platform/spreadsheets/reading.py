"""Reading a filled-in template: find its sheet, check its headers, parse every cell.

Every problem is collected (never the first only), so one pass over a file tells the clerk all
that is wrong with it. Columns are found by their English header in row 2 (or the Chinese one in
row 1), so a bureau may reorder columns or add its own; extra columns are ignored.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from runxin.platform.spreadsheets.cells import sheet_rows
from runxin.platform.spreadsheets.columns import CellError, CellInvalid, Column
from runxin.platform.spreadsheets.kinds import BY_SHEET, KINDS, Kind
from runxin.platform.spreadsheets.workbooks import HEADER_ROWS

MAX_ROWS = 50_000
Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class Row:
    number: int  # as Excel shows it
    values: dict[str, Any]
    failed: set[str] = field(default_factory=set)  # columns whose cell did not parse


@dataclass(slots=True)
class ParsedSheet:
    kind: Kind | None
    sheet: str = ""
    rows: list[Row] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)  # column key -> its letter in this file

    def error(self, row: int, key: str, code: str, zh: str, en: str) -> None:
        """Record a problem with the cell of column `key` in `row`."""
        assert self.kind is not None
        self.errors.append(CellError(self.sheet, row, self.letters.get(key, ""), self.kind.column(key).zh, code, zh, en))


def _file_error(code: str, zh: str, en: str, sheet: str = "") -> ParsedSheet:
    return ParsedSheet(kind=None, sheet=sheet, errors=[CellError(sheet, 0, "", "", code, zh, en)])


def read_workbook(content: bytes, *, progress: Progress | None = None) -> ParsedSheet:
    """The template sheet of `content`, parsed; `kind` is None when no sheet is a template's."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        return _file_error(
            "FILE_UNREADABLE",
            "无法读取文件；请上传由模板填写、另存为 .xlsx 格式的 Excel 文件。",
            f"The file is not a readable .xlsx workbook ({type(exc).__name__}); save it as .xlsx from the template and upload it again.",
        )
    try:
        sheet_name = next((name for name in workbook.sheetnames if name.strip() in BY_SHEET), None)
        if sheet_name is None:
            expected = "、".join(f"“{k.sheet}”" for k in KINDS.values())
            return _file_error(
                "NO_TEMPLATE_SHEET",
                f"文件中没有模板工作表；工作表名应为 {expected} 之一，请用下载的模板填写。",
                f"No sheet is named after a template ({', '.join(k.sheet for k in KINDS.values())}); fill in a downloaded template.",
            )
        return _read_sheet(workbook, workbook[sheet_name], BY_SHEET[sheet_name.strip()], sheet_name, progress)
    finally:
        workbook.close()


def _header_positions(header_zh: dict[int, Any], header_en: dict[int, Any], kind: Kind) -> dict[str, int]:
    found: dict[str, int] = {}
    by_en = {str(v).strip(): i for i, v in header_en.items() if v is not None}
    by_zh = {str(v).strip(): i for i, v in header_zh.items() if v is not None}
    for column in kind.columns:
        index = by_en.get(column.key, by_zh.get(column.zh))
        if index is not None:
            found[column.key] = index
    return found


def _read_sheet(workbook: Any, sheet: Any, kind: Kind, name: str, progress: Progress | None) -> ParsedSheet:
    parsed = ParsedSheet(kind=kind, sheet=name)
    total = max((sheet.max_row or 0) - HEADER_ROWS, 0)
    if total > MAX_ROWS:
        parsed.errors.append(
            CellError(
                name,
                0,
                "",
                "",
                "TOO_MANY_ROWS",
                f"最多 {MAX_ROWS} 行，请分成多个文件。",
                f"At most {MAX_ROWS:,} rows a file; split it.",
            )
        )
        return parsed
    rows = sheet_rows(workbook, sheet)
    headers: dict[int, dict[int, Any]] = {}
    for number, cells in rows:
        headers[number] = cells
        if number >= HEADER_ROWS:
            break
    positions = _header_positions(headers.get(1, {}), headers.get(2, {}), kind)
    parsed.letters = {key: get_column_letter(index + 1) for key, index in positions.items()}
    missing = [c for c in kind.columns if c.required and c.key not in positions]
    for column in missing:
        zh = f"缺少必填列“{column.zh}”（{column.key}）；请使用下载的模板，不要删除或改动第 1、2 行的列名。"
        en = f"The required column {column.zh} ({column.key}) is missing; keep rows 1 and 2 of the template as they are."
        parsed.errors.append(CellError(name, 1, "", column.zh, "COLUMN_MISSING", zh, en))
    if missing:
        return parsed
    columns: list[tuple[Column, int]] = [(c, positions[c.key]) for c in kind.columns if c.key in positions]
    for offset, (number, cells) in enumerate(rows):
        if progress is not None and offset % 500 == 0:
            progress("read", offset, total)
        if number <= HEADER_ROWS or not any(cell is not None and str(cell).strip() for cell in cells.values()):
            continue  # a blank row: clerks leave gaps
        values: dict[str, Any] = {}
        failed: set[str] = set()
        for column, index in columns:
            raw = cells.get(index)
            try:
                values[column.key] = column.parse(raw)
            except CellInvalid as bad:
                parsed.error(number, column.key, bad.code, bad.zh, bad.en)
                values[column.key] = None
                failed.add(column.key)
        parsed.rows.append(Row(number, values, failed))
    if progress is not None:
        progress("read", total, total)
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(
            CellError(
                name,
                0,
                "",
                "",
                "NO_ROWS",
                "工作表没有数据行（数据从第 3 行开始）。",
                "The sheet has no data rows (data starts in row 3).",
            )
        )
    return parsed
