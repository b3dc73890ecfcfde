"""Target progress for many targets and tenants at once: the loaders and the assembly.

A progress needs the tenant's current value (the all-indicators loader of loaders.py, shared with
Tenant.indicators), its snapshot history, and when asked its children with theirs; a tenant's
effective targets need the targets set for it and above it. Each read is one DataLoader, so a page
of targets or of tenants costs a fixed number of statements whatever its size: every tenant asked in
one round of resolution goes into one statement (platform/targets/reading.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from runxin.graphql.context import Context, Info
from runxin.graphql.loaders import columns, many_by_key_loader
from runxin.graphql.suppression import history_shown
from runxin.graphql.targets.loaders import check_codes, current_school_year, indicators_for, tenant_ref
from runxin.graphql.targets.progress import (
    CHILDREN_BEHIND_MAX,
    ChildBehind,
    EffectiveTarget,
    TargetHistoryPoint,
    TargetProgress,
    TargetStatusEnum,
)
from runxin.graphql.targets.types import IndicatorStateEnum, IndicatorValueType
from runxin.graphql.tenants.loaders import node_of, tenant_by_id
from runxin.platform.errors import Invalid
from runxin.platform.indicators import INDICATORS, IndicatorValue, TenantRef
from runxin.platform.targets.progress import (
    CoveringTarget,
    HistoryPoint,
    effective_targets,
    is_behind,
    series,
    target_status,
    trend,
    worst_first,
)
from runxin.platform.targets.reading import covering_targets, snapshot_history
from runxin.platform.tree.models import Tenant


def history_loader(context: Context) -> DataLoader[tuple[uuid.UUID, str], list[HistoryPoint]]:
    """Load the snapshot history of (tenant, indicator) pairs, one statement per batch."""

    async def load(keys: list[tuple[uuid.UUID, str]]) -> list[list[HistoryPoint]]:
        tenant_ids, codes = [key[0] for key in keys], [key[1] for key in keys]
        found = await context.db.run(lambda session: snapshot_history(session, tenant_ids, codes))
        found = await history_shown(context, found)
        return [found.get(key, []) for key in keys]

    return context.loader("HistoryByTenantAndIndicatorLoader", lambda ctx: DataLoader(load_fn=load))


def effective_loader(context: Context) -> DataLoader[TenantRef, dict[str, CoveringTarget]]:
    """Load the targets in force at tenants, by indicator, one statement per batch."""

    async def load(refs: list[TenantRef]) -> list[dict[str, CoveringTarget]]:
        # The refs are tenants the caller loaded through its scoped session (see covering_targets).
        found = await context.db.run(lambda session: covering_targets(session, refs))
        return [effective_targets(found, ref.path) for ref in refs]

    return context.loader("EffectiveTargetsByTenantLoader", lambda ctx: DataLoader(load_fn=load))


def children_loader(context: Context) -> DataLoader[uuid.UUID, list[Any]]:
    """Load every child of parent tenants, by code, one statement per batch."""
    # Through the request's scoped session: only the children the caller may see.
    return context.loader(
        "TenantsByParentLoader",
        lambda ctx: many_by_key_loader(
            ctx,
            lambda ids: select(*columns(Tenant)).where(Tenant.parent_id.in_(ids)).order_by(Tenant.parent_id, Tenant.code),
            lambda row: row.parent_id,
            node_of,
        ),
    )


async def _standing(context: Context, tenant: Any, indicator: str) -> tuple[IndicatorValue | None, list[HistoryPoint]]:
    """The tenant's current value of `indicator` and its history, each batched with every other tenant's."""
    values, history = await asyncio.gather(
        indicators_for(context, tenant, None, current_school_year()),
        history_loader(context).load((tenant.uuid, indicator)),
    )
    return values.get(indicator), history


def _gap(target: float, current: float | None) -> float | None:
    return None if current is None else target - current


async def progress_at(context: Context, tenant: Any, indicator: str, target: float, due_date: dt.date) -> TargetProgress:
    """Where `tenant`'s subtree stands against `target` by `due_date` (None: a tenant out of sight)."""
    today = dt.date.today()
    value, history = (None, []) if tenant is None else await _standing(context, tenant, indicator)
    number = value.value if value is not None else None
    slope = trend(series(history, number, today))
    return TargetProgress(
        target=target,
        due_date=due_date,
        current=IndicatorValueType.of(value) if value is not None else None,
        status=TargetStatusEnum(target_status(number, target, due_date, today, slope).value),
        gap=_gap(target, number),
        trend=slope,
        history=[
            TargetHistoryPoint(period=p.period, value=p.value, state=IndicatorStateEnum(p.state), version=p.version)
            for p in history
        ],
        tenant_uuid=tenant.uuid if tenant is not None else None,
        indicator=indicator,
        today=today,
    )


async def progress_of_target(
    info: Info, scope_uuid: uuid.UUID, indicator: str, target: float, due_date: dt.date
) -> TargetProgress:
    """A target's progress over its scope's subtree."""
    scope = await tenant_by_id(info.context).load(scope_uuid)
    return await progress_at(info.context, scope, indicator, target, due_date)


async def children_behind(info: Info, progress: TargetProgress, first: int) -> list[ChildBehind]:
    """The children of the progress's tenant behind its target, worst first, at most `first`."""
    if not 0 <= first <= CHILDREN_BEHIND_MAX:
        raise Invalid("first", "PAGE_SIZE", f"first is {first}; ask for 0 to {CHILDREN_BEHIND_MAX} children.")
    if progress.tenant_uuid is None:
        return []
    context = info.context
    children = await children_loader(context).load(progress.tenant_uuid)
    standings = await asyncio.gather(*(_standing(context, child, progress.indicator) for child in children))
    behind: list[tuple[tuple[int, float, str], ChildBehind]] = []
    for child, (value, history) in zip(children, standings, strict=True):
        if value is None:
            continue
        number = value.value
        if not is_behind(number, value.state.value, progress.target):
            continue
        slope = trend(series(history, number, progress.today))
        status = target_status(number, progress.target, progress.due_date, progress.today, slope)
        row = ChildBehind(
            tenant=child,
            code=child.code,
            name=child.name,
            current=IndicatorValueType.of(value),
            value=number,
            state=IndicatorStateEnum(value.state.value),
            status=TargetStatusEnum(status.value),
            gap=_gap(progress.target, number),
            trend=slope,
        )
        behind.append((worst_first(status, number, child.code), row))
    behind.sort(key=lambda item: item[0])
    return [row for _, row in behind[:first]]


async def effective_targets_of(info: Info, tenant: Any, indicators: list[str] | None) -> list[EffectiveTarget]:
    """The targets in force at `tenant` for `indicators` (all when None, in the definitions' order;
    else in the order asked), each with the tenant's progress; indicators without one are left out."""
    wanted = check_codes(indicators)
    order = wanted if wanted is not None else tuple(indicator.code for indicator in INDICATORS)
    if not order:
        return []
    context = info.context
    effective = await effective_loader(context).load(tenant_ref(tenant))
    chosen = [effective[code] for code in order if code in effective]
    progresses = await asyncio.gather(*(progress_at(context, tenant, t.indicator, t.value, t.due_date) for t in chosen))
    return [
        EffectiveTarget(
            indicator=t.indicator,
            value=t.value,
            due_date=t.due_date,
            inherited=t.scope_id != tenant.uuid,
            progress=progress,
            target_uuid=t.id,
            scope_uuid=t.scope_id,
            set_by_uuid=t.set_by_id,
        )
        for t, progress in zip(chosen, progresses, strict=True)
    ]
