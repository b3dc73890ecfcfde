"""Writing one audit event per operation of a signed-in principal, after the operation.

The event is written once the result is known, in a transaction of the audit writer's own (group
commit with other requests' events, graphql/audit/writer.py), so a rolled-back mutation is still on
record and a slow audit write never holds the operation's locks. An event that records a
personal-data read or a write is committed before the answer goes out; an institutional read's
event right after it (the response's background task).

If the write fails, it is logged as an error with the trace id, and:
- a query that disclosed personal data fails closed: the caller gets 503 instead of the data, since
  an unrecorded read of personal data is what the log exists to prevent;
- anything else (institutional reads, mutations) is answered: a mutation has already committed, and
  hiding its result would invite a retry that writes twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import ipaddress
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from graphql.language import Visitor
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry.extensions import SchemaExtension

from graphql import FieldNode, GraphQLError, visit
from runxin.graphql.audit.writer import AuditWriter
from runxin.platform.audit.collector import AuditCollector
from runxin.platform.errors import PermissionDenied
from runxin.tenants.principal import Principal

log = logging.getLogger("runxin.audit")

TRACE_HEADER = "x-trace-id"
USER_AGENT_LENGTH = 200
_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def trace_id_of(request: Request) -> str:
    """The W3C `traceparent` header's trace id when it is well formed, else a new random one."""
    match = _TRACEPARENT.match(request.headers.get("traceparent", "").strip())
    if match and match.group(1) != "ff" and match.group(2) != "0" * 32 and match.group(3) != "0" * 16:
        return match.group(2)
    return secrets.token_hex(16)


def client_ip_of(request: Request, trust_proxy: bool) -> str | None:
    """The caller's address. Behind our one reverse proxy (RUNXIN_TRUST_PROXY), the address the
    proxy appended to X-Forwarded-For, i.e. the last one: earlier entries are whatever the caller
    sent and prove nothing."""
    if trust_proxy:
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass  # no or a malformed header: the peer is the best we know
    return request.client.host if request.client else None


class AuditOperation(SchemaExtension):
    """Tells the request's audit collector which operation ran and, when it disclosed personal
    data, which field names its document mentions."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        audit: AuditCollector | None = getattr(execution.context, "audit", None)
        if audit is not None and execution.graphql_document is not None:
            try:
                audit.operation_type = execution.operation_type.value
            except Exception:  # noqa: BLE001 - an unknown operationName: the type stays unknown
                audit.operation_type = None
            audit.operation_name = execution.operation_name
        yield
        if audit is not None and audit.reads_personal_data and execution.graphql_document is not None:
            audit.mentioned = _field_names(execution.graphql_document)


class _FieldNames(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self.names.add(node.name.value)


def _field_names(document: Any) -> set[str]:
    """Every field name the document mentions (in operations and fragments alike)."""
    collect = _FieldNames()
    visit(document, collect)
    return collect.names


def note_outcome(audit: AuditCollector, errors: list[GraphQLError] | None) -> None:
    """Record how the operation ended, from the errors of its result."""
    if errors and any(isinstance(e.original_error, PermissionDenied) for e in errors):
        audit.outcome = "refused"
    elif errors:
        audit.outcome = "error"
    else:
        audit.outcome = "user_errors" if audit.user_errors else "ok"


def event_values(
    principal: Principal,
    audit: AuditCollector,
    *,
    document: str | None,
    occurred_at: dt.datetime,
    trace_id: str,
    client_ip: str | None,
    user_agent: str | None,
) -> dict[str, Any]:
    """The row: ids, names and hashes only, never the document text or the variables."""
    personal = audit.personal_fields_read()
    return {
        "occurred_at": occurred_at,
        "subject": principal.subject[:200],
        "client_id": principal.client_id,
        "tenant_id": principal.tenant_id,
        "tenant_path": principal.tenant_path,
        "operation_type": audit.operation_type,
        "operation_name": (audit.operation_name or None) and audit.operation_name[:200],  # type: ignore[index]
        "document_hash": hashlib.sha256((document or "").encode()).hexdigest(),
        "writes": audit.writes,
        "personal_fields_read": personal,
        "personal_reads": len({i for entry in personal for i in entry["ids"]}),
        "masked_reads": audit.masked_reads,
        "outcome": audit.outcome or "error",  # no result: the operation timed out or failed outright
        "client_ip": client_ip,
        "user_agent": user_agent[:USER_AGENT_LENGTH] if user_agent else None,
        "trace_id": trace_id,
    }


async def record_operation(
    writer: AuditWriter,
    request: Request,
    principal: Principal | None,
    audit: AuditCollector,
    response: Response,
    *,
    document: str | None,
    occurred_at: dt.datetime,
    trace_id: str,
    trust_proxy: bool,
) -> Response:
    """Write the operation's audit event and return the response to send (503 if a personal-data
    read could not be recorded). Every response carries the trace id."""
    if principal is not None:
        if response.status_code == 429:
            audit.outcome = "refused"  # over the cost budget: nothing ran
        values = event_values(
            principal,
            audit,
            document=document,
            occurred_at=occurred_at,
            trace_id=trace_id,
            client_ip=client_ip_of(request, trust_proxy),
            user_agent=request.headers.get("user-agent"),
        )
        if values["personal_reads"] or values["writes"]:
            # Personal data goes out, and a write's answer, only once the event is committed.
            try:
                # Shielded: a client that hangs up does not get its read left off the record.
                await asyncio.shield(writer.write(values))
            except Exception:
                _log_unwritten(trace_id, principal, audit)
                if audit.reads_personal_data and audit.operation_type != "mutation":
                    response = JSONResponse(
                        {
                            "errors": [
                                {
                                    "message": "Personal data is only given out when the read can be recorded, and the audit "
                                    "log is unavailable; try again in a minute.",
                                    "extensions": {"code": "AUDIT_UNAVAILABLE"},
                                }
                            ]
                        },
                        status_code=503,
                        headers={"Retry-After": "60"},
                    )
        else:
            # An institutional read's event is written after the answer has gone out (the response's
            # background task, still inside this request's ASGI call).
            response.background = _after(response.background, _write_quietly, writer, values, trace_id, principal, audit)
    response.headers[TRACE_HEADER] = trace_id
    return response


def _log_unwritten(trace_id: str, principal: Principal, audit: AuditCollector) -> None:
    log.exception("audit event not written: trace %s, subject %s, operation %s", trace_id, principal.subject, audit.operation_name)


async def _write_quietly(writer: AuditWriter, values: dict[str, Any], trace_id: str, principal: Principal, audit: AuditCollector) -> None:
    try:
        await writer.write(values)
    except Exception:
        _log_unwritten(trace_id, principal, audit)


def _after(first: BackgroundTask | None, then: Callable[..., Awaitable[None]], *args: Any) -> BackgroundTask:
    async def both() -> None:
        if first is not None:
            await first()
        await then(*args)

    return BackgroundTask(both)
