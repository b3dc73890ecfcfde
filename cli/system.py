"""Running one command's work in a committed system-session transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.config import Settings
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.errors import RunxinError
from runxin.tenants.scoping import ScopedSession, as_system

T = TypeVar("T")


def run_as_system(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]], reason: str, err: Console) -> T:
    """Run `work` in one committed system-session transaction; a domain error ends the command (exit 2)."""

    async def main() -> T:
        engine = make_engine(settings.database_url)
        try:
            async with make_sessionmaker(engine, ScopedSession)() as session:
                as_system(session, reason)
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except RunxinError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
