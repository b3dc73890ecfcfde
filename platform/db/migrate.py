"""Run Alembic programmatically, so `runxin db upgrade` works from an installed package."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database up to `revision`; safe to run again (it does nothing when current)."""
    _prepare(database_url)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def _prepare(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def run_in_thread_safe(fn, *args):  # type: ignore[no-untyped-def]
    """Alembic's env.py runs its own event loop: call it outside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args)
    raise RuntimeError("Run migrations before starting the event loop (or in a worker thread).")
