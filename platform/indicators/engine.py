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

`compute_own` is the same statement over each tenant's *own* units only (the school itself, the
county itself, the tenant's own teachers), grouped by the tenant's full path. The rollups add a
tenant's own sums to its children's stored sums: sums of numerators and of units are exact at
every level, so the result equals `compute_indicators` over the whole subtree.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import os
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, bindparam, case, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.db.replica import snapshot_time
from runxin.platform.errors import Invalid
from runxin.platform.indicators.definitions import BY_CODE, INDICATORS, ONE, ZERO, Indicator, ValueKind
from runxin.platform.indicators.facts import COUNTING, FAMILIES, UNIT_KIND, Unit
from runxin.platform.standards import STANDARDS, Standard
from runxin.platform.tree.models import ALLOWED_PARENT, Tenant, TenantKind
from runxin.platform.tree.paths import prefix_length, upper_bound


class ValueState(enum.StrEnum):
    REPORTED = "REPORTED"  # a value, a real zero included
    NOT_REPORTED = "NOT_REPORTED"  # eligible units exist, and none of them has the data
    NOT_APPLICABLE = "NOT_APPLICABLE"  # the subtree has no eligible unit
    # A student-derived figure hidden from this reader by small-count suppression (platform/suppression.py):
    # value, numerator and denominator are null. The engine never produces it; the readers above the school do.
    SUPPRESSED = "SUPPRESSED"


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
    numerator: float | None  # None only when SUPPRESSED
    denominator: float | None  # None only when SUPPRESSED
    value: float | None  # numerator / denominator when REPORTED (the numerator for a COUNT), else None
    state: ValueState
    units_total: int  # eligible units, reported or not
    units_not_reported: int
    as_of: dt.datetime
    standards_version: str
    year: int


@dataclass(slots=True)
class Sums:
    """The raw sums behind one indicator value: eligible units, those without data, the numerator."""

    units: int = 0
    missing: int = 0
    numerator: float = 0.0

    def __add__(self, other: Sums) -> Sums:
        return Sums(self.units + other.units, self.missing + other.missing, self.numerator + other.numerator)


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
    sums = await _sums(session, refs, indicators, year=year, standard=standard, own=False)
    # On a replica the figures are as fresh as its replayed data, not as the clock (db/replica.py).
    as_of = now or snapshot_time(session) or dt.datetime.now(dt.UTC)
    return {
        (ref.id, indicator.code): _value(ref.id, indicator, sums.get((ref.id, indicator.code), Sums()), as_of, standard, year)
        for ref in refs
        for indicator in indicators
    }


async def compute_own(
    session: AsyncSession,
    tenants: Sequence[TenantRef],
    *,
    year: int,
    standard: Standard,
    codes: Sequence[str] | None = None,
) -> dict[tuple[uuid.UUID, str], Sums]:
    """The sums of each tenant's own units only (not its descendants'), keyed by (tenant id, code)."""
    indicators = _select(codes)
    refs = list({ref.id: _checked(ref) for ref in tenants}.values())
    sums = await _sums(session, refs, indicators, year=year, standard=standard, own=True)
    return {(ref.id, indicator.code): sums.get((ref.id, indicator.code), Sums()) for ref in refs for indicator in indicators}


def value_of(tenant_id: uuid.UUID, code: str, sums: Sums, *, year: int, standard: Standard, as_of: dt.datetime) -> IndicatorValue:
    """The indicator value that raw sums stand for (the rollups store sums and derive values here)."""
    return _value(tenant_id, BY_CODE[code], sums, as_of, standard, year)


