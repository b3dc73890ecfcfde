"""`runxin clients ...` and `runxin keys ...`: register API clients, rotate the token signing keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Column, Table
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.cli.system import announce_standing_change, run_as_system
from runxin.platform.config import Settings
from runxin.tenants import clients as service
from runxin.tenants.tokens import KeyRing, prune_keys, rotate_keys

clients_app = typer.Typer(help="API clients (OAuth2 client credentials) of a tenant.", no_args_is_help=True)
keys_app = typer.Typer(help="The keys that sign access tokens.", no_args_is_help=True)
out = Console()  # what the user asked for goes to stdout; notes and errors to stderr
err = Console(stderr=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Where the embedded database and keys live (RUNXIN_DATA_DIR).")]
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="Overrides RUNXIN_DATABASE_URL.")]
T = TypeVar("T")


def _settings(data_dir: Path | None, database_url: str | None) -> Settings:
    from runxin.cli.main import settings_from

    return settings_from(data_dir, database_url)


def _run(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]], reason: str) -> T:
    return run_as_system(settings, work, reason, err)


@clients_app.command("create")
def create(
    tenant: Annotated[str, typer.Option("--tenant", help="Code of the tenant the app acts for.")],
    scopes: Annotated[str, typer.Option("--scopes", help='Space-separated, e.g. "tenants:read centres:read".')],
    name: Annotated[str, typer.Option("--name", help='What the app is, e.g. "School MIS".')],
    auth: Annotated[
        str, typer.Option("--auth", help="client_secret_basic (default), client_secret_post or private_key_jwt.")
    ] = "client_secret_basic",
    jwks_file: Annotated[Path | None, typer.Option("--jwks-file", help="The app's public JWKS (private_key_jwt).")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Register an app for TENANT; prints its client id and (once, never again) its secret."""
    jwks = jwks_file.read_text(encoding="utf-8") if jwks_file else None
    created = _run(
        _settings(data_dir, database_url),
        lambda s: service.create_client(s, tenant_code=tenant, name=name, scopes=scopes, auth_method=auth, jwks=jwks),
        "clients create",
    )
    out.print(f"client_id: {created.client.client_id}", highlight=False)
    if created.secret is not None:
        out.print(f"client_secret: {created.secret}", highlight=False)
        err.print("Store the secret now: it is shown only this once (rotate-secret makes a new one).")
    out.print(
        f"tenant: {created.tenant_code}  scopes: {created.client.scopes}  auth: {created.client.auth_method}", highlight=False
    )


@clients_app.command("list")
def list_(
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant's clients.")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List registered clients (never their secrets)."""
    rows = _run(_settings(data_dir, database_url), lambda s: service.list_clients(s, tenant), "clients list")
    table = Table(Column("client_id", no_wrap=True), "name", "tenant", "scopes", "auth", "created", "secret rotated", "disabled")
    for client, code in rows:
        table.add_row(
            client.client_id,
            client.name,
            code,
            client.scopes,
            client.auth_method,
            f"{client.created_at:%Y-%m-%d %H:%M}",
            f"{client.secret_rotated_at:%Y-%m-%d %H:%M}" if client.secret_rotated_at else "",
            f"{client.disabled_at:%Y-%m-%d %H:%M}" if client.disabled_at else "",
        )
    out.print(table)


@clients_app.command("disable")
def disable(client_id: str, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Refuse CLIENT_ID from now on: token requests, and (within a second) the tokens it already has."""
    settings = _settings(data_dir, database_url)
    _run(settings, lambda s: service.disable_client(s, client_id), "clients disable")
    announce_standing_change(settings, err)
    out.print(f"disabled {client_id}", highlight=False)


@clients_app.command("set-scopes")
def set_scopes(
    client_id: str,
    scopes: Annotated[str, typer.Option("--scopes", help='Space-separated, e.g. "tenants:read centres:read".')],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Register exactly SCOPES for CLIENT_ID; its tokens lose any other scope within a second."""
    settings = _settings(data_dir, database_url)
    client = _run(settings, lambda s: service.set_scopes(s, client_id, scopes), "clients set-scopes")
    announce_standing_change(settings, err)
    out.print(f"{client_id} scopes: {client.scopes}", highlight=False)


@clients_app.command("rotate-secret")
def rotate_secret(client_id: str, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Give CLIENT_ID a new secret, printed once; the old one stops working at once."""
    secret = _run(_settings(data_dir, database_url), lambda s: service.rotate_secret(s, client_id), "clients rotate-secret")
    out.print(f"client_secret: {secret}", highlight=False)


@keys_app.command("rotate")
def keys_rotate(data_dir: DataDir = None) -> None:
    """Add a new signing key; older keys keep verifying tokens until pruned."""
    settings = _settings(data_dir, None)
    new = rotate_keys(settings.keys_path, settings.key_path)
    out.print(f"new signing key {new.key.kid}; running servers switch to it within seconds", highlight=False)


@keys_app.command("prune")
def keys_prune(
    older_than: Annotated[
        int,
        typer.Option("--older-than", help="Drop verification keys created more than SECONDS ago (at least the token lifetime)."),
    ],
    data_dir: DataDir = None,
) -> None:
    """Drop old verification keys; tokens they signed stop verifying."""
    settings = _settings(data_dir, None)
    if older_than < settings.token_ttl_seconds:
        err.print(
            f"[red]error:[/red] --older-than must be at least the token lifetime ({settings.token_ttl_seconds} s), or live tokens would be refused."
        )
        raise typer.Exit(2)
    dropped = prune_keys(settings.keys_path, older_than)
    out.print(f"dropped {len(dropped)} key(s): {', '.join(k.key.kid or '' for k in dropped) or 'none'}", highlight=False)


@keys_app.command("list")
def keys_list(data_dir: DataDir = None) -> None:
    """List the signing keys, newest (the one that signs) last."""
    settings = _settings(data_dir, None)
    table = Table("kid", "created (unix)", "signs")
    keys = KeyRing(settings.keys_path, legacy_path=settings.key_path).keys
    for i, stored in enumerate(keys):
        table.add_row(stored.key.kid or "", str(stored.created_at), "yes" if i == len(keys) - 1 else "")
    out.print(table)
