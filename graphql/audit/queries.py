"""auditEvents: the audit log of your tenant and everything under it, for auditors."""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import select

from runxin.graphql.audit.types import AuditEventNode
from runxin.graphql.connections import Connection, PageArgs, make_connection, page_statement
from runxin.graphql.context import Info
from runxin.graphql.loaders import columns
from runxin.graphql.permissions import requires
from runxin.platform.audit.models import AuditEvent
from runxin.platform.errors import Invalid
from runxin.tenants.audit import visible_audit_events
from runxin.tenants.policy import Permission


@strawberry.type
class AuditQuery:
    @strawberry.field(
        permission_classes=[requires(Permission.AUDIT_READ)],
        description="Audit events of your tenant and its descendants, oldest first (use last: for the newest). "
        "Needs the AUDITOR or ADMIN role, or the audit:read scope.",
    )
    async def audit_events(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        subject: str | None = None,
        operation_name: str | None = None,
        personal_only: bool = False,
    ) -> Connection[AuditEventNode]:
        args = PageArgs(first, after, last, before).check()
        for name, moment in (("since", since), ("until", until)):
            if moment is not None and moment.tzinfo is None:
                raise Invalid(name, "TIMEZONE_REQUIRED", f"Give {name} with a time zone, e.g. 2025-03-01T00:00:00+08:00.")
        statement = select(*columns(AuditEvent)).where(visible_audit_events(info.context.principal))
        # Stored in UTC; SQLite compares the text, so the bounds must be UTC too.
        if since is not None:
            statement = statement.where(AuditEvent.occurred_at >= since.astimezone(dt.UTC))
        if until is not None:
            statement = statement.where(AuditEvent.occurred_at < until.astimezone(dt.UTC))
        if subject is not None:
            statement = statement.where(AuditEvent.subject == subject)
        if operation_name is not None:
            statement = statement.where(AuditEvent.operation_name == operation_name)
        if personal_only:
            statement = statement.where(AuditEvent.personal_reads > 0)
        rows = await info.context.db.rows(page_statement(statement, AuditEvent.id, args))
        return make_connection(rows, args, key_of=lambda row: row.id, node_of=AuditEventNode.from_row)
