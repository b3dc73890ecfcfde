"""The approval chain: submit, approve (in bulk), return, accept, reopen and comment.

DHIS2's multi-level approval, on the tenant tree. Each tenant has one report per period (see
rules.py for the states). A tenant submits its own report once every child's report for the
period is APPROVED (a school has no children, so it can always submit); the parent approves it or
returns it with a reason; the root tenant (the city) accepts its own report when every county is
approved, which is what makes the city's figures deliverable. Reopening an approved report (by
its approver: the parent, or the root for itself) starts the next version, and is refused while
the parent's own report, which includes it, is submitted or approved.

Where the issue was silent, the choices are the ones DHIS2 users expect:

- Only the parent decides on a report, never a level further up (the city does not approve a
  school over its county's head), and nobody decides on their own report except the root.
- Returning a SUBMITTED report keeps its version (nothing was approved). Returning an APPROVED one
  (allowed while the parent's own report is neither submitted nor approved) starts the next
  version, as reopening does: an approved version is frozen in its snapshot and never approved
  again, so the version a snapshot carries always names exactly one approval.
- A root tenant never submits (there is nobody above it); it accepts from OPEN. Its acceptance is
  stored as state APPROVED with event ACCEPT, which the delivery code reads as "accepted".
- Submitting a period that has not begun is refused (PERIOD_IN_FUTURE); submitting before the entry
  window that applies opens is refused (WINDOW_NOT_OPEN); after it closes is allowed but late
  (windows.py).
- Bulk approval is all-or-nothing: every refusal is reported per tenant (field `tenant_ids.<index>`)
  and nothing is written unless every report can be approved.
- Comments may be left by the tenant itself and by any bureau above it, on a report in any state.
- Every event records the version the report has after the action (a reopen shows the new one).

Concurrency: each transition first locks the report rows it changes (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's write transactions are serial), then reads what it depends on. A submission
locks its children's rows, so it cannot interleave with the reopening of one of them: whichever
locks first wins, and the other sees its result.

Every function flushes and does not commit; the caller's transaction decides. The caller scopes the
session (a principal in the API); `Actor` says who acts, since this layer does not know principals.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from runxin.platform.db.base import utcnow
from runxin.platform.errors import Invalid, InvalidMany, NotFound, PermissionDenied, RunxinError
from runxin.platform.periods import Period, parse_period
from runxin.platform.reporting import locks as _locks  # noqa: F401 - the period locks are installed with the services
from runxin.platform.reporting.models import Report, ReportEvent
from runxin.platform.reporting.rules import (
    Action,
    Child,
    Place,
    ReportState,
    check_accept,
    check_approve,
    check_approver,
    check_comment,
    check_not_root,
    check_parent_open,
    check_reason,
    check_reopen,
    check_return,
    check_root,
    check_submit,
)
from runxin.platform.reporting.snapshots import freeze
from runxin.platform.reporting.windows import windows_for
from runxin.platform.standards import Standard
from runxin.platform.tree.models import Tenant, TenantKind

MAX_BULK = 100


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: the principal's subject and the tenant it acts for."""

    subject: str
    tenant_id: uuid.UUID


class ReportsRefused(InvalidMany):
    """A bulk action refused: one Invalid per failing tenant, field `tenant_ids.<index>`, nothing written."""


def check_period_id(period: str, field: str = "period") -> Period:
    return parse_period(period, field=field)


async def _tenants(session: AsyncSession, tenant_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[Tenant, str | None]]:
    """Each visible tenant with its parent's name (the parent of a visible tenant is visible too)."""
    parent = aliased(Tenant)
    rows = await session.execute(
        select(Tenant, parent.name).outerjoin(parent, parent.id == Tenant.parent_id).where(Tenant.id.in_(list(tenant_ids)))
    )
    return {tenant.id: (tenant, parent_name) for tenant, parent_name in rows}


async def _tenant(session: AsyncSession, tenant_id: uuid.UUID, field: str = "tenant_id") -> tuple[Tenant, Place]:
    found = (await _tenants(session, [tenant_id])).get(tenant_id)
    if found is None:
        raise NotFound("No tenant with that id in your part of the tree.", field=field)
    tenant, parent_name = found
    return tenant, Place(tenant.name, parent_name if tenant.parent_id is not None else None)


