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

import orjson
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
from runxin.graphql.audit.writer import AuditWriter
from runxin.graphql.console.routes import console_page, console_routes
from runxin.graphql.context import Context, RequestDatabase
from runxin.graphql.errors import error_extensions
from runxin.graphql.headers import SecurityHeaders
from runxin.graphql.hygiene import RequestRefused, check_request
from runxin.graphql.identity import Identity, identity_for, jwks_endpoint, token_endpoint, verify_bearer
from runxin.graphql.response_cache import CachedAnswer, ResponseCache, VersionReader, key_size
from runxin.graphql.replica import caller_key, sessionmaker_for
from runxin.graphql.media import GraphQLResponseMedia
from runxin.graphql.metrics import RequestMetrics, metrics_endpoint
from runxin.graphql.schema import build_schema
from runxin.graphql.trusted import DocumentRefused, document_id, document_to_run, load_trusted_documents
from runxin.graphql.uploads import is_multipart, read_multipart
from runxin.platform.config import Settings
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.db.replica import ReplicaRouter, replica_router
from runxin.platform.disclosure.rules import DisclosureRules
from runxin.platform.errors import PermissionDenied
from runxin.platform.sharedstate import MemoryState, SharedState, shared_state_for
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.paths import ancestor_ids
from runxin.tenants.disclosure import load_rules
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import ScopedSession, as_system
from runxin.tenants.standing import PrincipalStanding
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
    # Answers kept per caller and data version (graphql/response_cache.py); None when turned off.
    response_cache: ResponseCache | None = None
    # Every operation's audit event goes through it (group commit, graphql/audit/writer.py).
    audit_writer: AuditWriter | None = None
    # What every server process shares (platform/sharedstate.py), and the callers' standing kept
    # fresh through it (tenants/standing.py): a disabled client is refused everywhere within 1 s.
    shared_state: SharedState = field(default_factory=MemoryState)
    standing: PrincipalStanding | None = None

    def forget_principals(self) -> None:
        """Drop the cached principals here and, through the shared store, in every other process."""
        if self.standing is not None:
            self.standing.forget()
        else:
            self.tenant_places.clear()
    # Oversight reads on a streaming replica (RUNXIN_DATABASE_REPLICA_URL), else None.
    replica: ReplicaRouter | None = None


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
    if runtime.standing is not None:
        claims = await runtime.standing.check(runtime.sessionmaker, claims)
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
    if is_multipart(request):
        return await read_multipart(request)  # file uploads: their own size limit and CSRF check
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
    reads = await sessionmaker_for(runtime.replica, runtime.sessionmaker, runtime.schema._schema, payload, principal)
    after_write = functools.partial(runtime.replica.note_write, caller_key(principal)) if runtime.replica is not None else None
    context = Context(
        settings=runtime.settings,
        principal=principal,
        db=RequestDatabase(reads, principal, after_write),
        forget_principals=runtime.forget_principals,
    )
    cache = runtime.response_cache
    on_replica = reads is not runtime.sessionmaker
    key = await cache.key(payload, principal, on_replica=on_replica) if cache is not None and principal is not None else None
    cached = cache.get(key) if cache is not None and key is not None else None
    computing = cache.claim(key) if cache is not None and key is not None and cached is None else None
    claimed = key if cache is not None and key is not None and cached is None and computing is None else None
    if computing is not None:
        cached = await asyncio.shield(computing)  # another request computes this very answer now
        key = None  # it was not kept: execute, and leave the keeping to the request that claimed it
    if cached is not None:
        context.audit = cached.audit.replay()
    record = functools.partial(
        record_operation,
        runtime.audit_writer,
        request,
        principal,
        context.audit,
        document=payload.get("query"),
        occurred_at=occurred_at,
        trace_id=trace_id,
        trust_proxy=runtime.settings.trust_proxy,
    )
    if cached is not None:
        return await record(await _answer_again(runtime, cached, context))
    try:
        response = await _run(runtime, request, payload, context, key)
    except (InvalidOperationTypeError, CannotGetOperationTypeError):
        context.audit.outcome = "refused"
        unsent = await record(Response(status_code=400))
        if unsent.background is not None:  # the endpoint answers with an error of its own
            await unsent.background()
        raise
    finally:
        if claimed is not None:
            cache.settle(claimed)  # type: ignore[union-attr]
    return await record(response)


