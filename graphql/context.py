"""The typed, request-scoped context: who is asking, one database session, the DataLoaders.

Sibling fields resolve concurrently but an AsyncSession must not be used by two tasks at once, so
every statement goes through `RequestDatabase`, which serialises use of the one session with a
lock and fetches rows fully before releasing it. Batching by the DataLoaders keeps the number of
statements (and so the waiting) small.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from runxin.platform.audit.collector import AuditCollector
from runxin.platform.config import Settings
from runxin.platform.db.engine import WRITE_TRANSACTION
from runxin.platform.standards import Standard, standard
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import as_system, bind_principal

if TYPE_CHECKING:
    from strawberry.types import Info as _Info

T = TypeVar("T")


class RequestDatabase:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        principal: Principal | None,
        after_write: Callable[[AsyncSession], Awaitable[None]] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._principal = principal
        # Told about each committed write (the replica router records its WAL position: read-your-writes).
        self._after_write = after_write
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        # The statement running now. When a sibling field fails, graphql-core cancels the other
        # resolvers; a statement cancelled mid-execute kills the connection, so statements are
        # shielded and whoever uses the session next waits for the one in flight to finish.
        self._in_flight: asyncio.Future[Any] | None = None

    def _open(self) -> AsyncSession:
        if self._session is None:
            self._session = self._sessionmaker()
            if self._principal is not None:
                bind_principal(self._session, self._principal)
        return self._session

    async def _settle(self) -> None:
        if self._in_flight is not None and not self._in_flight.done():
            await asyncio.wait([self._in_flight])

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` with the request's session, alone, to its end even if the caller is cancelled."""
        async with self._lock:
            await self._settle()
            task = asyncio.ensure_future(work(self._open()))
            # Retrieve the outcome of work nobody awaits any more, so its error is not reported as lost.
            task.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._in_flight = task
            return await asyncio.shield(task)

    async def system(self, work: Callable[[AsyncSession], Awaitable[T]], reason: str) -> T:
        """Run `work` in a system session of its own, beside the request's (which stays scoped): for
        reads that decide what the caller may see of its own, such as the suppression pattern of the
        whole tree (runxin.platform.disclosure.patterns)."""
        async with self._sessionmaker() as session:
            as_system(session, reason)
            return await work(session)

    async def rows(self, statement: Any) -> list[Any]:
        """Run a select and return all its rows."""

        async def fetch(session: AsyncSession) -> list[Any]:
            return list((await session.execute(statement)).all())

        return await self.run(fetch)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction for one mutation: committed if the block succeeds, rolled back otherwise."""
        async with self._lock:
            await self._settle()
            session = self._open()
            if session.in_transaction():
                await session.commit()  # end the read transaction so the write sees fresh data
            try:
                await session.connection(execution_options={WRITE_TRANSACTION: True})
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            if self._after_write is not None:
                await self._after_write(session)

    async def close(self) -> None:
        async with self._lock:
            await self._settle()
            if self._session is not None:
                await self._session.close()
                self._session = None


@dataclass
class Context:
    settings: Settings
    principal: Principal | None
    db: RequestDatabase
    # What the operation read and wrote, for its audit event (graphql/audit/recording.py).
    audit: AuditCollector = field(default_factory=AuditCollector)
    _loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)
    # What the request cost (a runxin.graphql.cost.CostOutcome), set before execution: the endpoint
    # answers 429 with Retry-After when it says RATE_LIMITED.
    cost: Any = None
    # The document's measured runxin.graphql.cost.Cost, kept with a cached answer to charge it again.
    measured_cost: Any = None
    # Drops the server's cached principals (tenant places, city rules) after a change to them; other
    # server processes see the change when their cache entry expires (30 s).
    forget_principals: Callable[[], None] = lambda: None

    @property
    def standard(self) -> Standard:
        return standard(self.settings.standards_version)

    def loader(self, name: str, factory: Callable[[Context], DataLoader[Any, Any]]) -> DataLoader[Any, Any]:
        """The request's DataLoader called `name`, made on first use."""
        loader = self._loaders.get(name)
        if loader is None:
            loader = self._loaders[name] = factory(self)
        return loader


if TYPE_CHECKING:
    Info = _Info[Context, None]
else:
    from strawberry.types import Info as _StrawberryInfo

    Info = _StrawberryInfo[Context, None]
