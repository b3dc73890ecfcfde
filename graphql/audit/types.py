"""AuditEvent and its parts, as auditors read them."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.ids import encode_id
from runxin.graphql.node import Node

if TYPE_CHECKING:
    from runxin.graphql.tenants.types import TenantNode


@strawberry.enum(description="The kind of GraphQL operation.")
class AuditOperationType(enum.Enum):
    QUERY = "query"
    MUTATION = "mutation"


@strawberry.enum(description="How the operation ended.")
class AuditOutcome(enum.Enum):
    OK = "ok"
    USER_ERRORS = "user_errors"
    ERROR = "error"
    REFUSED = "refused"


@strawberry.type(description="Records one mutation wrote.")
class AuditWrite:
    mutation: str = strawberry.field(description="The mutation field, e.g. staffCreate.")
    record_type: str | None = strawberry.field(description="The type of the records written, e.g. Staff.")
    records: list[strawberry.ID] = strawberry.field(description="Global ids of the records written.")


@strawberry.type(description="Personal fields disclosed unmasked, and of which records.")
class AuditPersonalRead:
    fields: list[str] = strawberry.field(description='Qualified field names, e.g. ["Staff.name", "Staff.phone"].')
    records: list[strawberry.ID] = strawberry.field(description="Global ids of the records whose fields were disclosed.")


def _ids(type_name: str | None, ids: list[str]) -> list[strawberry.ID]:
    return [strawberry.ID(encode_id(type_name, uuid.UUID(i)) if type_name else i) for i in ids]


@strawberry.type(
    name="AuditEvent",
    description="One GraphQL operation of a signed-in principal. Holds no query text and no variables: "
    "only the document's SHA-256, ids and field names.",
)
class AuditEventNode(Node):
    occurred_at: dt.datetime
    subject: str = strawberry.field(description="Who acted: the user's or the API client's subject.")
    client_id: str | None = strawberry.field(description="The API client, when a client acted.")
    tenant_uuid: strawberry.Private[uuid.UUID]
    operation_type: AuditOperationType | None = strawberry.field(description="Null when the document did not parse or validate.")
    operation_name: str | None
    document_hash: str = strawberry.field(description="SHA-256 (hex) of the document text.")
    writes: list[AuditWrite]
    personal_fields_read: list[AuditPersonalRead]
    masked_reads: int = strawberry.field(description="Records read with their personal fields masked.")
    outcome: AuditOutcome
    client_ip: str | None
    user_agent: str | None = strawberry.field(description="The caller's User-Agent, cut to 200 characters.")
    trace_id: str = strawberry.field(description="The W3C trace id (from traceparent, else made up and sent as x-trace-id).")

    @strawberry.field(description="The tenant the principal acted for (null if it has since moved out of your view).")
    async def tenant(self, info: Info) -> Annotated["TenantNode", strawberry.lazy("runxin.graphql.tenants.types")] | None:
        from runxin.graphql.tenants.loaders import tenant_by_id

        return await tenant_by_id(info.context).load(self.tenant_uuid)

    @classmethod
    def from_row(cls, row: Any) -> "AuditEventNode":
        return cls(
            uuid=row.id,
            # SQLite hands back naive values; they were written in UTC.
            occurred_at=row.occurred_at if row.occurred_at.tzinfo else row.occurred_at.replace(tzinfo=dt.UTC),
            subject=row.subject,
            client_id=row.client_id,
            tenant_uuid=row.tenant_id,
            operation_type=AuditOperationType(row.operation_type) if row.operation_type else None,
            operation_name=row.operation_name,
            document_hash=row.document_hash,
            writes=[AuditWrite(mutation=w["field"], record_type=w["type"], records=_ids(w["type"], w["ids"])) for w in row.writes],
            personal_fields_read=[
                AuditPersonalRead(fields=[f"{p['type']}.{f}" for f in p["fields"]], records=_ids(p["type"], p["ids"]))
                for p in row.personal_fields_read
            ],
            masked_reads=row.masked_reads,
            outcome=AuditOutcome(row.outcome),
            client_ip=row.client_ip,
            user_agent=row.user_agent,
            trace_id=row.trace_id,
        )
