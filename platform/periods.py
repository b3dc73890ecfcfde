"""Reporting periods, identified the way DHIS2 does: a short string that names its own dates.

Accepted identifiers (years 2000 to 2100):

- ``2025``    YEAR: the calendar year, 1 Jan 2025 to 31 Dec 2025.
- ``202503``  MONTH: March 2025.
- ``2025T1``  TERM: the autumn term of school year 2025-26, 1 Sep 2025 to 31 Jan 2026.
- ``2025T2``  TERM: the spring term of school year 2025-26, 1 Feb 2026 to 31 Jul 2026.
- ``2025SY``  SCHOOL_YEAR: the school year 2025-26, 1 Sep 2025 to 31 Aug 2026.

The year of a term or a school year is the year it *starts* in (as `SchoolEnrolment.school_year`
counts), so 2025T2 lies in calendar 2026. Terms leave out August: the summer holiday belongs to the
school year but to neither term. Term dates in China vary by province and year by a few weeks; these
are fixed conventions so that every tenant's periods line up and roll up.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from runxin.platform.errors import Invalid
from runxin.platform.validation import Checks

PERIOD_KINDS = ("YEAR", "MONTH", "TERM", "SCHOOL_YEAR")
FIRST_YEAR, LAST_YEAR = 2000, 2100

_FORMS = "2025 (year), 202503 (month), 2025T1 / 2025T2 (autumn / spring term), 2025SY (school year)"
_PATTERN = re.compile(r"(?P<year>\d{4})(?:(?P<month>\d{2})|T(?P<term>\d)|(?P<sy>SY))?", re.ASCII)


@dataclass(frozen=True, slots=True)
class Period:
    kind: str
    id: str
    start: dt.date
    end: dt.date  # inclusive

    def __str__(self) -> str:
        return self.id

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def parse_period(text: str, *, field: str = "period") -> Period:
    """Parse a period identifier (see the module docstring) or raise Invalid(PERIOD_FORMAT)."""
    # NFKC turns full-width digits and letters typed with a Chinese IME into ASCII.
    raw = unicodedata.normalize("NFKC", str(text)).strip().upper()
    match = _PATTERN.fullmatch(raw)
    if match is None:
        raise Invalid(field, "PERIOD_FORMAT", f"{text!r} is not a period; write one of {_FORMS}.")
    year = int(match["year"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(field, "PERIOD_FORMAT", f"Period {raw} is in year {year}; use a year from {FIRST_YEAR} to {LAST_YEAR}.")
    if match["month"] is not None:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise Invalid(field, "PERIOD_FORMAT", f"Month {month:02d} of {raw} does not exist; use 01 to 12, e.g. {year}03.")
        last_day = calendar.monthrange(year, month)[1]
        return Period("MONTH", raw, dt.date(year, month, 1), dt.date(year, month, last_day))
    if match["term"] is not None:
        term = int(match["term"])
        if term == 1:
            return Period("TERM", raw, dt.date(year, 9, 1), dt.date(year + 1, 1, 31))
        if term == 2:
            return Period("TERM", raw, dt.date(year + 1, 2, 1), dt.date(year + 1, 7, 31))
        raise Invalid(field, "PERIOD_FORMAT", f"Term {term} of {raw} does not exist; a school year has T1 (Sep-Jan) and T2 (Feb-Jul).")
    if match["sy"] is not None:
        return Period("SCHOOL_YEAR", raw, dt.date(year, 9, 1), dt.date(year + 1, 8, 31))
    return Period("YEAR", raw, dt.date(year, 1, 1), dt.date(year, 12, 31))


def check_period(checks: Checks, field: str = "period", *, today: dt.date | None = None) -> Period | None:
    """Record a problem on `checks` unless `field` is a period that has already begun."""
    value = checks.values.get(field)
    if value is None:
        checks.fail(field, "REQUIRED", f"{field} is required; write one of {_FORMS}.")
        return None
    try:
        period = parse_period(value, field=field)
    except Invalid as error:
        checks.errors.append(error)
        return None
    today = today or dt.date.today()
    if period.start > today:
        checks.fail(
            field,
            "PERIOD_IN_FUTURE",
            f"Period {period.id} starts on {period.start.isoformat()}, after today ({today.isoformat()}); "
            "record counts for a period once it has begun.",
        )
    return period


def normalise_period(text: Any) -> Any:
    """The canonical id of `text` ("2025t1 " -> "2025T1"), or `text` unchanged if it is no period
    (the domain's validate function then reports it alongside any other problem of the input)."""
    try:
        return parse_period(text).id
    except Invalid:
        return text