async def _locked_reports(session: AsyncSession, tenant_ids: Sequence[uuid.UUID], period: str) -> dict[uuid.UUID, Report]:
    """The existing report rows of these tenants for `period`, locked for this transaction."""
    if not tenant_ids:
        return {}
    rows = await session.execute(
        select(Report)
        .where(Report.tenant_id.in_(list(tenant_ids)), Report.period == period)
        .order_by(Report.id)  # one locking order everywhere: no deadlock between two bulk approvals
        .with_for_update()
    )
    return {report.tenant_id: report for report in rows.scalars()}


async def _pending_children(
    session: AsyncSession, parent_ids: Sequence[uuid.UUID], period: str, *, lock: bool = False
) -> dict[uuid.UUID, list[Child]]:
    """The children of each parent whose report for `period` is not APPROVED, by name."""
    if not parent_ids:
        return {}
    if lock:
        # Lock the children's rows first, so a child cannot be reopened or returned while this
        # transaction decides on the strength of its approval.
        await session.execute(
            select(Report.id)
            .where(Report.tenant_id.in_(select(Tenant.id).where(Tenant.parent_id.in_(list(parent_ids)))), Report.period == period)
            .order_by(Report.id)
            .with_for_update()
        )
    rows = await session.execute(
        select(Tenant.parent_id, Tenant.name, Report.state)
        .outerjoin(Report, and_(Report.tenant_id == Tenant.id, Report.period == period))
        .where(Tenant.parent_id.in_(list(parent_ids)))
        .order_by(Tenant.parent_id, Tenant.code)
    )
    pending: dict[uuid.UUID, list[Child]] = {parent_id: [] for parent_id in parent_ids}
    for row in rows:
        state = ReportState(row.state) if row.state else ReportState.OPEN
        if state is not ReportState.APPROVED:
            pending[row.parent_id].append(Child(row.name, state))
    return pending


async def _parent_report(session: AsyncSession, tenant: Tenant, period: str) -> tuple[ReportState | None, int]:
    """The state and version of the tenant's parent's report (None for a root). The parent is the
    approver acting, so its report is in the caller's scope."""
    if tenant.parent_id is None:
        return None, 0
    row = (
        await session.execute(
            select(Report.state, Report.version).where(Report.tenant_id == tenant.parent_id, Report.period == period)
        )
    ).one_or_none()
    return (ReportState(row.state), row.version) if row else (ReportState.OPEN, 1)


def _new_report(tenant: Tenant, period: str) -> Report:
    return Report(tenant_id=tenant.id, root_id=tenant.root_id, period=period, version=1, state=ReportState.OPEN.value)


def _event(report: Report, action: Action, actor: Actor, comment: str, now: dt.datetime) -> ReportEvent:
    return ReportEvent(
        report_id=report.id,
        tenant_id=report.tenant_id,
        root_id=report.root_id,
        period=report.period,
        version=report.version,
        action=action.value,
        actor=actor.subject,
        actor_tenant_id=actor.tenant_id,
        comment=comment,
        at=now,
    )


def _decide(report: Report, state: ReportState, actor: Actor, now: dt.datetime) -> None:
    report.state = state.value
    report.decided_at = now
    report.decided_by = actor.subject
    report.decided_by_tenant_id = actor.tenant_id


async def _record(session: AsyncSession, report: Report, action: Action, actor: Actor, comment: str, now: dt.datetime) -> Report:
    session.add(report)
    await session.flush()  # the report's id, for the event
    session.add(_event(report, action, actor, comment, now))
    await session.flush()
    return report


async def submit_report(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    period: str,
    actor: Actor,
    comment: str | None = None,
    today: dt.date | None = None,
) -> Report:
    """The tenant submits its own report for `period` to its parent."""
    parsed = check_period_id(period)
    text = check_comment(comment, required=False)
    tenant, place = await _tenant(session, tenant_id)
    if actor.tenant_id != tenant.id:
        raise PermissionDenied(f"Each tenant submits its own report: {tenant.name} submits it itself.", code="NOT_OWN_REPORT")
    report = (await _locked_reports(session, [tenant.id], parsed.id)).get(tenant.id) or _new_report(tenant, parsed.id)
    pending = (await _pending_children(session, [tenant.id], parsed.id, lock=True))[tenant.id]
    window = (await windows_for(session, [tenant.path], parsed.id))[tenant.path]
    check_submit(
        ReportState(report.state),
        report.version,
        place,
        pending=pending,
        period_id=parsed.id,
        period_start=parsed.start,
        window=window,
        today=today or dt.date.today(),
    )
    now = utcnow()
    report.state = ReportState.SUBMITTED.value
    report.submitted_at, report.submitted_by = now, actor.subject
    report.decided_at = report.decided_by = report.decided_by_tenant_id = report.return_reason = None
    return await _record(session, report, Action.SUBMIT, actor, text, now)