async def _sums(
    session: AsyncSession, refs: list[TenantRef], indicators: list[Indicator], *, year: int, standard: Standard, own: bool
) -> dict[tuple[uuid.UUID, str], Sums]:
    sums: dict[tuple[uuid.UUID, str], Sums] = {}
    by_depth: dict[int, list[TenantRef]] = defaultdict(list)
    for ref in refs:
        by_depth[ref.depth].append(ref)
    by_unit: dict[Unit, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        by_unit[indicator.unit].append(indicator)
    for depth, group in sorted(by_depth.items()):
        for unit, family in by_unit.items():
            contains = _is_own_unit if own else _may_contain
            if not any(contains(ref.kind, unit) for ref in group):
                continue  # e.g. county indicators for schools: nothing to ask the database
            if own:
                # Built once per shape, with the paths and the year as parameters: a worker
                # recomputes one tenant at a time, and building the statement cost more than running it.
                statement = _own_statement(unit, tuple(i.code for i in family), standard.version)
                result = await session.execute(
                    statement, {"own_paths": sorted(ref.path for ref in group), "own_year": year}, execution_options=COUNTING
                )
            else:
                result = await session.execute(
                    _statement(unit, family, group, depth, year=year, standard=standard), execution_options=COUNTING
                )
            by_prefix = {row.prefix: row for row in result.all()}
            for ref in group:
                row = by_prefix.get(ref.path)
                if row is None:
                    continue
                m = row._mapping
                for i, indicator in enumerate(family):
                    sums[ref.id, indicator.code] = Sums(
                        units=int(m[f"u{i}"] or 0), missing=int(m.get(f"m{i}") or 0), numerator=float(m[f"n{i}"] or 0)
                    )
    return sums


@functools.cache
def _own_statement(unit: Unit, codes: tuple[str, ...], version: str) -> Select:
    """Each tenant's own units (those whose tenant is the requested tenant itself), grouped by its path."""
    where = [Tenant.path.in_(bindparam("own_paths", expanding=True))]
    family = [BY_CODE[code] for code in codes]
    return _aggregated(unit, family, STANDARDS[version], bindparam("own_year", type_=Integer), where, Tenant.path)


def _statement(
    unit: Unit, family: list[Indicator], group: list[TenantRef], depth: int, *, year: int, standard: Standard
) -> Select:
    length = prefix_length(depth)
    prefixes = sorted(ref.path for ref in group)
    # One index range scan over the narrowest subtree holding every requested tenant (for
    # siblings, their parent's), then an exact filter on the ancestor at `depth`.
    common = _common_ancestor(prefixes)
    prefix = func.substr(Tenant.path, 1, length)
    where = [Tenant.path >= common, Tenant.path < upper_bound(common), prefix.in_(prefixes)]
    return _aggregated(unit, family, standard, year, where, prefix)


def _aggregated(unit: Unit, family: list[Indicator], standard: Standard, year: Any, where: list[Any], prefix: Any) -> Select:
    facts_select = FAMILIES[unit](year=year, standard=standard, where=where)
    facts_select = facts_select.add_columns(prefix.label("prefix"))
    # MATERIALIZED: each per-unit fact (a correlated subquery) is read by several SUM(CASE ...)
    # columns; inlined, PostgreSQL and SQLite would both re-run the subquery for every reference.
    facts = facts_select.cte(f"{unit.value.lower()}_facts").prefix_with("MATERIALIZED")
    return select(facts.c.prefix, *sum_columns(family, facts.c, standard)).group_by(facts.c.prefix)


def sum_columns(family: Sequence[Indicator], facts: Any, standard: Standard) -> list[Any]:
    """For the i-th indicator of a family, over its per-unit fact columns: `u{i}` (eligible units),
    `n{i}` (the numerator over reported eligible units) and, where data can be missing, `m{i}`."""
    columns = []
    for i, indicator in enumerate(family):
        measure = indicator.measure(facts, standard)
        counted = measure.eligible if measure.reported is None else measure.eligible & measure.reported
        columns += [
            func.sum(case((measure.eligible, ONE), else_=ZERO)).label(f"u{i}"),
            func.sum(case((counted, measure.numerator), else_=ZERO)).label(f"n{i}"),
        ]
        if measure.reported is not None:
            columns.append(func.sum(case((measure.eligible & not_(measure.reported), ONE), else_=ZERO)).label(f"m{i}"))
    return columns


def _value(
    tenant_id: uuid.UUID, indicator: Indicator, sums: Sums, as_of: dt.datetime, standard: Standard, year: int
) -> IndicatorValue:
    denominator = sums.units - sums.missing
    state = state_of(sums.units, sums.missing)
    return IndicatorValue(
        tenant_id=tenant_id,
        indicator=indicator.code,
        numerator=sums.numerator if denominator else 0.0,
        denominator=float(denominator),
        value=_reported_value(indicator, sums.numerator, denominator) if state is ValueState.REPORTED else None,
        state=state,
        units_total=sums.units,
        units_not_reported=sums.missing,
        as_of=as_of,
        standards_version=standard.version,
        year=year,
    )


def _reported_value(indicator: Indicator, numerator: float, denominator: int) -> float:
    # A COUNT is the sum itself (students at a level, referrals open); ratios and means divide.
    return numerator if indicator.value_kind is ValueKind.COUNT else numerator / denominator


def state_of(units: int, missing: int) -> ValueState:
    """The value state of sums over `units` eligible units of which `missing` lack the data."""
    if units == 0:
        return ValueState.NOT_APPLICABLE
    if units == missing:
        return ValueState.NOT_REPORTED
    return ValueState.REPORTED


def _select(codes: Sequence[str] | None) -> list[Indicator]:
    if codes is None:
        return list(INDICATORS)
    if isinstance(codes, str):  # a lone code would otherwise be read letter by letter
        codes = [codes]
    unknown = [code for code in codes if code not in BY_CODE]
    if unknown:
        raise Invalid(
            "codes", "UNKNOWN_INDICATOR", f"Unknown indicator code(s) {', '.join(unknown)}; use one of {', '.join(BY_CODE)}."
        )
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


def _is_own_unit(kind: str, unit: Unit) -> bool:
    """Can a tenant of `kind` itself be (or hold, for teachers) a unit of this family?"""
    unit_kind = UNIT_KIND[unit]
    return unit_kind is None or unit_kind is TenantKind(kind)


def _may_contain(kind: str, unit: Unit) -> bool:
    """Can a subtree rooted at a tenant of `kind` hold units of this family?"""
    unit_kind = UNIT_KIND[unit]
    if unit_kind is None:
        return True
    tenant_kind = TenantKind(kind)
    return unit_kind is tenant_kind or unit_kind in _descendant_kinds(tenant_kind)
