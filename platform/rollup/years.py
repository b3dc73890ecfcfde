"""The years whose figures are kept live (rolled up on every change)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def current_school_year(today: dt.date) -> int:
    """The school year under way: 2025 from 1 September 2025 to 31 August 2026."""
    return today.year if today.month >= 9 else today.year - 1


def live_years(today: dt.date, configured: Iterable[int] = ()) -> tuple[int, ...]:
    """The configured years (RUNXIN_ROLLUP_YEARS), else the school year under way and the one before:
    indicators are read for the current school year, and last year's figures are still being approved."""
    years = sorted(set(configured))
    if years:
        return tuple(years)
    school_year = current_school_year(today)
    return (school_year - 1, school_year)
