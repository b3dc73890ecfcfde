"""The ASGI application: GraphQL over HTTP at /graphql, GraphiQL in development, /healthz.

A small endpoint of our own rather than Strawberry's view, because the request's database
session must be closed after the whole result is built, the principal comes from our token
service, and every refusal must be a clear 4xx with a JSON body.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import gc
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import SpanKind
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from runxin.graphql.audit.recording import note_outcome, record_operation, trace_id_of
from runxin.graphql.context import Context, RequestDatabase
from runxin.graphql.errors import error_extensions
from runxin.graphql.hygiene import RequestRefused, check_request
from runxin.graphql.identity import Identity, identity_for, jwks_endpoint, token_endpoint, verify_bearer
from runxin.graphql.metrics import RequestMetrics, metrics_endpoint
from runxin.graphql.schema import build_schema
from runxin.graphql.trusted import DocumentRefused, document_id, document_to_run, load_trusted_documents
from runxin.platform.config import Settings
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.disclosure.rules import DisclosureRules
from runxin.platform.errors import PermissionDenied
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.paths import ancestor_ids
from runxin.tenants.disclosure import load_rules
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import ScopedSession, as_system
from runxin.tenants.tokens import TokenService, token_service

log = logging.getLogger("runxin.api")
tracer = trace.get_tracer("runxin.api")

MAX_BODY_BYTES = 1_000_000
PRINCIPAL_CACHE_SECONDS = 30.0


class TenantPlace(NamedTuple):
    """Where a caller's tenant sits and what its city publishes, cached per tenant for 30 s."""

    path: str
    kind: str
    rules: DisclosureRules
    fetched_at: float


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    tokens: TokenService
    schema: Any
    # A moved tenant's new place, or a changed city policy, is seen within 30 s (at once in the
    # process that made the change).
    tenant_places: dict[uuid.UUID, TenantPlace]
    # sha256 hex -> document: the trusted documents (RUNXIN_TRUSTED_DOCUMENTS_FILE).
    trusted_documents: dict[str, str] = field(default_factory=dict)
    # The token endpoint and the bureau's OIDC verifier (graphql/identity.py), set at start-up.
    identity: Identity | None = None


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


async def _principal(runtime: Runtime, request: Request) -> Principal | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise PermissionDenied("Send the token as `Authorization: Bearer <token>`.")
    claims = await verify_bearer(runtime, token.strip())
    place = runtime.tenant_places.get(claims.tenant_id)
    if place is None or time.monotonic() - place.fetched_at > PRINCIPAL_CACHE_SECONDS:
        async with runtime.sessionmaker() as session:
            # Who the caller is, and what its city publishes, is read before any scope exists.
            as_system(session, "principal lookup")
            row = (await session.execute(select(Tenant.path, Tenant.kind).where(Tenant.id == claims.tenant_id))).first()
            if row is None:
                raise PermissionDenied("The token's tenant no longer exists; ask your bureau for a new account.")
            rules = await load_rules(session, ancestor_ids(row.path)[0])
        place = TenantPlace(row.path, row.kind, rules, time.monotonic())
        runtime.tenant_places[claims.tenant_id] = place
    return Principal(
        subject=claims.subject,
        tenant_id=claims.tenant_id,
        tenant_path=place.path,
        tenant_kind=place.kind,
        roles=claims.roles,
        scopes=claims.scopes,
        client_id=claims.client_id,
        disclosure=place.rules,
    )


async def _read_request(request: Request) -> dict[str, Any] | JSONResponse:
    if request.method == "GET":
        params = request.query_params
        try:
            variables = json.loads(params["variables"]) if params.get("variables") else None
            extensions = json.loads(params["extensions"]) if params.get("extensions") else None
        except (json.JSONDecodeError, RecursionError):
            return _error(400, "BAD_REQUEST", "The variables or extensions parameter is not valid JSON.")
        return {
            "query": params.get("query"),
            "variables": variables,
            "operationName": params.get("operationName"),
            "documentId": params.get("documentId"),
            "extensions": extensions,
        }
    declared = request.headers.get("content-length", "0")
    # The declared length refuses a large body before reading it; the read length catches a lie.
    if (declared.isdigit() and int(declared) > MAX_BODY_BYTES) or len(body := await request.body()) > MAX_BODY_BYTES:
        return _error(413, "PAYLOAD_TOO_LARGE", f"The request body is over {MAX_BODY_BYTES} bytes; send a smaller document.")
    if "application/json" not in request.headers.get("content-type", ""):
        return _error(415, "UNSUPPORTED_MEDIA_TYPE", "POST a JSON body with Content-Type: application/json.")
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        # RecursionError: JSON nested thousands deep, which no input type of the schema needs.
        return _error(400, "BAD_REQUEST", 'The body is not valid JSON; send {"query": "...", "variables": {...}}.')
    if not isinstance(payload, dict):
        return _error(400, "BAD_REQUEST", "Batched requests are not supported; send one JSON object per request.")
    return payload


