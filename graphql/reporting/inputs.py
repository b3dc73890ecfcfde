"""Inputs of the report mutations. Periods are DHIS2-style ids: 2025, 202503, 2025T1, 2025T2, 2025SY."""

from __future__ import annotations

import datetime as dt

import strawberry

UNSET = strawberry.UNSET
PERIOD = "The period id: 2025 (year), 202503 (month), 2025T1 / 2025T2 (autumn / spring term), 2025SY (school year)."


@strawberry.input(description="Submit your own tenant's report to the level above.")
class ReportSubmitInput:
    period: str = strawberry.field(description=PERIOD)
    comment: str | None = UNSET


@strawberry.input(description="Approve submitted reports of tenants directly below yours, all or none.")
class ReportApproveInput:
    tenant_ids: list[strawberry.ID] = strawberry.field(description="Tenants whose reports to approve (at most 100).")
    period: str = strawberry.field(description=PERIOD)
    comment: str | None = UNSET


@strawberry.input(description="Send a report of a tenant directly below yours back, with the reason.")
class ReportReturnInput:
    tenant_id: strawberry.ID
    period: str = strawberry.field(description=PERIOD)
    reason: str = strawberry.field(description="What to correct (required).")


@strawberry.input(description="Accept your city's own report (the top of the tree) once every county is approved.")
class ReportAcceptInput:
    period: str = strawberry.field(description=PERIOD)
    comment: str | None = UNSET


@strawberry.input(description="Reopen an approved report: of a tenant directly below yours, or a city's own.")
class ReportReopenInput:
    tenant_id: strawberry.ID
    period: str = strawberry.field(description=PERIOD)
    comment: str | None = UNSET


@strawberry.input(description="Comment on a report of your tenant (default) or of a tenant below it.")
class ReportCommentInput:
    period: str = strawberry.field(description=PERIOD)
    comment: str
    tenant_id: strawberry.ID | None = UNSET


@strawberry.input(description="Set when the tenants below your bureau enter and submit their reports of a period.")
class ReportingWindowSetInput:
    period: str = strawberry.field(description=PERIOD)
    opens_on: dt.date = strawberry.field(description="The first day reports may be submitted.")
    closes_on: dt.date = strawberry.field(description="The last day before a report not yet submitted is late.")
