"""Where a day falls in the school calendar of platform/periods.py: its school year and its term.

The school year 2025 runs from 1 September 2025 to 31 August 2026; its autumn term (2025T1) from
September to January, its spring term (2025T2) from February to July. August belongs to the school
year but to neither term (the summer holiday).
"""

from __future__ import annotations

import datetime as dt
import math

from runxin.platform.periods import Period, parse_period


def school_year_of(day: dt.date) -> int:
    """The school year `day` falls in (2025 for 1 Sep 2025 to 31 Aug 2026)."""
    return day.year if day.month >= 9 else day.year - 1


def term_of(day: dt.date) -> int | None:
    """1 for the autumn term (Sep-Jan), 2 for the spring term (Feb-Jul), None for August."""
    if day.month >= 9 or day.month == 1:
        return 1
    if 2 <= day.month <= 7:
        return 2
    return None


def term_id(school_year: int, term: int) -> str:
    """The period id of a term: term_id(2025, 2) == "2025T2"."""
    return f"{school_year}T{term}"


def term_period(day: dt.date) -> Period | None:
    """The term `day` falls in, as a Period, or None in August."""
    term = term_of(day)
    return None if term is None else parse_period(term_id(school_year_of(day), term))


def weeks_in(period: Period) -> int:
    """Calendar weeks a term spans, a part week counted whole (2025T1: 22, 2025T2: 26)."""
    return math.ceil(((period.end - period.start).days + 1) / 7)


def weeks_elapsed(period: Period, today: dt.date) -> int:
    """Calendar weeks of the term begun by `today` (all of them once it has ended; 0 before it starts)."""
    if today < period.start:
        return 0
    return math.ceil(((min(today, period.end) - period.start).days + 1) / 7)
