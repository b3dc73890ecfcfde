"""Audit events written by group commit: many requests' events in one short transaction.

One transaction per event made the audit INSERT the largest part of a cached read (a pool checkout,
the scope, the INSERT, the COMMIT: about 2 ms of round trips and most of the request's CPU). The
writer keeps one task per server process that takes every event submitted since its last write and
writes them together: under load, a transaction carries as many events as requests arrived while
the previous one was being written; alone, an event is written at once.

Row-level security still sees whom each event works for: the events are grouped by the acting
tenant's path, and each group is inserted under its own scope (one `set_config` and one multi-row
INSERT per group), so an event outside its principal's subtree is refused as before.

A transaction that holds a personal-data read or a write waits for the WAL flush; one of
institutional reads only does not (`synchronous_commit = off`: such events may be lost in a crash
in the last fraction of a second, never half-written). Callers await their event's transaction and
learn whether it committed (graphql/audit/recording.py decides what a failure means).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from runxin.platform.audit.models import AuditEvent
from runxin.tenants.scoping import SET_DATABASE_SCOPE

log = logging.getLogger("runxin.audit")

MAX_BATCH = 500


async def write_events(engine: AsyncEngine, events: list[dict[str, Any]]) -> None:
    """Insert `events` in one transaction, each group under its acting tenant's scope.

    On the engine's connection, not in an ORM session: the events are plain rows, and the session's
    bookkeeping was most of the CPU an event cost.
    """
    by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for values in events:
        by_path[values["tenant_path"]].append(values)
    async with engine.begin() as connection:
        postgresql = connection.dialect.name == "postgresql"
        if postgresql and not any(v["personal_reads"] or v["writes"] for v in events):
            await connection.execute(text("SET LOCAL synchronous_commit = off"))
        for path, rows in by_path.items():
            if postgresql:
                await connection.execute(SET_DATABASE_SCOPE, {"path": path, "system": ""})
            await connection.execute(insert(AuditEvent.__table__), rows)


class AuditWriter:
    """The process's audit writer: `await writer.write(values)` returns once the event is committed."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="audit-writer")

    async def stop(self) -> None:
        """Write what is pending, then stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task

    async def write(self, values: dict[str, Any]) -> None:
        if self._task is None or self._task.done():
            # Not started (or stopped): write alone, as the caller expects it written.
            await write_events(self._engine, [values])
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((values, done))
        self._wake.set()
        await done

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                try:
                    await write_events(self._engine, [values for values, _ in batch])
                except Exception as exc:  # noqa: BLE001 - every waiting caller learns of it
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for _, done in batch:
                        if not done.done():
                            done.set_result(None)
            if self._closing:
                return