async def _run(
    runtime: Runtime, request: Request, payload: dict[str, Any], context: Context, cache_key: tuple[Any, ...] | None
) -> Response:
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
    data = orjson.dumps(result.data)
    errors = None
    if result.errors:
        errors = [{**error.formatted, "extensions": {**(error.extensions or {}), **error_extensions(error)}} for error in result.errors]
    status = 200 if result.data is not None or not result.errors else 400
    headers: dict[str, str] = {}
    if context.cost is not None and context.cost.refused == "RATE_LIMITED":
        status, headers = 429, {"Retry-After": str(context.cost.retry_after_seconds)}
    elif cache_key is not None and errors is None and context.audit.operation_type == "query" and context.measured_cost is not None:
        answer = CachedAnswer(
            data=data,
            cost=context.measured_cost,
            operation_type=context.audit.operation_type,
            operation_name=context.audit.operation_name,
            audit=context.audit.replay(),
            key_size=key_size(cache_key),
        )
        runtime.response_cache.put(cache_key, answer)  # type: ignore[union-attr]
    return _graphql_response(data, errors, result.extensions, status, headers)


async def _answer_again(runtime: Runtime, cached: CachedAnswer, context: Context) -> Response:
    """A cached answer, charged to the caller's bucket like the execution it stands for."""
    limiter = runtime.schema.cost_limiter
    outcome = context.cost = await limiter.admit(cached.cost, context.principal)
    extensions = {"cost": outcome.report()}
    if outcome.refused:
        context.audit.outcome = "error"
        refused = limiter.refusal(cached.cost, outcome)
        errors = [{"message": refused.message, "extensions": {**refused.extensions, "code": refused.code}}]
        return _graphql_response(b"null", errors, extensions, 429, {"Retry-After": str(outcome.retry_after_seconds)})
    context.audit.outcome = "ok"
    return _graphql_response(cached.data, None, extensions, 200, {})


def _graphql_response(
    data: bytes, errors: list[dict[str, Any]] | None, extensions: dict[str, Any] | None, status: int, headers: dict[str, str]
) -> Response:
    # The data part is spliced in as bytes, so a cached answer is not serialised again.
    parts = [b'{"data":', data]
    if errors:
        parts += [b',"errors":', orjson.dumps(errors)]
    if extensions:
        parts += [b',"extensions":', orjson.dumps(extensions)]
    parts.append(b"}")
    return Response(b"".join(parts), status_code=status, headers=headers, media_type="application/json")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings) -> Starlette:
    """The application; the database engine and schema are built at start-up, not at import."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        shared_state = shared_state_for(settings)
        await shared_state.ping()  # a configured Redis that does not answer stops the start
        engine = make_engine(settings.database_url, statement_timeout_ms=settings.statement_timeout_ms)
        app.state.runtime = Runtime(
            settings=settings,
            engine=engine,
            sessionmaker=make_sessionmaker(engine, ScopedSession),
            tokens=token_service(settings),
            schema=build_schema(settings, shared_state),
            tenant_places={},
            trusted_documents=load_trusted_documents(settings.trusted_documents_file),
            shared_state=shared_state,
        )
        app.state.runtime.audit_writer = AuditWriter(engine)
        app.state.runtime.audit_writer.start()
        if settings.response_cache_mb:
            app.state.runtime.response_cache = ResponseCache(
                VersionReader(settings.database_url),
                max_bytes=settings.response_cache_mb * 1_000_000,
                ttl_seconds=settings.response_cache_seconds,
                replica_versions=VersionReader(settings.database_replica_url) if settings.database_replica_url else None,
            )
        app.state.runtime.standing = PrincipalStanding(shared_state, app.state.runtime.tenant_places)
        app.state.runtime.identity = identity_for(settings, app.state.runtime.tokens, shared_state)
        app.state.runtime.replica = replica_router(settings, ScopedSession)
        # Objects made at start-up live for the whole process: keep them out of the collector's
        # generations so full collections stay short (cut p99 latency 2-3x in measurements).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await app.state.runtime.audit_writer.stop()
            if app.state.runtime.response_cache is not None:
                await app.state.runtime.response_cache.close()
            if app.state.runtime.identity.oidc is not None:
                await app.state.runtime.identity.oidc.jwks.aclose()
            if app.state.runtime.replica is not None:
                await app.state.runtime.replica.close()
            await engine.dispose()
            await shared_state.aclose()

    from runxin.graphql.exports import routes as file_routes  # here: it runs its documents through this module

    app = Starlette(
        routes=[
            Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/oauth/token", token_endpoint, methods=["POST"]),
            Route("/.well-known/jwks.json", jwks_endpoint),
            *file_routes(),
            Route("/metrics", metrics_endpoint),
            *console_routes(),
        ],
        middleware=[
            Middleware(RequestMetrics),
            Middleware(SecurityHeaders, production=settings.production),
            Middleware(GraphQLResponseMedia),
        ],
        lifespan=lifespan,
    )
    # The console's page answers whatever no route matched, after the routes' own 405s.
    app.router.default = console_page()
    return app
