"""The school calendar home-school rules count in: school years, terms and months.

A school year runs from 1 September to 31 August (2025: 1 September 2025 to 31 August 2026, as
platform/rollup/years.py). Its months are numbered 1 (September) to 12 (August); the first term is
months 1-5 (September to January), the second months 6-12 (February to August): the spring term
starts after the Spring Festival, in February.
"""

from __future__ import annotations

import datetime as dt

FIRST_TERM_MONTHS = 5  # September to January
MONTHS = 12


def school_year_of(day: dt.date) -> int:
    """The school year `day` falls in."""
    return day.year if day.month >= 9 else day.year - 1


def school_month_of(day: dt.date) -> int:
    """The month's place in its school year: 1 for September, 12 for August."""
    return (day.month - 9) % MONTHS + 1


def term_of(school_month: int) -> int:
    """1 for the autumn term, 2 for the spring term."""
    return 1 if school_month <= FIRST_TERM_MONTHS else 2


def calendar_columns(day: dt.date) -> dict[str, int]:
    """The calendar columns a dated home-school record stores beside its date, so the indicators
    count years and months with integer comparisons that read the same on SQLite and PostgreSQL."""
    return {"school_year": school_year_of(day), "school_month": school_month_of(day)}
