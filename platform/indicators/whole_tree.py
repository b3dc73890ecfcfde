"""Every tenant's subtree sums at once: one statement per fact family and year over the whole tree.

`compute_indicators` answers for a given set of tenants, one statement per depth and family, with
the tenants' paths in an IN list. The full rollup asks for every tenant of the deployment, and in
chunks that became dozens of statements, each re-deriving the facts of the units its range scan
met. Here the family's per-unit facts are derived once (a materialised CTE over the whole tree,
no tenant list at all), and grouped by the unit's ancestor at each depth of the tree in one UNION
ALL: a row per tenant that has units of the family under it, whatever the number of tenants.

The sums are whole-subtree sums straight from the raw records, the same road as
`compute_indicators` and a different one from the incremental rollup (own units plus children's
stored sums), so the two check each other.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import CompoundSelect, Select, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.indicators.definitions import Indicator
from runxin.platform.indicators.engine import sum_columns
from runxin.platform.indicators.facts import FAMILIES, Unit
from runxin.platform.standards import Standard
from runxin.platform.tree.paths import prefix_length

# (units, missing, numerator) of one indicator over one subtree: the rollup's raw sums.
Triple = tuple[int, int, float]


def subtree_statement(
    unit: Unit, family: Sequence[Indicator], *, year: int, standard: Standard, depths: Sequence[int]
) -> CompoundSelect | Select:
    """The family's sums for every tenant at each of `depths`, keyed by the tenant's path (`prefix`)."""
    facts = FAMILIES[unit](year=year, standard=standard, where=[]).cte(f"{unit.value.lower()}_all").prefix_with("MATERIALIZED")
    columns = sum_columns(family, facts.c, standard)
    selects = []
    for depth in depths:
        length = prefix_length(depth)
        prefix = func.substr(facts.c.path, 1, length)
        # A unit above `depth` (a city's own teacher, for the county level) has no ancestor there:
        # its shorter path would otherwise come out of substr whole and be counted again.
        selects.append(select(prefix.label("prefix"), *columns).where(func.length(facts.c.path) >= length).group_by(prefix))
    return selects[0] if len(selects) == 1 else union_all(*selects)


async def subtree_sums(
    session: AsyncSession, unit: Unit, family: Sequence[Indicator], *, year: int, standard: Standard, depths: Sequence[int]
) -> dict[str, list[Triple]]:
    """For every tenant path with units of the family under it, one (units, missing, numerator) per indicator of `family`."""
    if not depths or not family:
        return {}
    result = await session.execute(subtree_statement(unit, family, year=year, standard=standard, depths=depths))
    keys = list(result.keys())
    # Column positions, not names per row: this runs for every tenant of the deployment.
    slots = [
        (keys.index(f"u{i}"), keys.index(f"m{i}") if f"m{i}" in keys else None, keys.index(f"n{i}")) for i in range(len(family))
    ]
    sums: dict[str, list[Triple]] = {}
    for row in result:
        sums[row[0]] = [(int(row[u] or 0), int(row[m] or 0) if m is not None else 0, float(row[n] or 0)) for u, m, n in slots]
    return sums
