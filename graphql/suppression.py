"""Small-count suppression of the figures the API gives out: every student-derived figure, wherever
it appears (Tenant.indicators, target progress and its history and children, report snapshots and
their changes, and so the exports and the printed reports, which run documents as the caller).

The patterns are the whole tree's (runxin.platform.disclosure.patterns): read once per tree and data
version in a system session beside the request's, then applied here to what the caller asked for.
Only a school's own people see its own figures whole; everyone else, API clients included, sees
the pattern.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from typing import TypeVar

from runxin.graphql.context import Context
from runxin.platform.disclosure.patterns import (
    Pattern,
    is_student_derived,
    live_patterns,
    root_of,
    shown,
    snapshot_patterns,
)
from runxin.platform.indicators import IndicatorValue, ValueState
from runxin.platform.rollup.years import live_years
from runxin.platform.targets.progress import HistoryPoint
from runxin.tenants.principal import Principal

K = TypeVar("K")


def own_school(principal: Principal | None) -> uuid.UUID | None:
    """The school whose figures this caller sees whole: its own, for a person of that school."""
    if principal is None or principal.client_id is not None or principal.tenant_kind != "SCHOOL":
        return None
    return principal.tenant_id


def _needs(context: Context, values: Iterable[IndicatorValue]) -> bool:
    own = own_school(context.principal)
    return any(is_student_derived(v.indicator) and v.tenant_id != own for v in values)


async def live_shown(context: Context, values: Mapping[K, IndicatorValue], *, year: int) -> dict[K, IndicatorValue]:
    """Live figures as the caller may see them."""
    if not _needs(context, values.values()):
        return dict(values)
    patterns: Mapping[str, Pattern] = {}
    principal = context.principal
    if principal is not None:
        # Every student-derived code at once (one engine statement for all): one kept entry per tree and version.
        years = live_years(dt.date.today(), context.settings.rollup_years)
        root = root_of(principal.tenant_path)
        patterns = await context.db.system(
            lambda session: live_patterns(session, root, year=year, standard=context.standard, live_years=years),
            "suppression pattern of the tree",
        )
    own = own_school(principal)
    return {key: shown(value, patterns, own_school=own) for key, value in values.items()}


async def snapshot_shown(context: Context, period: str, values: Mapping[K, IndicatorValue]) -> dict[K, IndicatorValue]:
    """Figures of approved snapshots of `period` as the caller may see them."""
    if not _needs(context, values.values()):
        return dict(values)
    patterns: Mapping[str, Pattern] = {}
    principal = context.principal
    if principal is not None:
        patterns = await _snapshot_patterns(context, principal, period)
    own = own_school(principal)
    return {key: shown(value, patterns, own_school=own) for key, value in values.items()}


async def history_shown(
    context: Context, history: Mapping[tuple[uuid.UUID, str], list[HistoryPoint]]
) -> dict[tuple[uuid.UUID, str], list[HistoryPoint]]:
    """Target history points (approved snapshots) as the caller may see them, period by period."""
    own = own_school(context.principal)
    principal = context.principal
    wanted = {(tenant_id, code) for tenant_id, code in history if is_student_derived(code) and tenant_id != own}
    if not wanted:
        return dict(history)
    periods = {point.period for key in wanted for point in history[key]}
    by_period: dict[str, Mapping[str, Pattern]] = {}
    for period in sorted(periods):
        by_period[period] = {} if principal is None else await _snapshot_patterns(context, principal, period)

    def point(tenant_id: uuid.UUID, code: str, p: HistoryPoint) -> HistoryPoint:
        pattern = by_period[p.period].get(code)
        if pattern is not None and not pattern.hides_cell(tenant_id, p.state, p.numerator):
            return p
        return dataclasses.replace(p, value=None, numerator=None, state=ValueState.SUPPRESSED.value)

    return {
        key: [point(key[0], key[1], p) for p in points] if key in wanted else points for key, points in history.items()
    }


async def _snapshot_patterns(context: Context, principal: Principal, period: str) -> Mapping[str, Pattern]:
    return await context.db.system(
        lambda session: snapshot_patterns(session, root_of(principal.tenant_path), period),
        "suppression pattern of the tree's snapshots",
    )