async def approve_reports(
    session: AsyncSession,
    *,
    tenant_ids: Sequence[uuid.UUID],
    period: str,
    actor: Actor,
    standard: Standard,
    comment: str | None = None,
) -> list[Report]:
    """The parent approves its children's submitted reports, all or none, and freezes their figures.

    Every tenant that cannot be approved is reported (ReportsRefused, one problem per tenant) and
    nothing is written. Returns the approved reports in the order asked.
    """
    parsed = check_period_id(period)
    text = check_comment(comment, required=False)
    first_index: dict[uuid.UUID, int] = {}
    for i, tenant_id in enumerate(tenant_ids):
        first_index.setdefault(tenant_id, i)
    if not first_index:
        raise Invalid("tenant_ids", "REQUIRED", "Name at least one tenant whose report to approve.")
    if len(first_index) > MAX_BULK:
        raise Invalid("tenant_ids", "TOO_MANY", f"{len(first_index)} tenants named; approve {MAX_BULK} at most at once.")
    ids = list(first_index)
    tenants = await _tenants(session, ids)
    reports = await _locked_reports(session, ids, parsed.id)
    pending = await _pending_children(session, ids, parsed.id)
    failures: list[Invalid] = []
    for tenant_id, index in first_index.items():
        found = tenants.get(tenant_id)
        try:
            if found is None:
                raise NotFound("No tenant with that id in your part of the tree.")
            tenant, parent_name = found
            place = Place(tenant.name, parent_name if tenant.parent_id is not None else None)
            check_not_root(place, "approve")
            check_approver(
                place,
                is_root=False,
                actor_is_tenant=actor.tenant_id == tenant.id,
                actor_is_parent=actor.tenant_id == tenant.parent_id,
                doing="approve",
            )
            report = reports.get(tenant_id)
            state = ReportState(report.state) if report else ReportState.OPEN
            check_approve(state, report.version if report else 1, place, pending=pending[tenant_id], period_id=parsed.id)
        except RunxinError as error:
            failures.append(_per_tenant(index, found[0].name if found else None, error))
    if failures:
        raise ReportsRefused(failures)
    now = utcnow()
    approved = []
    for tenant_id in ids:
        report = reports[tenant_id]
        _decide(report, ReportState.APPROVED, actor, now)
        session.add(_event(report, Action.APPROVE, actor, text, now))
        approved.append((tenants[tenant_id][0], report))
    await session.flush()
    await freeze(session, approved, standard=standard, now=now)
    return [reports[tenant_id] for tenant_id in ids]


def _per_tenant(index: int, name: str | None, error: RunxinError) -> Invalid:
    message = error.message if name is None or error.message.startswith(name) else f"{name}: {error.message}"
    return Invalid(f"tenant_ids.{index}", error.code, message)


async def approve_report(
    session: AsyncSession, *, tenant_id: uuid.UUID, period: str, actor: Actor, standard: Standard, comment: str | None = None
) -> Report:
    """Approve one child's report: approve_reports with one tenant, whose refusal is raised as an
    Invalid on `tenant_id` with the same code and message."""
    try:
        return (
            await approve_reports(session, tenant_ids=[tenant_id], period=period, actor=actor, standard=standard, comment=comment)
        )[0]
    except ReportsRefused as refused:
        error = refused.errors[0]
        raise Invalid("tenant_id", error.code, error.message) from refused


