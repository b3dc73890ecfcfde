"""Reading reports and approval states for many tenants at once, set-based.

A tenant without a `report` row for a period has an OPEN report at version 1; `ReportStatus` is
that view of a row or of its absence. Approval states (rules.ApprovalState) need three facts per
tenant — its own report's state, whether any child is not yet APPROVED, and its parent's report
state — and `approval_states` reads each fact for every tenant asked in one statement: three
statements whatever the number of tenants. The parent's state is read as a system statement (its
state column only): a school's principal does not see its county's report row, yet "approved
above" is the school's own approval state.

The approver's worklist (`child_reports`) computes the approval state in SQL instead, so it can be
filtered and paged in the same statement.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from runxin.platform.reporting.models import Report, ReportEvent
from runxin.platform.reporting.rules import ApprovalState, ReportState, Window, approval_state
from runxin.platform.tree.models import Tenant

SYSTEM = {"system": True}


@dataclass(frozen=True, slots=True)
class ReportStatus:
    """One tenant's report for one period as it stands (OPEN at version 1 when there is no row)."""

    tenant_id: uuid.UUID
    period: str
    state: ReportState = ReportState.OPEN
    version: int = 1
    report_id: uuid.UUID | None = None
    submitted_at: dt.datetime | None = None
    submitted_by: str | None = None
    decided_at: dt.datetime | None = None
    decided_by: str | None = None
    decided_by_tenant_id: uuid.UUID | None = None
    return_reason: str | None = None
    # Filled when the statement that read the report computed them; None means "not read yet".
    approval_state: ApprovalState | None = None
    window: Window | None = None
    tenant: Any = None  # the tenant's row, when it came with the report

    @classmethod
    def of(cls, tenant_id: uuid.UUID, period: str, row: Any | None, **extra: Any) -> ReportStatus:
        """The status from a row carrying REPORT_COLUMNS (all null when the tenant has no report row)."""
        if row is None or row.report_id is None:
            return cls(tenant_id=tenant_id, period=period, **extra)
        return cls(
            tenant_id=tenant_id,
            period=period,
            state=ReportState(row.report_state),
            version=row.report_version,
            report_id=row.report_id,
            submitted_at=row.submitted_at,
            submitted_by=row.submitted_by,
            decided_at=row.decided_at,
            decided_by=row.decided_by,
            decided_by_tenant_id=row.decided_by_tenant_id,
            return_reason=row.return_reason,
            **extra,
        )

    @classmethod
    def from_report(cls, report: Report) -> ReportStatus:
        """The status of a report row just written (its approval state is read later)."""
        return cls(
            tenant_id=report.tenant_id,
            period=report.period,
            state=ReportState(report.state),
            version=report.version,
            report_id=report.id,
            submitted_at=report.submitted_at,
            submitted_by=report.submitted_by,
            decided_at=report.decided_at,
            decided_by=report.decided_by,
            decided_by_tenant_id=report.decided_by_tenant_id,
            return_reason=report.return_reason,
        )

    def with_(self, **changes: Any) -> ReportStatus:
        return replace(self, **changes)


def report_columns(report: Any = Report) -> list[Any]:
    """The report's columns under the names ReportStatus.of reads (null when outer-joined to nothing)."""
    return [
        report.id.label("report_id"),
        report.state.label("report_state"),
        report.version.label("report_version"),
        report.submitted_at.label("submitted_at"),
        report.submitted_by.label("submitted_by"),
        report.decided_at.label("decided_at"),
        report.decided_by.label("decided_by"),
        report.decided_by_tenant_id.label("decided_by_tenant_id"),
        report.return_reason.label("return_reason"),
    ]


def tenant_columns() -> list[Any]:
    return [Tenant.id, Tenant.code, Tenant.name, Tenant.kind, Tenant.depth, Tenant.parent_id, Tenant.path, Tenant.root_id]


