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


def announce_standing_change(settings: Settings, err: Console) -> None:
    """Tell the running servers that a client changed (RUNXIN_REDIS_URL): they re-read it within 1 s.

    Without a shared store the servers re-read a client's registration at least every second anyway.
    """
    from runxin.platform.sharedstate import SharedStateUnavailable, shared_state_for
    from runxin.tenants.standing import announce

    if not settings.redis_url:
        return

    async def main() -> None:
        state = shared_state_for(settings)
        try:
            await announce(state)
        finally:
            await state.aclose()

    try:
        asyncio.run(main())
    except SharedStateUnavailable as exc:
        err.print(f"[yellow]warning:[/yellow] the change is saved, but the servers could not be told at once ({exc}); they see it within 10 s.")
