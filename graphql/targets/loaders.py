"""DataLoaders over the indicator engine and the gap finder.

One loader per (codes, year): every tenant asked for in one round of resolution (the children of
a page, the scopes of a page of targets) goes into one `compute_indicators` call, which runs one
statement per fact family and distinct depth, whatever the number of tenants.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from runxin.graphql.context import Context
from runxin.graphql.loaders import loader_name
from runxin.graphql.suppression import live_shown
from runxin.platform.errors import Invalid
from runxin.platform.indicators import BY_CODE, INDICATORS, Gap, IndicatorValue, TenantRef, school_gaps
from runxin.platform.rollup.reading import indicator_values
from runxin.platform.rollup.years import live_years

FIRST_YEAR, LAST_YEAR = 2000, 2100


def current_school_year(today: dt.date | None = None) -> int:
    """The school year under way: 2025 from 1 September 2025 to 31 August 2026."""
    today = today or dt.date.today()
    return today.year if today.month >= 9 else today.year - 1


def check_year(year: int | None, field: str = "year") -> int:
    """The year asked for (the current school year when None), refused outside 2000-2100."""
    if year is None:
        return current_school_year()
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(field, "YEAR_OUT_OF_RANGE", f"{field} is {year}; ask for a year from {FIRST_YEAR} to {LAST_YEAR}.")
    return year


def check_codes(codes: Sequence[str] | None) -> tuple[str, ...] | None:
    """The distinct codes asked for, in order (None: every indicator); unknown codes are refused."""
    if codes is None:
        return None
    unknown = [code for code in codes if code not in BY_CODE]
    if unknown:
        raise Invalid(
            "codes",
            "UNKNOWN_INDICATOR",
            f"Unknown indicator code(s) {', '.join(unknown)}; use codes from indicatorDefinitions: {', '.join(BY_CODE)}.",
        )
    return tuple(dict.fromkeys(codes))


def tenant_ref(tenant: Any) -> TenantRef:
    """The engine's view of a TenantNode (loaded through the scoped session, so one the caller sees)."""
    return TenantRef(id=tenant.uuid, path=tenant.path, depth=tenant.depth, kind=tenant.kind.value)


def indicators_loader(
    context: Context, codes: tuple[str, ...] | None, year: int
) -> DataLoader[TenantRef, dict[str, IndicatorValue]]:
    order = codes if codes is not None else tuple(indicator.code for indicator in INDICATORS)

    years_live = live_years(dt.date.today(), context.settings.rollup_years)

    async def load(refs: list[TenantRef]) -> list[dict[str, IndicatorValue]]:
        # From the rollups where settled, from raw records where not (platform/rollup/reading.py).
        values = await context.db.run(
            lambda session: indicator_values(session, refs, year=year, standard=context.standard, codes=codes, live_years=years_live)
        )
        # Student-derived figures as the caller may see them (one pattern of the whole tree).
        values = await live_shown(context, values, year=year)
        return [{code: values[ref.id, code] for code in order} for ref in refs]

    return context.loader(
        loader_name("IndicatorsByTenantLoader", ",".join(codes) if codes is not None else "*", year),
        lambda ctx: DataLoader(load_fn=load),
    )


async def indicators_for(context: Context, tenant: Any, codes: tuple[str, ...] | None, year: int) -> dict[str, IndicatorValue]:
    """`codes` (all when None) of `tenant`'s subtree in `year`, by code, batched with every other tenant asked."""
    return await indicators_loader(context, codes, year).load(tenant_ref(tenant))


def gaps_loader(context: Context, year: int) -> DataLoader[uuid.UUID, list[Gap]]:
    async def load(school_ids: list[uuid.UUID]) -> list[list[Gap]]:
        gaps = await context.db.run(lambda session: school_gaps(session, school_ids, year=year, standard=context.standard))
        return [gaps.get(school_id, []) for school_id in school_ids]

    return context.loader(loader_name("GapsBySchoolLoader", year), lambda ctx: DataLoader(load_fn=load))