async def report_statuses(session: AsyncSession, tenant_ids: Sequence[uuid.UUID], period: str) -> dict[uuid.UUID, ReportStatus]:
    """Each tenant's report for `period`, one statement (reports outside the caller's scope read as absent)."""
    ids = list(dict.fromkeys(tenant_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(Report.tenant_id, *report_columns()).where(Report.tenant_id.in_(ids), Report.period == period)
    )
    found = {row.tenant_id: row for row in rows}
    return {tenant_id: ReportStatus.of(tenant_id, period, found.get(tenant_id)) for tenant_id in ids}


async def parent_states(
    session: AsyncSession, parent_ids: Sequence[uuid.UUID], period: str
) -> dict[uuid.UUID, tuple[ReportState, int]]:
    """The state and version of each parent's report (a system read of those columns only)."""
    ids = list(dict.fromkeys(parent_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(Report.tenant_id, Report.state, Report.version).where(Report.tenant_id.in_(ids), Report.period == period),
        execution_options=SYSTEM,
    )
    return {row.tenant_id: (ReportState(row.state), row.version) for row in rows}


def pending_children_count(period: str) -> Any:
    """SELECT parent_id, count of children whose report is not APPROVED (grouped by parent)."""
    return (
        select(Tenant.parent_id, func.count().label("pending"))
        .select_from(Tenant)
        .outerjoin(Report, and_(Report.tenant_id == Tenant.id, Report.period == period))
        .where(or_(Report.state.is_(None), Report.state != ReportState.APPROVED.value))
        .group_by(Tenant.parent_id)
    )


async def approval_states(
    session: AsyncSession, tenants: Sequence[tuple[uuid.UUID, uuid.UUID | None]], period: str
) -> dict[uuid.UUID, ReportStatus]:
    """The report of each (tenant id, parent id) for `period` with its approval state, in three statements."""
    wanted = dict(tenants)
    if not wanted:
        return {}
    statuses = await report_statuses(session, list(wanted), period)
    pending_rows = await session.execute(pending_children_count(period).where(Tenant.parent_id.in_(list(wanted))))
    pending = {row.parent_id: row.pending for row in pending_rows}
    parents = await parent_states(session, [p for p in wanted.values() if p is not None], period)
    result = {}
    for tenant_id, parent_id in wanted.items():
        parent = None if parent_id is None else parents.get(parent_id, (ReportState.OPEN, 1))[0]
        status = statuses[tenant_id]
        state = approval_state(status.state, children_pending=pending.get(tenant_id, 0), parent_state=parent)
        result[tenant_id] = status.with_(approval_state=state)
    return result


def approval_state_sql(report: Any, tenant: Any, period: str, parent_state: ReportState | None) -> Any:
    """rules.approval_state as a SQL expression over `report` outer-joined to `tenant` (all children of
    one parent, whose own report is in `parent_state`)."""
    child = aliased(Tenant)
    child_report = aliased(Report)
    some_child_pending = exists(
        select(literal(1))
        .select_from(child)
        .outerjoin(child_report, and_(child_report.tenant_id == child.id, child_report.period == period))
        .where(
            child.parent_id == tenant.id,
            or_(child_report.state.is_(None), child_report.state != ReportState.APPROVED.value),
        )
    )
    state = func.coalesce(report.state, ReportState.OPEN.value)
    approved = ApprovalState.APPROVED_ABOVE if parent_state is ReportState.APPROVED else ApprovalState.APPROVED_HERE
    return case(
        (state == ReportState.SUBMITTED.value, literal(ApprovalState.SUBMITTED.value)),
        (state == ReportState.APPROVED.value, literal(approved.value)),
        (some_child_pending, literal(ApprovalState.WAITING_FOR_CHILDREN.value)),
        (state == ReportState.RETURNED.value, literal(ApprovalState.RETURNED.value)),
        else_=literal(ApprovalState.READY.value),
    )


async def child_reports(
    session: AsyncSession,
    parent_id: uuid.UUID,
    period: str,
    *,
    approval: ApprovalState | None = None,
    after_code: str | None = None,
    limit: int = 100,
) -> list[ReportStatus]:
    """The reports of the children of `parent_id` (its approver's worklist), by tenant code, with their
    approval states; at most `limit` after `after_code`. Two statements: the parent's own state, then the page."""
    own = (await report_statuses(session, [parent_id], period))[parent_id]
    state_sql = approval_state_sql(Report, Tenant, period, own.state).label("approval")
    statement = (
        select(*tenant_columns(), *report_columns(), state_sql)
        .select_from(Tenant)
        .outerjoin(Report, and_(Report.tenant_id == Tenant.id, Report.period == period))
        .where(Tenant.parent_id == parent_id)
    )
    if approval is not None:
        statement = statement.where(state_sql == approval.value)
    if after_code is not None:
        statement = statement.where(Tenant.code > after_code)
    rows = await session.execute(statement.order_by(Tenant.code).limit(limit))
    return [ReportStatus.of(row.id, period, row, approval_state=ApprovalState(row.approval), tenant=row) for row in rows]


async def report_events(
    session: AsyncSession, tenant_ids: Sequence[uuid.UUID], period: str
) -> dict[uuid.UUID, list[ReportEvent]]:
    """The history of each tenant's report for `period`, oldest first (one statement)."""
    rows = await session.execute(
        select(ReportEvent)
        .where(ReportEvent.tenant_id.in_(list(tenant_ids)), ReportEvent.period == period)
        .order_by(ReportEvent.at, ReportEvent.id)
    )
    grouped: dict[uuid.UUID, list[ReportEvent]] = {tenant_id: [] for tenant_id in tenant_ids}
    for event in rows.scalars():
        grouped[event.tenant_id].append(event)
    return grouped
