"""`runxin deliveries ...`: the delivery log, replaying deliveries, and the city's endpoints.

Everything runs in one system-session transaction. A replay makes the deliveries due at once; the
sweeper of a running worker (or `runxin serve`'s embedded one) sends them within its next pass.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.cli.main import DatabaseUrl, DataDir, settings_from
from runxin.cli.system import run_as_system
from runxin.platform.delivery import services
from runxin.platform.delivery.models import Delivery, DeliveryEndpoint
from runxin.platform.delivery.payload import aware
from runxin.platform.delivery.ssrf import Destinations
from runxin.platform.errors import Invalid, NotFound
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.services import get_tenant_by_code

deliveries_app = typer.Typer(help="Deliveries of approved figures to the city platform.", no_args_is_help=True)
out = Console()  # what was asked for goes to stdout; notes and errors to stderr
err = Console(stderr=True)
T = TypeVar("T")


def _run(data_dir: Any, database_url: str | None, work: Callable[[AsyncSession], Awaitable[T]], reason: str) -> T:
    return run_as_system(settings_from(data_dir, database_url), work, reason, err)


def _when(moment: object) -> str:
    return f"{aware(moment):%Y-%m-%d %H:%M:%S}" if moment is not None else ""  # type: ignore[arg-type]


def _table(rows: list[Delivery], codes: dict[object, str]) -> Table:
    table = Table("id", "webhook id", "city", "period", "version", "status", "attempts", "next attempt", "last answer")
    for d in rows:
        table.add_row(
            str(d.id),
            d.webhook_id,
            codes.get(d.tenant_id, ""),
            d.period,
            str(d.version),
            d.status,
            str(d.attempts),
            _when(d.next_attempt_at) if d.status == "PENDING" else "",
            str(d.last_status_code or "") + (f" {d.last_error}" if d.last_error else ""),
        )
    return table


async def _city_codes(session, rows) -> dict[object, str]:  # type: ignore[no-untyped-def]
    ids = {r.tenant_id for r in rows}
    if not ids:
        return {}
    return dict((await session.execute(select(Tenant.id, Tenant.code).where(Tenant.id.in_(ids)))).all())


async def _city_id(session, code: str):  # type: ignore[no-untyped-def]
    tenant = await get_tenant_by_code(session, code)
    if tenant is None:
        raise NotFound(f"No tenant with code {code}; use the city's 6-digit division code, e.g. 360700.")
    return tenant.id


@deliveries_app.command("list")
def list_(
    status: Annotated[str | None, typer.Option("--status", help="PENDING, DELIVERED, PARTIAL or DEAD.")] = None,
    city: Annotated[str | None, typer.Option("--city", help="Only this city's (its code).")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many, newest first.")] = 50,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List deliveries, newest first."""

    async def work(session):  # type: ignore[no-untyped-def]
        city_id = await _city_id(session, city) if city else None
        rows = await services.list_deliveries(session, status=status.upper() if status else None, city_id=city_id, limit=limit)
        return rows, await _city_codes(session, rows)

    rows, codes = _run(data_dir, database_url, work, "deliveries list")
    out.print(_table(rows, codes))


@deliveries_app.command("replay")
def replay(
    ids: Annotated[list[str] | None, typer.Option("--id", help="A delivery id or webhook id (msg_...); repeat for more.")] = None,
    dead: Annotated[bool, typer.Option("--dead", help="Every dead delivery.")] = False,
    endpoint: Annotated[str | None, typer.Option("--endpoint", help="Only deliveries to this endpoint (its id).")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Send deliveries again from the start of the retry schedule, under the same webhook ids."""
    if not ids and not dead:
        err.print("[red]error:[/red] name deliveries with --id, or replay every dead one with --dead.")
        raise typer.Exit(2)

    async def work(session):  # type: ignore[no-untyped-def]
        try:
            endpoint_id = uuid.UUID(endpoint) if endpoint else None
        except ValueError as exc:
            raise Invalid(
                "endpoint", "ID_MALFORMED", f"{endpoint!r} is not an endpoint id; see runxin deliveries endpoints."
            ) from exc
        delivery_ids = await services.resolve_delivery_refs(session, ids or [])
        rows = await services.replay(session, delivery_ids=delivery_ids, dead=dead, endpoint_id=endpoint_id)
        return rows, await _city_codes(session, rows)

    rows, codes = _run(data_dir, database_url, work, "deliveries replay")
    out.print(_table(rows, codes))
    err.print(f"replayed {len(rows)} deliveries: they are due now, and a worker's sweeper sends them on its next pass.")


@deliveries_app.command("endpoints")
def endpoints(
    city: Annotated[str | None, typer.Option("--city", help="Only this city's (its code).")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the endpoints figures are posted to (never their secrets)."""

    async def work(session):  # type: ignore[no-untyped-def]
        city_id = await _city_id(session, city) if city else None
        return await services.list_endpoints(session, city_id)

    rows: list[DeliveryEndpoint] = _run(data_dir, database_url, work, "deliveries endpoints")
    table = Table("id", "url", "active", "timeout", "failures in a row", "circuit open until")
    for e in rows:
        table.add_row(
            str(e.id),
            e.url,
            "yes" if e.active else "no",
            f"{e.timeout_seconds:g} s",
            str(e.consecutive_failures),
            _when(e.circuit_open_until),
        )
    out.print(table)


@deliveries_app.command("endpoint-add")
def endpoint_add(
    city: Annotated[str, typer.Option("--city", help="The city's code, e.g. 360700.")],
    url: Annotated[str, typer.Option("--url", help="Where the figures are posted (https://...).")],
    description: Annotated[str, typer.Option("--description")] = "",
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for an answer (0.5-60).")] = 10.0,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Add an endpoint of CITY's platform; prints its signing secret (once, never again)."""
    destinations = Destinations.from_settings(settings_from(data_dir, database_url))

    async def work(session):  # type: ignore[no-untyped-def]
        return await services.create_endpoint(
            session,
            tenant_id=await _city_id(session, city),
            url=url,
            description=description,
            timeout_seconds=timeout,
            destinations=destinations,
        )

    created = _run(data_dir, database_url, work, "deliveries endpoint-add")
    out.print(f"endpoint: {created.endpoint.id}", highlight=False)
    out.print(f"secret: {created.secret}", highlight=False)
    err.print("Give the secret to the platform now (it verifies every message with it): it is shown only this once.")
    err.print("Accepted periods are delivered to it on the reconciler's next pass.")


@deliveries_app.command("endpoint-rotate")
def endpoint_rotate(
    endpoint_id: Annotated[str, typer.Argument(help="The endpoint's id (see runxin deliveries endpoints).")],
    overlap_hours: Annotated[float, typer.Option("--overlap-hours", help="How long the old secret keeps signing.")] = 24.0,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Give an endpoint a new signing secret, printed once; the old one signs on for --overlap-hours."""

    async def work(session):  # type: ignore[no-untyped-def]
        try:
            key = uuid.UUID(endpoint_id)
        except ValueError as exc:
            raise Invalid(
                "id", "ID_MALFORMED", f"{endpoint_id!r} is not an endpoint id; see runxin deliveries endpoints."
            ) from exc
        overlap = dt.timedelta(hours=min(max(overlap_hours, -1.0), 10_000.0))
        return await services.rotate_endpoint_secret(session, key, overlap=overlap)

    rotated = _run(data_dir, database_url, work, "deliveries endpoint-rotate")
    out.print(f"secret: {rotated.secret}", highlight=False)
    err.print(f"The old secret keeps signing for {overlap_hours:g} h: switch the platform to the new one before then.")
