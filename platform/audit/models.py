"""`AuditEvent`: one row per GraphQL operation of a signed-in principal, never changed afterwards.

Deliberately not `TenantOwned`: tenant-owned rows follow their tenant when it moves (root ids are
rewritten, `updated_at` is touched), while an audit row must never change. The row keeps where the
principal stood *at the time* (`tenant_path`), and auditors see events by that path range, so the
bureau that oversaw a school when its data was read is the one that can review the read.

Nothing personal is stored: no query text, no variables (either can carry names and phone numbers),
only the SHA-256 of the document, the ids of records read or written and the names of the fields.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, HasId, PathString

OUTCOMES = ("ok", "user_errors", "error", "refused")
OPERATION_TYPES = ("query", "mutation")


class AuditEvent(HasId, Base):
    __tablename__ = "audit_event"

    occurred_at: Mapped[dt.datetime] = mapped_column()
    subject: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[str | None] = mapped_column(String(100))
    # The principal's tenant; RESTRICT: a tenant with audit history is pruned, never deleted under it.
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"))
    tenant_path: Mapped[str] = mapped_column(PathString)
    # Null when the document never ran (it did not parse or validate).
    operation_type: Mapped[str | None] = mapped_column(String(16))
    operation_name: Mapped[str | None] = mapped_column(String(200))
    document_hash: Mapped[str] = mapped_column(String(64))
    # [{"field": "staffCreate", "type": "Staff", "ids": ["<uuid>", ...]}, ...]
    writes: Mapped[list[Any]] = mapped_column(JSON)
    # [{"type": "Staff", "fields": ["name", "phone"], "ids": ["<uuid>", ...]}, ...]
    personal_fields_read: Mapped[list[Any]] = mapped_column(JSON)
    # Records whose personal fields were disclosed unmasked (searchable without reading the JSON).
    personal_reads: Mapped[int] = mapped_column()
    masked_reads: Mapped[int] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(16))
    client_ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    trace_id: Mapped[str] = mapped_column(String(32))

    __table_args__ = (
        # Auditors page a subtree's events in id (= time, UUIDv7) order: one range scan.
        Index("ix_audit_event_tenant_path_id", "tenant_path", "id"),
        Index("ix_audit_event_occurred_at", "occurred_at"),
    )


# The append-only guard. The same statements are frozen into migration 0002; `retention.prune`
# lifts the guard for one transaction, as the table's owner.
TRIGGER = "audit_event_append_only"
REFUSAL = "audit_event is append-only; retention pruning is done by the owner with runxin audit prune"

POSTGRES_GUARD = (
    f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_OP || ' refused: {REFUSAL}', ERRCODE = '42501';
END
$$
""",
    f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()",
)
SQLITE_GUARD = tuple(
    f"CREATE TRIGGER {TRIGGER}_{op.lower()} BEFORE {op} ON audit_event BEGIN SELECT RAISE(ABORT, '{op} refused: {REFUSAL}'); END"
    for op in ("UPDATE", "DELETE")
)
SQLITE_UNGUARD = tuple(f"DROP TRIGGER {TRIGGER}_{op.lower()}" for op in ("update", "delete"))


def _install_guard(table: Any) -> None:
    # Tests and tools that build the schema with metadata.create_all get the same guard as migrations.
    for statement in POSTGRES_GUARD:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    for statement in SQLITE_GUARD:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    event.listen(table, "after_drop", DDL(f"DROP FUNCTION IF EXISTS {TRIGGER}()").execute_if(dialect="postgresql"))


_install_guard(AuditEvent.__table__)
