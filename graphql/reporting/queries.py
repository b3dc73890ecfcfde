"""Reading reports: Tenant.report, Tenant.childReports (the approver's worklist) and Tenant.lateReports.

A report belongs to its tenant: asked on an ancestor (seen by name only), `report` is null, and the
two lists, which cover the ancestor's subtree, are refused (ANCESTOR_SUBTREE).
"""

from __future__ import annotations

from typing import Any

from runxin.graphql.connections import Connection, PageArgs, make_connection
from runxin.graphql.context import Info
from runxin.graphql.records import require_subtree
from runxin.graphql.reporting.loaders import report_loader
from runxin.graphql.reporting.types import ReportType
from runxin.platform.errors import Invalid
from runxin.platform.periods import parse_period
from runxin.platform.reporting.rules import ApprovalState
from runxin.platform.reporting.states import child_reports
from runxin.platform.reporting.windows import late_reports


def _forward(first: int | None, after: str | None) -> PageArgs:
    if first is None:
        raise Invalid("first", "PAGE_SIZE_REQUIRED", "Give first (1 to 100) and page on with after.")
    return PageArgs(first=first, after=after).check()


def _tenant_node(row: Any) -> Any:
    from runxin.graphql.tenants.types import TenantNode

    return TenantNode.from_row(row)


async def report_of(info: Info, tenant: Any, period: str) -> ReportType | None:
    period_id = parse_period(period, field="period").id
    principal = info.context.principal
    if principal is not None and not principal.covers(tenant.path):
        return None
    status = await report_loader(info.context, period_id).load((tenant.uuid, tenant.parent_uuid))
    return ReportType.of(status, tenant)


async def child_reports_of(
    info: Info, tenant: Any, period: str, approval_state: Any, first: int | None, after: str | None
) -> Connection[ReportType]:
    period_id = parse_period(period, field="period").id
    args = _forward(first, after)
    require_subtree(info, tenant)
    wanted = ApprovalState(approval_state.value) if approval_state is not None else None
    rows = await info.context.db.run(
        lambda session: child_reports(
            session, tenant.uuid, period_id, approval=wanted, after_code=args.bound(as_uuid=False), limit=args.size + 1
        )
    )
    return make_connection(
        rows, args, key_of=lambda status: status.tenant.code, node_of=lambda s: ReportType.of(s, _tenant_node(s.tenant))
    )


async def late_reports_of(info: Info, tenant: Any, period: str, first: int | None, after: str | None) -> Connection[ReportType]:
    period_id = parse_period(period, field="period").id
    args = _forward(first, after)
    require_subtree(info, tenant)
    rows = await info.context.db.run(
        lambda session: late_reports(session, tenant.path, period_id, after_code=args.bound(as_uuid=False), limit=args.size + 1)
    )
    return make_connection(
        rows, args, key_of=lambda status: status.tenant.code, node_of=lambda s: ReportType.of(s, _tenant_node(s.tenant))
    )
