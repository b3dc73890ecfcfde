"""The two reads behind target progress, each one statement for any number of tenants.

A page of targets, or a page of tenants with their targets, asks these for every tenant at once
(the API batches them in DataLoaders), so the statements do not grow with the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from runxin.platform.reporting.models import AggregateSnapshot
from runxin.platform.targets.models import Target
from runxin.platform.targets.progress import CoveringTarget, HistoryPoint, point_date
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.paths import ancestor_ids


async def snapshot_history(
    session: AsyncSession, tenant_ids: Sequence[uuid.UUID], indicators: Sequence[str]
) -> dict[tuple[uuid.UUID, str], list[HistoryPoint]]:
    """The latest approved snapshot of each period, per (tenant, indicator), oldest first.

    Read through the caller's session, so the scoping applies: a tenant sees the snapshots of its
    own subtree. Every snapshot row is an approved version (they are written on approval only);
    a reopened period keeps its last approved version until the next approval replaces it.
    """
    ids, codes = list(dict.fromkeys(tenant_ids)), list(dict.fromkeys(indicators))
    found: dict[tuple[uuid.UUID, str], list[HistoryPoint]] = {}
    if not ids or not codes:
        return found
    snapshot = AggregateSnapshot
    latest = (
        select(snapshot.tenant_id, snapshot.period, snapshot.indicator, func.max(snapshot.version).label("version"))
        .where(snapshot.tenant_id.in_(ids), snapshot.indicator.in_(codes))
        .group_by(snapshot.tenant_id, snapshot.period, snapshot.indicator)
        .subquery()
    )
    statement = select(
        snapshot.tenant_id,
        snapshot.indicator,
        snapshot.period,
        snapshot.version,
        snapshot.value,
        snapshot.state,
        snapshot.as_of,
        snapshot.numerator,
    ).join(
        latest,
        and_(
            latest.c.tenant_id == snapshot.tenant_id,
            latest.c.period == snapshot.period,
            latest.c.indicator == snapshot.indicator,
            latest.c.version == snapshot.version,
        ),
    )
    for row in await session.execute(statement):
        point = HistoryPoint(
            period=row.period,
            version=row.version,
            value=None if row.value is None else float(row.value),
            state=row.state,
            on=point_date(row.period, row.as_of),
            numerator=row.numerator,
        )
        found.setdefault((row.tenant_id, row.indicator), []).append(point)
    for points in found.values():
        points.sort(key=lambda p: (p.on, p.period))
    return found


async def covering_targets(session: AsyncSession, tenants: Sequence[Any]) -> list[CoveringTarget]:
    """Every target whose scope is one of `tenants` (rows with `path`) or a tenant above one of them.

    A target covers a tenant when the target's tenant path is a prefix of the tenant's path. The
    materialised path spells the ids of the tenant's ancestors, so that is "the target's tenant is
    one of the ids in the path": one IN list on the indexed `target.tenant_id` for all the tenants,
    rather than a prefix comparison per pair.

    Read as a system statement, on purpose: the scoping shows a bureau the records of its own
    subtree, but a target set by the city for the city applies to every county and school under it,
    and they must see what they are held to. Only what a tenant below needs is read (indicator,
    value, due date, and the names of the scope and the setter, which every tenant may see of its
    ancestors); the note and the record itself stay scoped. Pass only tenants the caller may see.
    """
    ids = list(dict.fromkeys(ancestor for tenant in tenants for ancestor in ancestor_ids(tenant.path)))
    if not ids:
        return []
    scope, setter = aliased(Tenant), aliased(Tenant)
    statement = (
        select(
            Target.id,
            Target.indicator,
            Target.value,
            Target.due_date,
            Target.tenant_id,
            scope.path.label("scope_path"),
            scope.name.label("scope_name"),
            Target.set_by_id,
            setter.path.label("set_by_path"),
            setter.name.label("set_by_name"),
        )
        .join(scope, scope.id == Target.tenant_id)
        .join(setter, setter.id == Target.set_by_id)
        .where(Target.tenant_id.in_(ids))
    )
    rows = await session.execute(statement, execution_options={"system": True})
    return [
        CoveringTarget(
            id=row.id,
            indicator=row.indicator,
            value=float(row.value),
            due_date=row.due_date,
            scope_id=row.tenant_id,
            scope_path=row.scope_path,
            scope_name=row.scope_name,
            set_by_id=row.set_by_id,
            set_by_path=row.set_by_path,
            set_by_name=row.set_by_name,
        )
        for row in rows
    ]
