"""Compute indicators for many tenants at once, set-based.

Per distinct depth of the requested tenants and per fact family (school, county, teacher) that the
requested codes need, one statement: the family's per-unit facts for the units under the requested
tenants (a materialised CTE), grouped by the unit's ancestor at that depth. Paths are fixed-width,
so that ancestor is `substr(unit.path, 1, prefix_length(depth))`. Every indicator of the family is
a few SUM(CASE ...) columns of that statement (eligible units, numerator, and not-reported units
where the indicator can lack data), so a total is always a sum of numerators over a sum of
denominators, never a mean of ratios.

A call therefore costs (distinct depths) × (families needed) statements, whatever the number of
tenants: 3 for siblings asking for everything, 2 for schools (no county lives under a school).
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.errors import Invalid
from runxin.platform.indicators.definitions import BY_CODE, INDICATORS, ONE, ZERO, Indicator
from runxin.platform.indicators.facts import FAMILIES, UNIT_KIND, Unit
from runxin.platform.standards import Standard
from runxin.platform.tree.models import ALLOWED_PARENT, Tenant, TenantKind
from runxin.platform.tree.paths import prefix_length, upper_bound


class ValueState(enum.StrEnum):
    REPORTED = "REPORTED"  # a value, a real zero included
    NOT_REPORTED = "NOT_REPORTED"  # eligible units exist, and none of them has the data
    NOT_APPLICABLE = "NOT_APPLICABLE"  # the subtree has no eligible unit


@dataclass(frozen=True, slots=True)
class TenantRef:
    """The root of a subtree to compute over; `path` and `depth` as on the Tenant row."""

    id: uuid.UUID
    path: str
    depth: int
    kind: str

    @classmethod
    def of(cls, tenant: Any) -> TenantRef:
        """Take the four fields from a Tenant row (or anything shaped like one)."""
        return cls(id=tenant.id, path=tenant.path, depth=tenant.depth, kind=tenant.kind)


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    tenant_id: uuid.UUID
    indicator: str
    numerator: float
    denominator: float
    value: float | None  # numerator / denominator when REPORTED, else None
    state: ValueState
    units_total: int  # eligible units, reported or not
    units_not_reported: int
    as_of: dt.datetime
    standards_version: str
    year: int


@dataclass(slots=True)
class _Sums:
    units: int = 0
    missing: int = 0
    numerator: float = 0.0


async def compute_indicators(
    session: AsyncSession,
    tenants: Sequence[TenantRef],
    *,
    year: int,
    standard: Standard,
    codes: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> dict[tuple[uuid.UUID, str], IndicatorValue]:
    """Compute `codes` (all when None) for each tenant's subtree, keyed by (tenant id, code)."""
    indicators = _select(codes)
    refs = list({ref.id: _checked(ref) for ref in tenants}.values())
    sums: dict[tuple[uuid.UUID, str], _Sums] = {}
    by_depth: dict[int, list[TenantRef]] = defaultdict(list)
    for ref in refs:
        by_depth[ref.depth].append(ref)
    by_unit: dict[Unit, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        by_unit[indicator.unit].append(indicator)
    for depth, group in sorted(by_depth.items()):
        for unit, family in by_unit.items():
            if not any(_may_contain(ref.kind, unit) for ref in group):
                continue  # e.g. county indicators for schools: nothing to ask the database
            statement = _statement(unit, family, group, depth, year=year, standard=standard)
            by_prefix = {row.prefix: row for row in (await session.execute(statement)).all()}
            for ref in group:
                row = by_prefix.get(ref.path)
                if row is None:
                    continue
                m = row._mapping
                for i, indicator in enumerate(family):
                    sums[ref.id, indicator.code] = _Sums(
                        units=int(m[f"u{i}"] or 0), missing=int(m.get(f"m{i}") or 0), numerator=float(m[f"n{i}"] or 0)
                    )
    as_of = now or dt.datetime.now(dt.UTC)
    return {
        (ref.id, indicator.code): _value(ref, indicator, sums.get((ref.id, indicator.code), _Sums()), as_of, standard, year)
        for ref in refs
        for indicator in indicators
    }


def _statement(unit: Unit, family: list[Indicator], group: list[TenantRef], depth: int, *, year: int, standard: Standard) -> Select:
    length = prefix_length(depth)
    prefixes = sorted(ref.path for ref in group)
    # One index range scan over the narrowest subtree holding every requested tenant (for
    # siblings, their parent's), then an exact filter on the ancestor at `depth`.
    common = _common_ancestor(prefixes)
    where = [
        Tenant.path >= common,
        Tenant.path < upper_bound(common),
        func.substr(Tenant.path, 1, length).in_(prefixes),
    ]
    facts_select = FAMILIES[unit](year=year, standard=standard, where=where)
    facts_select = facts_select.add_columns(func.substr(Tenant.path, 1, length).label("prefix"))
    # MATERIALIZED: each per-unit fact (a correlated subquery) is read by several SUM(CASE ...)
    # columns; inlined, PostgreSQL and SQLite would both re-run the subquery for every reference.
    facts = facts_select.cte(f"{unit.value.lower()}_facts").prefix_with("MATERIALIZED")
    columns = []
    for i, indicator in enumerate(family):
        measure = indicator.measure(facts.c, standard)
        counted = measure.eligible if measure.reported is None else measure.eligible & measure.reported
        columns += [
            func.sum(case((measure.eligible, ONE), else_=ZERO)).label(f"u{i}"),
            func.sum(case((counted, measure.numerator), else_=ZERO)).label(f"n{i}"),
        ]
        if measure.reported is not None:
            columns.append(func.sum(case((measure.eligible & not_(measure.reported), ONE), else_=ZERO)).label(f"m{i}"))
    return select(facts.c.prefix, *columns).group_by(facts.c.prefix)


def _value(ref: TenantRef, indicator: Indicator, sums: _Sums, as_of: dt.datetime, standard: Standard, year: int) -> IndicatorValue:
    denominator = sums.units - sums.missing
    if sums.units == 0:
        state = ValueState.NOT_APPLICABLE
    elif denominator == 0:
        state = ValueState.NOT_REPORTED
    else:
        state = ValueState.REPORTED
    return IndicatorValue(
        tenant_id=ref.id,
        indicator=indicator.code,
        numerator=sums.numerator if denominator else 0.0,
        denominator=float(denominator),
        value=sums.numerator / denominator if state is ValueState.REPORTED else None,
        state=state,
        units_total=sums.units,
        units_not_reported=sums.missing,
        as_of=as_of,
        standards_version=standard.version,
        year=year,
    )


def _select(codes: Sequence[str] | None) -> list[Indicator]:
    if codes is None:
        return list(INDICATORS)
    if isinstance(codes, str):  # a lone code would otherwise be read letter by letter
        codes = [codes]
    unknown = [code for code in codes if code not in BY_CODE]
    if unknown:
        raise Invalid("codes", "UNKNOWN_INDICATOR", f"Unknown indicator code(s) {', '.join(unknown)}; use one of {', '.join(BY_CODE)}.")
    return [BY_CODE[code] for code in dict.fromkeys(codes)]


def _checked(ref: TenantRef) -> TenantRef:
    # The grouping prefix is computed from the depth: a ref whose path disagrees would silently
    # match nothing, so refuse it loudly.
    if len(ref.path) != prefix_length(ref.depth) or not ref.path.endswith("/"):
        raise ValueError(f"Tenant {ref.id} has depth {ref.depth} but a path of {len(ref.path)} characters.")
    return ref


def _common_ancestor(paths: Iterable[str]) -> str:
    common = os.path.commonprefix(list(paths))
    return common[: common.rfind("/") + 1]


def _descendant_kinds(kind: TenantKind) -> set[TenantKind]:
    children = {child for child, parents in ALLOWED_PARENT.items() if kind in parents}
    return children.union(*(_descendant_kinds(child) for child in children))


def _may_contain(kind: str, unit: Unit) -> bool:
    """Can a subtree rooted at a tenant of `kind` hold units of this family?"""
    unit_kind = UNIT_KIND[unit]
    if unit_kind is None:
        return True
    tenant_kind = TenantKind(kind)
    return unit_kind is tenant_kind or unit_kind in _descendant_kinds(tenant_kind)