async def graphql_endpoint(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    if request.method == "GET" and "text/html" in request.headers.get("accept", "") and "query" not in request.query_params:
        if not runtime.settings.graphiql:
            return _error(404, "NOT_FOUND", "GraphiQL is off in this deployment; POST queries to /graphql.")
        return HTMLResponse(get_graphql_ide_html())
    payload = await _read_request(request)
    if isinstance(payload, Response):
        return payload
    try:
        check_request(payload, None if request.method == "GET" else await request.body())
    except RequestRefused as exc:
        return _error(exc.status, exc.code, exc.message)
    query, variables = payload.get("query"), payload.get("variables")
    if (not isinstance(query, str) or not query.strip()) and document_id(payload) is None:
        return _error(400, "BAD_REQUEST", 'The request has no query; send {"query": "{ viewer { subject } }"}.')
    if variables is not None and not isinstance(variables, dict):
        return _error(400, "BAD_REQUEST", "variables must be a JSON object.")
    try:
        principal = await _principal(runtime, request)
    except PermissionDenied as exc:
        return _error(401, "UNAUTHENTICATED", exc.message)
    try:
        payload = {**payload, "query": document_to_run(payload, principal, runtime.settings, runtime.trusted_documents)}
    except DocumentRefused as exc:
        return _error(exc.status, exc.code, exc.message)
    try:
        return await _execute(runtime, request, payload, principal)
    except InvalidOperationTypeError:
        return _error(405, "METHOD_NOT_ALLOWED", "Mutations need POST; GET runs queries only.")
    except CannotGetOperationTypeError:
        return _error(400, "BAD_REQUEST", "operationName does not name an operation of the document.")


async def _execute(runtime: Runtime, request: Request, payload: dict[str, Any], principal: Principal | None) -> Response:
    """Run the operation in its span (the root of the chain's trace: outbox rows and jobs carry it
    on), then write its audit event (graphql/audit/recording.py)."""
    # The span names the operation, never its text or variables.
    attributes = {"graphql.operation.name": str(payload.get("operationName") or "")}
    with tracer.start_as_current_span(
        "graphql.operation", context=extract(request.headers), kind=SpanKind.SERVER, attributes=attributes
    ) as span:
        span_context = span.get_span_context()
        trace_id = format(span_context.trace_id, "032x") if span_context.is_valid else trace_id_of(request)
        return await _execute_in_span(runtime, request, payload, principal, trace_id)


async def _execute_in_span(
    runtime: Runtime, request: Request, payload: dict[str, Any], principal: Principal | None, trace_id: str
) -> Response:
    occurred_at = dt.datetime.now(dt.UTC)
    context = Context(
        settings=runtime.settings,
        principal=principal,
        db=RequestDatabase(runtime.sessionmaker, principal),
        forget_principals=runtime.tenant_places.clear,
    )
    record = functools.partial(
        record_operation,
        runtime.sessionmaker,
        request,
        principal,
        context.audit,
        document=payload.get("query"),
        occurred_at=occurred_at,
        trace_id=trace_id,
        trust_proxy=runtime.settings.trust_proxy,
    )
    try:
        response = await _run(runtime, request, payload, context)
    except (InvalidOperationTypeError, CannotGetOperationTypeError):
        context.audit.outcome = "refused"
        await record(Response(status_code=400))
        raise
    return await record(response)


async def _run(runtime: Runtime, request: Request, payload: dict[str, Any], context: Context) -> Response:
    query, variables = payload["query"], payload.get("variables")
    db = context.db
    allowed = (OperationType.QUERY,) if request.method == "GET" else (OperationType.QUERY, OperationType.MUTATION)
    limit = runtime.settings.operation_timeout_seconds
    try:
        async with asyncio.timeout(limit):
            result = await runtime.schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=payload.get("operationName"),
                allowed_operation_types=allowed,
            )
    except TimeoutError:
        # A mutation's transaction is rolled back when its task is cancelled: nothing half-written.
        return _error(
            503,
            "OPERATION_TIMEOUT",
            f"The operation ran past {limit:g} s; ask for less (smaller pages, fewer fields) or retry later.",
        )
    finally:
        await db.close()
    note_outcome(context.audit, result.errors)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [
            {**error.formatted, "extensions": {**(error.extensions or {}), **error_extensions(error)}} for error in result.errors
        ]
    if result.extensions:
        body["extensions"] = result.extensions
    status = 200 if result.data is not None or not result.errors else 400
    headers: dict[str, str] = {}
    if context.cost is not None and context.cost.refused == "RATE_LIMITED":
        status, headers = 429, {"Retry-After": str(context.cost.retry_after_seconds)}
    return JSONResponse(body, status_code=status, headers=headers)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings) -> Starlette:
    """The application; the database engine and schema are built at start-up, not at import."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url, statement_timeout_ms=settings.statement_timeout_ms)
        app.state.runtime = Runtime(
            settings=settings,
            engine=engine,
            sessionmaker=make_sessionmaker(engine, ScopedSession),
            tokens=token_service(settings),
            schema=build_schema(settings),
            tenant_places={},
            trusted_documents=load_trusted_documents(settings.trusted_documents_file),
        )
        app.state.runtime.identity = identity_for(settings, app.state.runtime.tokens)
        # Objects made at start-up live for the whole process: keep them out of the collector's
        # generations so full collections stay short (cut p99 latency 2-3x in measurements).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if app.state.runtime.identity.oidc is not None:
                await app.state.runtime.identity.oidc.jwks.aclose()
            await engine.dispose()

    return Starlette(
        routes=[
            Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/oauth/token", token_endpoint, methods=["POST"]),
            Route("/.well-known/jwks.json", jwks_endpoint),
            Route("/metrics", metrics_endpoint),
        ],
        middleware=[Middleware(RequestMetrics)],
        lifespan=lifespan,
    )
