"""Report, its events, entry window, frozen snapshot and the changes since approval, as the API shows them.

A `Report` is one tenant's report for one period; it has no global id, since a report that nobody
has acted on yet has no row (it is OPEN at version 1). Its relations resolve through the request's
DataLoaders (loaders.py), so a page of reports costs a fixed number of statements.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.enums import enum_of
from runxin.graphql.permissions import can_read
from runxin.graphql.targets.types import IndicatorValueType
from runxin.platform.indicators import BY_CODE
from runxin.platform.reporting.models import ReportEvent, ReportingWindow
from runxin.platform.reporting.rules import LOCKING_STATES, Action, ApprovalState, ReportState, Window
from runxin.platform.reporting.snapshots import IndicatorChange, Snapshot
from runxin.platform.reporting.states import ReportStatus

if TYPE_CHECKING:
    from runxin.graphql.tenants.types import TenantNode

TenantType = Annotated["TenantNode", strawberry.lazy("runxin.graphql.tenants.types")]

ReportStateEnum = enum_of(
    "ReportState",
    ReportState,
    description="Where a report stands: OPEN (being prepared), SUBMITTED (waiting for the level above), APPROVED (by the "
    "level above; for a city, accepted by itself), RETURNED (sent back with a reason, to be corrected and submitted again).",
)
ApprovalStateEnum = enum_of(
    "ApprovalState",
    ApprovalState,
    description="A report's place in the approval chain (DHIS2's): WAITING_FOR_CHILDREN (open or returned, and some tenant "
    "below is not approved yet), READY (open and can be submitted or, for a city, accepted), SUBMITTED, APPROVED_HERE "
    "(approved by the level above, or accepted by a city, whose own report is not approved yet), APPROVED_ABOVE (the level "
    "above has had its own report approved too), RETURNED (returned and can be submitted again).",
)
ReportActionEnum = enum_of("ReportAction", Action, description="What was done to a report.")


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive times; they were written in UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


@strawberry.type(
    name="ReportingWindow",
    description="When reports of a period are entered: set by a city or county bureau for the tenants below it (the "
    "nearest bureau's window applies). Submitting before it opens is refused; after it closes the report is late.",
)
class ReportingWindowType:
    period: str
    opens_on: dt.date
    closes_on: dt.date
    set_by_uuid: strawberry.Private[uuid.UUID | None]

    @classmethod
    def of(cls, window: Window, period: str) -> ReportingWindowType:
        return cls(period=period, opens_on=window.opens_on, closes_on=window.closes_on, set_by_uuid=window.set_by_id)

    @classmethod
    def from_row(cls, row: ReportingWindow) -> ReportingWindowType:
        return cls(period=row.period, opens_on=row.opens_on, closes_on=row.closes_on, set_by_uuid=row.tenant_id)

    @strawberry.field(description="The bureau that set the window.")
    async def set_by(self, info: Info) -> TenantType | None:
        from runxin.graphql.tenants.loaders import tenant_by_id

        return None if self.set_by_uuid is None else await tenant_by_id(info.context).load(self.set_by_uuid)


@strawberry.type(name="ReportEvent", description="One step of a report's history, or a comment on it.")
class ReportEventType:
    action: ReportActionEnum
    actor: str = strawberry.field(description="The subject of the user or API client that acted.")
    at: dt.datetime
    comment: str = strawberry.field(description="The comment, or the reason of a return; empty when none was given.")
    version: int = strawberry.field(description="The report's version after the action (a reopen starts the next one).")
    actor_tenant_uuid: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: ReportEvent) -> ReportEventType:
        return cls(
            action=ReportActionEnum(row.action),
            actor=row.actor,
            at=_utc(row.at),  # type: ignore[arg-type]
            comment=row.comment,
            version=row.version,
            actor_tenant_uuid=row.actor_tenant_id,
        )

    @strawberry.field(description="The tenant the actor acted for.")
    async def actor_tenant(self, info: Info) -> TenantType | None:
        from runxin.graphql.tenants.loaders import tenant_by_id

        return await tenant_by_id(info.context).load(self.actor_tenant_uuid)


@strawberry.type(
    name="ReportSnapshot",
    description="The figures of a tenant's subtree frozen when a version of its report was approved (or accepted). "
    "They never change afterwards.",
)
class ReportSnapshotType:
    version: int
    input_version: int = strawberry.field(description="The tenant's rollup input generation the figures were computed at.")
    taken_at: dt.datetime
    figures: list[IndicatorValueType] = strawberry.field(description="Every indicator, as approved.")

    @classmethod
    def of(cls, snapshot: Snapshot) -> ReportSnapshotType:
        return cls(
            version=snapshot.version,
            input_version=snapshot.input_version,
            taken_at=snapshot.taken_at,
            figures=[IndicatorValueType.of(value) for value in snapshot.figures.values()],
        )


@strawberry.type(
    name="IndicatorChange",
    description="An indicator whose live figures differ from those of the latest approved version: in state, value, "
    "or the sums behind it.",
)
class IndicatorChangeType:
    indicator: str
    name: str
    approved_version: int
    approved: IndicatorValueType
    current: IndicatorValueType

    @classmethod
    def of(cls, change: IndicatorChange) -> IndicatorChangeType:
        return cls(
            indicator=change.indicator,
            name=BY_CODE[change.indicator].name if change.indicator in BY_CODE else change.indicator,
            approved_version=change.approved_version,
            approved=IndicatorValueType.of(change.approved),
            current=IndicatorValueType.of(change.current),
        )


@strawberry.type(
    name="Report",
    description="A tenant's report for one period: submitted by the tenant once every tenant below it is approved, "
    "approved or returned by the level above, accepted by the city. Approval locks the period's records; reopening "
    "starts the next version.",
)
class ReportType:
    period: str
    state: ReportStateEnum
    version: int = strawberry.field(description="1 at first; each reopen (or return of an approved report) adds one.")
    submitted_at: dt.datetime | None
    submitted_by: str | None
    decided_at: dt.datetime | None = strawberry.field(description="When it was last approved, accepted or returned.")
    decided_by: str | None
    return_reason: str | None
    status: strawberry.Private[ReportStatus]
    # The tenant's node, when it came with the report (worklists); otherwise loaded by id.
    tenant_node: strawberry.Private[Any]

    @classmethod
    def of(cls, status: ReportStatus, tenant: Any = None) -> ReportType:
        return cls(
            period=status.period,
            state=ReportStateEnum(status.state.value),
            version=status.version,
            submitted_at=_utc(status.submitted_at),
            submitted_by=status.submitted_by,
            decided_at=_utc(status.decided_at),
            decided_by=status.decided_by,
            return_reason=status.return_reason,
            status=status,
            tenant_node=tenant,
        )

    async def node(self, info: Info) -> Any:
        if self.tenant_node is None:
            from runxin.graphql.tenants.loaders import tenant_by_id

            self.tenant_node = await tenant_by_id(info.context).load(self.status.tenant_id)
        return self.tenant_node

    @strawberry.field(description="The tenant whose report it is.")
    async def tenant(self, info: Info) -> TenantType:
        return await self.node(info)

    @strawberry.field(description="Where the report stands in the approval chain.")
    async def approval_state(self, info: Info) -> ApprovalStateEnum:
        if self.status.approval_state is not None:
            return ApprovalStateEnum(self.status.approval_state.value)
        from runxin.graphql.reporting.loaders import report_loader

        node = await self.node(info)
        loaded = await report_loader(info.context, self.period).load((node.uuid, node.parent_uuid))
        return ApprovalStateEnum(loaded.approval_state.value)

    @strawberry.field(description="The tenant that last approved, accepted or returned it.")
    async def decided_by_tenant(self, info: Info) -> TenantType | None:
        from runxin.graphql.tenants.loaders import tenant_by_id

        tenant_id = self.status.decided_by_tenant_id
        return None if tenant_id is None else await tenant_by_id(info.context).load(tenant_id)

    async def _window(self, info: Info) -> Window | None:
        if self.status.window is not None:
            return self.status.window
        from runxin.graphql.reporting.loaders import window_loader

        return await window_loader(info.context, self.period).load((await self.node(info)).path)

    @strawberry.field(description="The entry window that applies to this report (null when no bureau above set one).")
    async def window(self, info: Info) -> ReportingWindowType | None:
        window = await self._window(info)
        return None if window is None else ReportingWindowType.of(window, self.period)

    @strawberry.field(description="True when the window has closed and the report is neither submitted nor approved.")
    async def late(self, info: Info) -> bool:
        window = await self._window(info)
        return window is not None and window.closed(dt.date.today()) and self.status.state not in LOCKING_STATES

    @strawberry.field(description="Its history and comments, oldest first.")
    async def events(self, info: Info) -> list[ReportEventType]:
        from runxin.graphql.reporting.loaders import events_loader

        return await events_loader(info.context, self.period).load(self.status.tenant_id)

    @strawberry.field(
        description="The figures frozen at an approved version (default: the latest approved one); null when that "
        "version was never approved. API clients also need indicators:read.",
        permission_classes=[can_read("indicators")],
    )
    async def snapshot(self, info: Info, version: int | None = None) -> ReportSnapshotType | None:
        from runxin.graphql.reporting.loaders import snapshot_loader

        found = await snapshot_loader(info.context, self.period, version).load(self.status.tenant_id)
        return None if found is None else ReportSnapshotType.of(found)

    @strawberry.field(
        description="Indicators whose live figures differ from the latest approved version's, in the definitions' order; "
        "null when no version has been approved yet. API clients also need indicators:read.",
        permission_classes=[can_read("indicators")],
    )
    async def changes_since_approved(self, info: Info) -> list[IndicatorChangeType] | None:
        from runxin.graphql.reporting.loaders import changes_since_approved

        changes = await changes_since_approved(info.context, await self.node(info), self.period)
        return None if changes is None else [IndicatorChangeType.of(change) for change in changes]
