"""Tenant.reportingCompleteness: the completeness and timeliness of a subtree's reporting for a period.

One DataLoader per period, so every tenant asked in one round of resolution (a city's counties in
a list, each with its completeness) is computed in one call of the service: 2 + (figures due)
statements for the whole batch. A tenant above the caller is refused (ANCESTOR_SUBTREE): the caller
sees only part of its subtree, so its rates would look complete and be wrong.
"""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from runxin.graphql.completeness.types import ReportingCompletenessType
from runxin.graphql.context import Context, Info
from runxin.graphql.loaders import loader_name
from runxin.graphql.records import require_subtree
from runxin.platform.completeness import Completeness, completeness
from runxin.platform.periods import Period, parse_period


def completeness_loader(context: Context, period: Period) -> DataLoader[str, Completeness | None]:
    """Completeness by subtree root path, for one period."""
    grace = context.settings.completeness_grace_days

    async def load(paths: list[str]) -> list[Completeness | None]:
        found = await context.db.run(lambda session: completeness(session, paths, period, grace_days=grace))
        return [found.get(path) for path in paths]

    return context.loader(loader_name("CompletenessBySubtreeLoader", period.id), lambda ctx: DataLoader(load_fn=load))


async def reporting_completeness_of(info: Info, tenant: Any, period: str) -> ReportingCompletenessType:
    parsed = parse_period(period, field="period")
    require_subtree(info, tenant)
    result = await completeness_loader(info.context, parsed).load(tenant.path)
    if result is None:  # the tenant came through the scoped session, so this cannot happen short of a race
        raise LookupError(f"tenant {tenant.code} vanished while its completeness was computed")
    return ReportingCompletenessType.of(result)
