"""The `periods:` argument of per-period lists (centre activity, hotline call counts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from runxin.platform.errors import Invalid
from runxin.platform.periods import parse_period

MAX_PERIODS = 100


def periods_where(column: Any, periods: list[str] | None) -> ColumnElement[bool] | None:
    """Restrict `column` to the given periods (null: every period); a malformed one is refused, not ignored."""
    if periods is None:
        return None
    if len(periods) > MAX_PERIODS:
        raise Invalid("periods", "TOO_MANY", f"{len(periods)} periods asked for; ask for {MAX_PERIODS} at most per field.")
    # Stored ids are canonical ("2025T1"), so "2025t1 " must be read as the same period.
    return column.in_(sorted({parse_period(p, field="periods").id for p in periods}))