async def return_report(session: AsyncSession, *, tenant_id: uuid.UUID, period: str, actor: Actor, reason: str | None) -> Report:
    """The parent sends a submitted (or approved, while its own is still open) report back with a reason."""
    parsed = check_period_id(period)
    text = check_reason(reason)
    tenant, place = await _tenant(session, tenant_id)
    report = (await _locked_reports(session, [tenant.id], parsed.id)).get(tenant.id) or _new_report(tenant, parsed.id)
    state = ReportState(report.state)
    check_return(state, report.version, place, period_id=parsed.id)
    check_approver(
        place,
        is_root=False,
        actor_is_tenant=actor.tenant_id == tenant.id,
        actor_is_parent=actor.tenant_id == tenant.parent_id,
        doing="return",
    )
    if state is ReportState.APPROVED:
        parent_state, parent_version = await _parent_report(session, tenant, parsed.id)
        check_parent_open(place, parent_state, parent_version, doing="return", period_id=parsed.id)
        report.version += 1  # the approved version stays frozen; the corrected one is the next
    now = utcnow()
    _decide(report, ReportState.RETURNED, actor, now)
    report.return_reason = text
    return await _record(session, report, Action.RETURN, actor, text, now)


async def accept_report(
    session: AsyncSession, *, tenant_id: uuid.UUID, period: str, actor: Actor, standard: Standard, comment: str | None = None
) -> Report:
    """The root tenant (the city) accepts its own report once every child is approved: its figures are
    frozen and, for a city, queued for delivery to the city platform in the same transaction."""
    parsed = check_period_id(period)
    text = check_comment(comment, required=False)
    tenant, place = await _tenant(session, tenant_id)
    check_root(place)
    check_approver(place, is_root=True, actor_is_tenant=actor.tenant_id == tenant.id, actor_is_parent=False, doing="accept")
    report = (await _locked_reports(session, [tenant.id], parsed.id)).get(tenant.id) or _new_report(tenant, parsed.id)
    pending = (await _pending_children(session, [tenant.id], parsed.id, lock=True))[tenant.id]
    check_accept(ReportState(report.state), report.version, place, pending=pending, period_id=parsed.id)
    now = utcnow()
    report.submitted_at = report.submitted_at or now
    report.submitted_by = report.submitted_by or actor.subject
    _decide(report, ReportState.APPROVED, actor, now)
    await _record(session, report, Action.ACCEPT, actor, text, now)
    await freeze(session, [(tenant, report)], standard=standard, now=now)
    if tenant.kind == TenantKind.CITY.value:
        # Imported here: the delivery layer builds on reports, not the other way round.
        from runxin.platform.delivery.services import enqueue_for_city

        await enqueue_for_city(session, city_id=tenant.id, period=parsed.id, version=report.version)
    return report


async def reopen_report(
    session: AsyncSession, *, tenant_id: uuid.UUID, period: str, actor: Actor, comment: str | None = None
) -> Report:
    """The approver reopens an approved report: it is OPEN again at the next version."""
    parsed = check_period_id(period)
    text = check_comment(comment, required=False)
    tenant, place = await _tenant(session, tenant_id)
    is_root = tenant.parent_id is None
    check_approver(
        place,
        is_root=is_root,
        actor_is_tenant=actor.tenant_id == tenant.id,
        actor_is_parent=actor.tenant_id == tenant.parent_id,
        doing="reopen",
    )
    report = (await _locked_reports(session, [tenant.id], parsed.id)).get(tenant.id) or _new_report(tenant, parsed.id)
    check_reopen(ReportState(report.state), report.version, place, period_id=parsed.id)
    parent_state, parent_version = await _parent_report(session, tenant, parsed.id)
    check_parent_open(place, parent_state, parent_version, doing="reopen", period_id=parsed.id)
    now = utcnow()
    report.state = ReportState.OPEN.value
    report.version += 1
    report.submitted_at = report.submitted_by = None
    report.decided_at = report.decided_by = report.decided_by_tenant_id = report.return_reason = None
    return await _record(session, report, Action.REOPEN, actor, text, now)


async def comment_on_report(
    session: AsyncSession, *, tenant_id: uuid.UUID, period: str, actor: Actor, comment: str | None
) -> Report:
    """Leave a comment on a report of the actor's own tenant or of a tenant below it."""
    parsed = check_period_id(period)
    text = check_comment(comment, required=True)
    tenant, _place = await _tenant(session, tenant_id)
    actor_tenant = (await _tenants(session, [actor.tenant_id])).get(actor.tenant_id)
    if actor_tenant is None or not tenant.path.startswith(actor_tenant[0].path):
        raise NotFound(
            "No report of that tenant in your part of the tree: comment on your own or a report below you.", field="tenant_id"
        )
    report = (await _locked_reports(session, [tenant.id], parsed.id)).get(tenant.id) or _new_report(tenant, parsed.id)
    return await _record(session, report, Action.COMMENT, actor, text, utcnow())
