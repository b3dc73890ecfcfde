"""DataLoaders for reports: one per (what, period), so every report asked in one round of resolution
(a page of a worklist, a list of tenants each with its report) is read in one batch."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from strawberry.dataloader import DataLoader

from runxin.graphql.context import Context
from runxin.graphql.loaders import loader_name
from runxin.graphql.reporting.types import ReportEventType
from runxin.graphql.suppression import snapshot_shown
from runxin.graphql.targets.loaders import indicators_loader
from runxin.platform.indicators import TenantRef
from runxin.platform.reporting.rules import Window
from runxin.platform.reporting.snapshots import IndicatorChange, Snapshot, compare, period_year, snapshots
from runxin.platform.reporting.states import ReportStatus, approval_states, report_events
from runxin.platform.reporting.windows import windows_for

TenantKey = tuple[uuid.UUID, uuid.UUID | None]  # (tenant id, parent id)


def report_loader(context: Context, period: str) -> DataLoader[TenantKey, ReportStatus]:
    """Each tenant's report with its approval state: three statements per batch (see states.py)."""

    async def load(keys: list[TenantKey]) -> list[ReportStatus]:
        found = await context.db.run(lambda session: approval_states(session, keys, period))
        return [found[tenant_id] for tenant_id, _ in keys]

    return context.loader(loader_name("ReportByTenantLoader", period), lambda ctx: DataLoader(load_fn=load))


def events_loader(context: Context, period: str) -> DataLoader[uuid.UUID, list[ReportEventType]]:
    async def load(tenant_ids: list[uuid.UUID]) -> list[list[ReportEventType]]:
        found = await context.db.run(lambda session: report_events(session, tenant_ids, period))
        return [[ReportEventType.from_row(event) for event in found[tenant_id]] for tenant_id in tenant_ids]

    return context.loader(loader_name("ReportEventsByTenantLoader", period), lambda ctx: DataLoader(load_fn=load))


def snapshot_loader(context: Context, period: str, version: int | None) -> DataLoader[uuid.UUID, Snapshot | None]:
    async def load(tenant_ids: list[uuid.UUID]) -> list[Snapshot | None]:
        found = await context.db.run(lambda session: snapshots(session, tenant_ids, period, version=version))
        return [await _shown(found.get(tenant_id)) for tenant_id in tenant_ids]

    async def _shown(snapshot: Snapshot | None) -> Snapshot | None:
        # The frozen student-derived figures as the caller may see them (the tree's snapshot pattern).
        if snapshot is None:
            return None
        return dataclasses.replace(snapshot, figures=await snapshot_shown(context, period, snapshot.figures))

    return context.loader(loader_name("SnapshotByTenantLoader", period, version), lambda ctx: DataLoader(load_fn=load))


def window_loader(context: Context, period: str) -> DataLoader[str, Window | None]:
    """The window that applies to each tenant, by path (one statement per batch)."""

    async def load(paths: list[str]) -> list[Window | None]:
        found = await context.db.run(lambda session: windows_for(session, paths, period))
        return [found[path] for path in paths]

    return context.loader(loader_name("WindowByTenantLoader", period), lambda ctx: DataLoader(load_fn=load))


async def changes_since_approved(context: Context, tenant: Any, period: str) -> list[IndicatorChange] | None:
    """The latest snapshot against the live figures of the period's year; both through batched loaders, so
    a page of reports is one snapshot statement and one indicator computation."""
    snapshot = await snapshot_loader(context, period, None).load(tenant.uuid)
    if snapshot is None:
        return None
    ref = TenantRef(id=tenant.uuid, path=tenant.path, depth=tenant.depth, kind=tenant.kind.value)
    live = await indicators_loader(context, None, period_year(period)).load(ref)
    return compare(snapshot, live)
