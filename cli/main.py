"""The `runxin` command line: serve, worker, rollup, db, seed, demo, token, schema, clients, keys, audit, deliveries."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runxin.platform.config import Settings
from runxin.platform.credentials import redact_url
from runxin.platform.errors import RunxinError

app = typer.Typer(help="Runxin (润心): the data backbone for student mental-health services.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console(stderr=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Where the embedded database and keys live (RUNXIN_DATA_DIR).")]
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="Overrides RUNXIN_DATABASE_URL.")]


def settings_from(data_dir: Path | None = None, database_url: str | None = None) -> Settings:
    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    try:
        settings = Settings.from_env(**overrides)
        if database_url:
            settings = settings.replace(database_url=database_url)
            settings.validate()
        return settings
    except RunxinError as exc:
        fail(exc.message)


def fail(message: str, code: int = 2) -> typer.Exit:  # type: ignore[return]
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head", data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Migrate the database up (creates the schema on an empty database)."""
    from runxin.platform.db.migrate import upgrade

    settings = settings_from(data_dir, database_url)
    upgrade(settings.database_url, revision)
    console.print(f"database at {revision}: {redact_url(settings.database_url)}")


@db_app.command("downgrade")
def db_downgrade(
    revision: str = typer.Argument(..., help="Target revision, e.g. base."),
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Migrate the database down to REVISION (base removes every table)."""
    from runxin.platform.db.migrate import downgrade

    settings = settings_from(data_dir, database_url)
    downgrade(settings.database_url, revision)
    console.print(f"database at {revision}")


@app.command()
def token(
    tenant: Annotated[str, typer.Option("--tenant", help="The tenant's code (6-digit division or 10-digit school code).")],
    role: Annotated[list[str], typer.Option("--role", help="Role(s): ADMIN, DATA_OFFICER, VIEWER.")] = ["VIEWER"],  # noqa: B006
    subject: Annotated[str | None, typer.Option(help="Who the token is for (default: <role>@<code>).")] = None,
    ttl: Annotated[int | None, typer.Option(help="Lifetime in seconds (60-3600).")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Print a short-lived access token for a user of TENANT."""
    from runxin.cli.tokens import issue_token

    settings = settings_from(data_dir, database_url)
    try:
        print(asyncio.run(issue_token(settings, tenant, role, subject, ttl)))
    except RunxinError as exc:
        fail(exc.message)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="API processes (default: the cores with RUNXIN_REDIS_URL and PostgreSQL, else 1)."),
    ] = None,
) -> None:
    """Serve the GraphQL API (the database must be migrated: runxin db upgrade)."""
    from runxin.cli.serving import run_server

    try:
        run_server(settings_from(data_dir, database_url), host, port, workers)
    except RunxinError as exc:
        fail(exc.message)


@app.command()
def rollup(
    full: Annotated[bool, typer.Option("--full", help="Recompute every tenant's figures from the raw records.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Only report cells that differ (exit 1 if any); do not repair.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Recompute the rollups set-based and report every cell where the incremental value differs."""
    from runxin.cli.rollup import run_full_rollup

    if not full:
        fail("say --full: the incremental rollup runs in the workers; this command recomputes everything.")
    result = run_full_rollup(settings_from(data_dir, database_url), repair=not check, console=console)
    if check and result.mismatches:
        raise typer.Exit(1)


@app.command()
def worker(data_dir: DataDir = None, threads: int = 4) -> None:
    """Run background workers against RUNXIN_BROKER_URL (RabbitMQ or Redis)."""
    from runxin.cli.serving import run_worker

    try:
        run_worker(settings_from(data_dir), threads)
    except RunxinError as exc:
        fail(exc.message)


@app.command()
def seed(
    scale: Annotated[
        str, typer.Option(help="tiny, city (1,200 schools), province (15,000) or national (210,000 schools; PostgreSQL).")
    ] = "city",
    random_seed: Annotated[int, typer.Option("--seed", help="Same seed, same data.")] = 7,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Fill a migrated, empty database with deterministic realistic data."""
    from runxin.cli.seeding import run_seed

    settings = settings_from(data_dir, database_url)
    try:
        run_seed(settings, scale, random_seed, console)
    except RunxinError as exc:
        fail(exc.message)


@app.command()
def demo(
    port: int = 8000,
    scale: Annotated[str, typer.Option(help="Demo data size: tiny or city.")] = "city",
    data_dir: DataDir = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Set up and print tokens, but do not start the server.")] = False,
) -> None:
    """Create, migrate and seed an embedded database, print tokens and an example, serve the API."""
    from runxin.cli.demo import run_demo

    try:
        run_demo(settings_from(data_dir), port=port, scale=scale, serve=not no_serve, console=console)
    except RunxinError as exc:
        fail(exc.message)


@app.command()
def schema(output: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None) -> None:
    """Print the GraphQL SDL (schema.graphql is kept equal to it by a test)."""
    from runxin.graphql.sdl import export_sdl

    sdl = export_sdl(Settings.from_env(env_file=None, data_dir=Path(".")))
    if output:
        output.write_text(sdl, encoding="utf-8")
    else:
        sys.stdout.write(sdl)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="A filled-in template (.xlsx): staff, training, calls or stations.", exists=True, dir_okay=False)],
    tenant: Annotated[str, typer.Option("--tenant", help="The tenant to import into (its division or school code).")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Import FILE into TENANT's subtree: all rows or, if any cell is bad, none (exit 1)."""
    from runxin.cli.importing import run_import

    settings = settings_from(data_dir, database_url)
    try:
        imported = run_import(settings, file, tenant, console)
    except RunxinError as exc:
        fail(exc.message)
    if not imported:
        raise typer.Exit(1)


def _register_identity_commands() -> None:
    # Imported after settings_from is defined: cli/clients.py reuses it.
    from runxin.cli.clients import clients_app, keys_app

    app.add_typer(clients_app, name="clients")
    app.add_typer(keys_app, name="keys")


_register_identity_commands()


def _register_audit_commands() -> None:
    # Late for the same reason: cli/audit.py reuses settings_from and the option types.
    from runxin.cli.audit import audit_app

    app.add_typer(audit_app, name="audit")


_register_audit_commands()


def _register_delivery_commands() -> None:
    # Late for the same reason: cli/deliveries.py reuses the clients module's session runner.
    from runxin.cli.deliveries import deliveries_app

    app.add_typer(deliveries_app, name="deliveries")


_register_delivery_commands()


def _register_boundaries_commands() -> None:
    # Late for the same reason: cli/boundaries.py reuses settings_from and the option types.
    from runxin.cli.boundaries import boundaries_app

    app.add_typer(boundaries_app, name="boundaries")


_register_boundaries_commands()

if __name__ == "__main__":
    app()
