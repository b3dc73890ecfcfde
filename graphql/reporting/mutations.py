"""reportSubmit, reportApprove (bulk), reportReturn, reportAccept, reportReopen, reportComment and
reportingWindowSet. Who acts is always the caller's own tenant; the services check that it is the
one allowed to (the tenant itself submits, its parent decides, a city accepts its own)."""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import id_arg, run_mutation
from runxin.graphql.permissions import can_write, requires
from runxin.graphql.reporting.inputs import (
    ReportAcceptInput,
    ReportApproveInput,
    ReportCommentInput,
    ReportingWindowSetInput,
    ReportReopenInput,
    ReportReturnInput,
    ReportSubmitInput,
)
from runxin.graphql.reporting.types import ReportingWindowType, ReportType
from runxin.platform.errors import Invalid, InvalidMany
from runxin.platform.reporting.services import (
    Actor,
    accept_report,
    approve_reports,
    comment_on_report,
    reopen_report,
    return_report,
    submit_report,
)
from runxin.platform.reporting.states import ReportStatus
from runxin.platform.reporting.windows import set_window
from runxin.tenants.policy import Permission

CanApprove = requires(Permission.APPROVE, "reports")


@strawberry.type
class ReportPayload:
    report: ReportType | None
    user_errors: list[UserError]


@strawberry.type
class ReportApprovePayload:
    reports: list[ReportType] | None = strawberry.field(description="The approved reports, in the order asked; null if refused.")
    user_errors: list[UserError] = strawberry.field(description="One per tenant that could not be approved (field: its index).")


@strawberry.type
class ReportingWindowPayload:
    window: ReportingWindowType | None
    user_errors: list[UserError]


def _comment(input: Any) -> str | None:
    """The input's comment, None when the client left it out."""
    return input.comment if input.comment is not strawberry.UNSET else None


def _actor(info: Info) -> Actor:
    principal = info.context.principal
    return Actor(subject=principal.subject, tenant_id=principal.tenant_id)  # type: ignore[union-attr]


def _report(row: Any) -> ReportType:
    return ReportType.of(ReportStatus.from_report(row))


def _on_input(errors: list[UserError]) -> list[UserError]:
    """A per-tenant problem of a bulk input points at its item: ["input", "tenantIds", "2"]."""
    return [
        dataclasses.replace(e, field=[e.field[0], *e.field[1].split(".")]) if e.field and "." in e.field[-1] else e
        for e in errors
    ]


def _tenant_ids(ids: list[strawberry.ID]) -> list[Any]:
    decoded, errors = [], []
    for i, global_id in enumerate(ids):
        try:
            decoded.append(id_arg(global_id, "Tenant", f"tenant_ids.{i}"))
        except Invalid as error:
            errors.append(error)
    if errors:
        raise errors[0] if len(errors) == 1 else InvalidMany(errors)
    return decoded


@strawberry.type
class ReportMutation:
    @strawberry.mutation(
        permission_classes=[can_write("reports")],
        description="Submit your tenant's report for a period to the level above, once every tenant below yours is approved.",
    )
    async def report_submit(self, info: Info, input: ReportSubmitInput) -> ReportPayload:
        actor = _actor(info)

        async def action(session: AsyncSession) -> Any:
            comment = _comment(input)
            return await submit_report(session, tenant_id=actor.tenant_id, period=input.period, actor=actor, comment=comment)

        report, errors = await run_mutation(info, action, _report)
        return ReportPayload(report=report, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[CanApprove],
        description="Approve submitted reports of tenants directly below yours and freeze their figures: all of them, or "
        "none with one userError per tenant that cannot be approved. Needs ADMIN, or the reports:approve scope.",
    )
    async def report_approve(self, info: Info, input: ReportApproveInput) -> ReportApprovePayload:
        actor = _actor(info)

        async def action(session: AsyncSession) -> Any:
            comment = _comment(input)
            return await approve_reports(
                session,
                tenant_ids=_tenant_ids(input.tenant_ids),
                period=input.period,
                actor=actor,
                standard=info.context.standard,
                comment=comment,
            )

        reports, errors = await run_mutation(info, action, lambda rows: [_report(row) for row in rows])
        return ReportApprovePayload(reports=reports, user_errors=_on_input(errors))

    @strawberry.mutation(
        permission_classes=[CanApprove],
        description="Return a submitted report of a tenant directly below yours (or an approved one, while your own is "
        "not submitted) with the reason; returning an approved report starts its next version.",
    )
    async def report_return(self, info: Info, input: ReportReturnInput) -> ReportPayload:
        actor = _actor(info)

        async def action(session: AsyncSession) -> Any:
            tenant_id = id_arg(input.tenant_id, "Tenant", "tenant_id")
            return await return_report(session, tenant_id=tenant_id, period=input.period, actor=actor, reason=input.reason)

        report, errors = await run_mutation(info, action, _report)
        return ReportPayload(report=report, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[CanApprove],
        description="Accept your city's own report once every county is approved: its figures are frozen and queued for "
        "delivery to the city platform.",
    )
    async def report_accept(self, info: Info, input: ReportAcceptInput) -> ReportPayload:
        actor = _actor(info)

        async def action(session: AsyncSession) -> Any:
            comment = _comment(input)
            return await accept_report(
                session,
                tenant_id=actor.tenant_id,
                period=input.period,
                actor=actor,
                standard=info.context.standard,
                comment=comment,
            )

        report, errors = await run_mutation(info, action, _report)
        return ReportPayload(report=report, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[CanApprove],
        description="Reopen an approved report (of a tenant directly below yours, or your city's own): it is open again "
        "at its next version. Refused while your own report, which includes it, is submitted or approved.",
    )
    async def report_reopen(self, info: Info, input: ReportReopenInput) -> ReportPayload:
        actor = _actor(info)

        async def action(session: AsyncSession) -> Any:
            tenant_id = id_arg(input.tenant_id, "Tenant", "tenant_id")
            comment = _comment(input)
            return await reopen_report(session, tenant_id=tenant_id, period=input.period, actor=actor, comment=comment)

        report, errors = await run_mutation(info, action, _report)
        return ReportPayload(report=report, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[can_write("reports")],
        description="Comment on the report of your tenant or of a tenant below it, in any state.",
    )
    async def report_comment(self, info: Info, input: ReportCommentInput) -> ReportPayload:
        actor = _actor(info)

        async def action(session: AsyncSession) -> Any:
            given = input.tenant_id not in (None, strawberry.UNSET)
            tenant_id = id_arg(input.tenant_id, "Tenant", "tenant_id") if given else actor.tenant_id  # type: ignore[arg-type]
            return await comment_on_report(session, tenant_id=tenant_id, period=input.period, actor=actor, comment=input.comment)

        report, errors = await run_mutation(info, action, _report)
        return ReportPayload(report=report, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[CanApprove],
        description="Set (or replace) the entry window of a period for the tenants below your bureau.",
    )
    async def reporting_window_set(self, info: Info, input: ReportingWindowSetInput) -> ReportingWindowPayload:
        actor = _actor(info)

        async def action(session: AsyncSession) -> Any:
            return await set_window(
                session, tenant_id=actor.tenant_id, period=input.period, opens_on=input.opens_on, closes_on=input.closes_on
            )

        window, errors = await run_mutation(info, action, ReportingWindowType.from_row)
        return ReportingWindowPayload(window=window, user_errors=errors)
