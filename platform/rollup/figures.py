"""Aggregate rows and the sums they stand for: reading, comparing and writing them."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Iterable
from typing import Any

from runxin.platform.indicators.engine import IndicatorValue, Sums, ValueState, value_of
from runxin.platform.rollup.models import Aggregate, AggregateFigures
from runxin.platform.standards import Standard


def figures(tenant_id: uuid.UUID, year: int, code: str, sums: Sums, *, standard: Standard, as_of: dt.datetime) -> dict[str, Any]:
    """The column values of one aggregate cell computed from raw sums."""
    value = value_of(tenant_id, code, sums, year=year, standard=standard, as_of=as_of)
    return {
        "tenant_id": tenant_id,
        "year": year,
        "indicator": code,
        "standards_version": standard.version,
        "units_total": sums.units,
        "units_not_reported": sums.missing,
        "numerator": value.numerator,
        "denominator": value.denominator,
        "value": value.value,
        "state": value.state.value,
        "as_of": as_of,
    }


def same_figures(row: AggregateFigures | None, new: dict[str, Any]) -> bool:
    """Do a stored cell and newly computed values say the same thing (timestamps and versions aside)?"""
    if row is None:
        return False
    return agrees(row, new["state"], new["standards_version"], new["units_total"], new["units_not_reported"], new["numerator"])


def agrees(row: Any, state: str, standards_version: str, units: int, missing: int, numerator: float) -> bool:
    """Does a stored cell (anything with the Aggregate columns) hold these figures?"""
    return (
        row.state == state
        and row.standards_version == standards_version
        and row.units_total == units
        and row.units_not_reported == missing
        # Sums of decimal credits can differ in the last bits with the order they were added in.
        and math.isclose(row.numerator, numerator, rel_tol=1e-9, abs_tol=1e-9)
    )


def as_indicator_value(row: AggregateFigures, tenant_id: uuid.UUID) -> IndicatorValue:
    """A stored cell as the engine's value type (what the API shows)."""
    return IndicatorValue(
        tenant_id=tenant_id,
        indicator=row.indicator,
        numerator=row.numerator,
        denominator=row.denominator,
        value=row.value,
        state=ValueState(row.state),
        units_total=row.units_total,
        units_not_reported=row.units_not_reported,
        as_of=row.as_of,
        standards_version=row.standards_version,
        year=row.year,
    )


def by_cell(rows: Iterable[Aggregate]) -> dict[tuple[uuid.UUID, int, str], Aggregate]:
    return {(row.tenant_id, row.year, row.indicator): row for row in rows}
