"""Small field checks that collect every problem of one input before anything is written.

Use `Checks` in a domain's validate function: each check records an `Invalid` and the function
ends with `checks.raise_if_any()`, so a caller sees all the bad fields of a form at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from runxin.platform.errors import Invalid, InvalidMany


class Checks:
    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values
        self.errors: list[Invalid] = []

    def fail(self, field: str, code: str, message: str) -> None:
        self.errors.append(Invalid(field, code, message))

    def text(self, field: str, *, min_length: int = 1, max_length: int = 200, label: str | None = None) -> None:
        value = self.values.get(field)
        if value is None:
            return
        length = len(str(value).strip())
        if length < min_length:
            self.fail(field, "REQUIRED" if min_length == 1 else "TOO_SHORT", f"{label or field} must not be empty.")
        elif length > max_length:
            self.fail(field, "TOO_LONG", f"{label or field} is {length} characters; shorten it to {max_length} at most.")

    def choice(self, field: str, choices: Iterable[str]) -> None:
        value = self.values.get(field)
        allowed = tuple(choices)
        if value is not None and value not in allowed:
            self.fail(field, "NOT_ALLOWED", f"{field} {value!r} is not one of {', '.join(allowed)}.")

    def number(
        self,
        field: str,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        exclusive_minimum: bool = False,
        label: str | None = None,
        unit: str = "",
    ) -> None:
        value = self.values.get(field)
        if value is None:
            return
        number = Decimal(str(value))
        name = label or field
        if not number.is_finite():
            self.fail(field, "NOT_A_NUMBER", f"{name} must be a finite number.")
            return
        if minimum is not None:
            too_small = number <= Decimal(str(minimum)) if exclusive_minimum else number < Decimal(str(minimum))
            if too_small:
                bound = "greater than" if exclusive_minimum else "at least"
                code = "NEGATIVE" if number < 0 else "TOO_SMALL"
                self.fail(field, code, f"{name} is {value}{unit}; it must be {bound} {minimum}{unit}.")
                return
        if maximum is not None and number > Decimal(str(maximum)):
            self.fail(field, "TOO_LARGE", f"{name} is {value}{unit}; it must be at most {maximum}{unit}.")

    def code_list(self, field: str, allowed: Iterable[str], *, code: str, label: str | None = None) -> None:
        """A comma-separated list of codes: each one known, none twice (an empty list is fine)."""
        value = self.values.get(field)
        if value is None:
            return
        allowed = tuple(allowed)
        codes = split_codes(value)
        unknown = [c for c in codes if c not in allowed]
        if unknown:
            self.fail(field, code, f"{label or field}: {', '.join(unknown)} unknown; use codes from {', '.join(allowed)}.")
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            self.fail(field, "DUPLICATE_CODE", f"{label or field} lists {', '.join(repeated)} more than once; keep one of each.")

    def date_not_after(self, field: str, latest: dt.date, *, reason: str) -> None:
        value = self.values.get(field)
        if value is not None and value > latest:
            self.fail(field, "DATE_IN_FUTURE", f"{field} {value.isoformat()} is after {latest.isoformat()}: {reason}")

    def dates_ordered(self, first: str, second: str) -> None:
        a, b = self.values.get(first), self.values.get(second)
        if a is not None and b is not None and b < a:
            self.fail(second, "DATE_ORDER", f"{second} {b.isoformat()} is before {first} {a.isoformat()}; swap or fix them.")

    def required(self, *fields: str) -> None:
        for field in fields:
            if self.values.get(field) is None:
                self.fail(field, "REQUIRED", f"{field} is required.")

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InvalidMany(self.errors)


def split_codes(value: str) -> list[str]:
    """The codes of a comma-separated list, trimmed, upper-cased, empty items dropped."""
    return [part.strip().upper() for part in str(value).split(",") if part.strip()]


def join_codes(value: str) -> str:
    """The canonical form of a comma-separated list of codes ("psy_degree, TEACHER_CERT" ->
    "PSY_DEGREE,TEACHER_CERT"), to store."""
    return ",".join(split_codes(value))
