"""`runxin audit prune`: retention for the append-only audit log."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from runxin.cli.main import DatabaseUrl, DataDir, console, fail, settings_from
from runxin.platform.errors import RunxinError

audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)


@audit_app.command("prune")
def prune(
    older_than_days: Annotated[
        int | None,
        typer.Option("--older-than-days", help="Delete events older than this (default RUNXIN_AUDIT_RETENTION_DAYS, 400)."),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Delete audit events past retention. On PostgreSQL run it as the tables' owner (the migration
    role, e.g. --database-url postgresql+asyncpg://runxin_owner@host/db): only the owner may lift the
    append-only trigger, which is what keeps the application itself from erasing history."""
    from runxin.platform.audit.retention import prune as prune_events
    from runxin.platform.db.engine import make_engine

    settings = settings_from(data_dir, database_url)
    days = settings.audit_retention_days if older_than_days is None else older_than_days

    async def run() -> int:
        engine = make_engine(settings.database_url)
        try:
            return await prune_events(engine, days)
        finally:
            await engine.dispose()

    try:
        removed = asyncio.run(run())
    except RunxinError as exc:
        fail(exc.message)
    console.print(f"removed {removed} audit events older than {days} days")
