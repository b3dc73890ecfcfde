"""A template column: its Chinese and English headers, its cell type, and how a cell becomes a value.

Every problem with a cell is a `CellError` naming the sheet, the row and column as Excel shows them,
and the reason in Chinese and English, so a bureau's clerk can find and fix it in the file.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.utils import get_column_letter

TEXT, CODE, INT, DECIMAL, DATE, BOOL, CHOICE = "text", "code", "int", "decimal", "date", "bool", "choice"
YES = ("是", "Y", "YES", "TRUE", "1", "√")
NO = ("否", "N", "NO", "FALSE", "0", "×")


@dataclass(frozen=True, slots=True)
class CellError:
    """One bad cell (row 0 and column "" for a problem with the whole sheet or file)."""

    sheet: str
    row: int
    column: str  # the column letter, e.g. "C"
    header: str  # the column's Chinese header
    code: str
    zh: str
    en: str

    @property
    def where(self) -> str:
        if not self.row:
            return f"工作表“{self.sheet}” / sheet {self.sheet}"
        return f"工作表“{self.sheet}”第{self.row}行{self.column}列（{self.header}） / sheet {self.sheet}, row {self.row}, column {self.column}"

    @property
    def message(self) -> str:
        return f"{self.where}：{self.zh} / {self.en}"


class CellInvalid(Exception):
    """Raised by a parser; the reader adds where the cell is."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # the record attribute (or import field) it fills, and its English header
    zh: str
    kind: str = TEXT
    required: bool = False
    # CHOICE: Chinese label -> stored code (the codes are accepted too).
    choices: Mapping[str, str] = field(default_factory=dict)
    # CODE: a number typed into the cell is accepted (codes that never start with 0, like school codes).
    numeric_ok: bool = False
    width: int = 14
    note: str = ""  # shown in the template's instructions sheet

    def letter(self, index: int) -> str:
        return get_column_letter(index + 1)

    def label_of(self, code: Any) -> Any:
        """The Chinese label of a stored code, for writing a cell (the code itself when it has none)."""
        for label, value in self.choices.items():
            if value == code:
                return label
        return code

    def parse(self, raw: Any) -> Any:
        """The cell's value as the record stores it, None for an empty cell; raise CellInvalid."""
        if isinstance(raw, str):
            raw = unicodedata.normalize("NFKC", raw).strip()
        if raw is None or raw == "":
            if self.required:
                raise CellInvalid("REQUIRED", "必填，不能为空。", "Required: the cell is empty.")
            return None
        return _PARSERS[self.kind](self, raw)


def _text(column: Column, raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw)


def _code(column: Column, raw: Any) -> str:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if not column.numeric_ok:
            raise CellInvalid(
                "CODE_NOT_TEXT",
                "这是数字单元格，开头的 0 可能已丢失；请把单元格格式设为“文本”后重新输入。",
                "The cell holds a number, so leading zeros may be lost; format the cell as Text and type the code again.",
            )
        if isinstance(raw, float) and not raw.is_integer():
            raise CellInvalid("CODE_FORMAT", "代码不能含小数点。", "A code has no decimal point.")
        return str(int(raw))
    if isinstance(raw, (dt.date, dt.datetime)):
        raise CellInvalid("CODE_FORMAT", "这里应填代码，不是日期。", "A code belongs here, not a date.")
    return re.sub(r"\s+", "", str(raw))


def _int(column: Column, raw: Any) -> int:
    try:
        number = Decimal(str(raw).replace(",", ""))
    except InvalidOperation:
        raise CellInvalid("NOT_A_NUMBER", f"“{raw}”不是整数。", f"{raw!r} is not a whole number.") from None
    if number != number.to_integral_value():
        raise CellInvalid("NOT_A_WHOLE_NUMBER", f"{raw} 不是整数。", f"{raw} is not a whole number.")
    return int(number)


def _decimal(column: Column, raw: Any) -> Decimal:
    try:
        number = Decimal(str(raw).replace(",", ""))
    except InvalidOperation:
        raise CellInvalid("NOT_A_NUMBER", f"“{raw}”不是数字。", f"{raw!r} is not a number.") from None
    if not number.is_finite():
        raise CellInvalid("NOT_A_NUMBER", f"“{raw}”不是数字。", f"{raw!r} is not a number.")
    return number


def _date(column: Column, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).replace("/", "-").replace(".", "-")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{4})年(\d{1,2})月(\d{1,2})日", text)
    if match:
        parts = [int(p) for p in match.groups() if p is not None]
        try:
            return dt.date(*parts)
        except ValueError:
            pass
    raise CellInvalid(
        "DATE_FORMAT",
        f"“{raw}”不是日期；请填写日期，例如 2025-09-01。",
        f"{raw!r} is not a date; enter a date such as 2025-09-01.",
    )


def _bool(column: Column, raw: Any) -> bool:
    text = str(raw).upper() if not isinstance(raw, bool) else ("TRUE" if raw else "FALSE")
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellInvalid("BOOLEAN_FORMAT", f"“{raw}”无法识别；请填“是”或“否”。", f"{raw!r} is neither yes nor no; write 是 or 否.")


def _choice(column: Column, raw: Any) -> str:
    text = str(raw)
    if text in column.choices:
        return column.choices[text]
    if text.upper() in column.choices.values():
        return text.upper()
    labels = "、".join(column.choices)
    raise CellInvalid(
        "CHOICE_UNKNOWN",
        f"“{raw}”不在可选值中；请从下拉列表选择：{labels}。",
        f"{raw!r} is not one of the choices; pick one from the list: {', '.join(column.choices.values())}.",
    )


_PARSERS = {TEXT: _text, CODE: _code, INT: _int, DECIMAL: _decimal, DATE: _date, BOOL: _bool, CHOICE: _choice}
