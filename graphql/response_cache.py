"""The response cache: a query's answer kept per caller and per version of the data it was read from.

A dashboard polls the same document over and over, and a bureau's data changes a few times a day;
computing the same answer again is most of the read path's cost. An answer is kept under

    (document, operation name, variables, the principal, the data version it can see, today)

- the principal whole (subject, client, tenant, roles, scopes and the disclosure rules in force):
  whatever decides scoping, masking, suppression and field permissions is part of the key, so an
  answer is never given to anyone whose answer could differ;
- the data version (platform/dataversion.py), read from the database before the query runs: every
  committed write that can change what this principal sees moves it, in every server process, so a
  write invalidates exactly (a sibling's write does not), and read-your-writes holds. A document
  that asks for indicator figures (FIGURE_MENTIONS) is the exception: which student-derived figures
  are suppressed is decided over the whole tree, so any write under the root moves its version;
- today's date: the default school year, entry-window lateness and target standing depend on it.

Only answers without errors of query operations are kept, and none of a document that mentions
`auditEvents` (the audit log grows with every request, this one included). A hit still goes through
everything around execution: the principal is checked, the cost is charged to the caller's bucket
(the stored cost of the same document and variables), and the audit event is written with the same
disclosures the first execution recorded. Entries live at most `RUNXIN_RESPONSE_CACHE_SECONDS` and
the cache holds at most `RUNXIN_RESPONSE_CACHE_MB` of answers (least recently used go first); it is
per process, and its correctness does not depend on that: the version is in the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from cachetools import TTLCache
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from runxin.platform.audit.collector import AuditCollector
from runxin.platform.dataversion import READER_SQL_POSTGRESQL, reader_ids, reader_statement, reader_version
from runxin.platform.db.engine import make_engine
from runxin.tenants.principal import Principal

UNCACHED_MENTIONS = ("auditEvents",)
# The fields through which indicator figures (and what is derived from them: a target's status, gap
# and trend) reach an answer. A document that names one carries student-derived figures whose
# suppression pattern is the whole tree's, so its version includes the root's writes
# (dataversion.reader_version `whole_tree`). A test walks the schema to keep this list complete.
FIGURE_MENTIONS = (
    "indicators",
    "targetProgress",
    "progress",
    "childrenBehind",
    "current",
    "approved",
    "history",
    "figures",
    "snapshot",
    "changesSinceApproved",
    "adxDocument",
)


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    data: bytes  # the answer's `data`, serialised
    cost: Any  # the document's measured runxin.graphql.cost.Cost, charged again on every hit
    operation_type: str | None
    operation_name: str | None
    audit: AuditCollector  # what the first execution disclosed, replayed into each hit's audit event
    key_size: int  # bytes the key holds (the document above all)


class VersionReader:
    """Looks up the data version of a reader, one round trip per request (retried once on a
    connection the database dropped). On PostgreSQL through asyncpg's own pool and a prepared
    statement; elsewhere through an engine of its own."""

    def __init__(self, database_url: str) -> None:
        self._url = make_url(database_url)
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()  # the first requests arrive together: open one pool, not several
        self._engine: AsyncEngine | None = None
        if self._url.get_backend_name() != "postgresql":
            self._engine = make_engine(database_url, pool_size=4, pre_ping=False).execution_options(isolation_level="AUTOCOMMIT")

    async def version(self, path: str, *, whole_tree: bool = False) -> tuple[int, ...]:
        for attempt in (1, 2):
            try:
                return reader_version(path, await self._rows(path), whole_tree=whole_tree)
            except (DBAPIError, OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as exc:
                if attempt == 2 or (isinstance(exc, DBAPIError) and not exc.connection_invalidated):
                    raise
        raise AssertionError("unreachable")

    async def _rows(self, path: str) -> list[Any]:
        if self._engine is not None:
            async with self._engine.connect() as connection:
                return list((await connection.execute(reader_statement(path))).all())
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    dsn = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
                    self._pool = await asyncpg.create_pool(
                        dsn, min_size=1, max_size=4, server_settings={"application_name": "runxin-versions"}, reset=_keep_session
                    )
        return list(await self._pool.fetch(READER_SQL_POSTGRESQL, reader_ids(path)))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
        if self._engine is not None:
            await self._engine.dispose()


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """The pool's reset on release, made a no-op: the look-up changes no session state, and the
    default reset (RESET ALL and friends) would be a second round trip per request."""


class ResponseCache:
    def __init__(
        self, versions: VersionReader, *, max_bytes: int, ttl_seconds: float, replica_versions: VersionReader | None = None
    ) -> None:
        self._versions = versions
        self._replica_versions = replica_versions
        self._entries: TTLCache[Any, CachedAnswer] = TTLCache(maxsize=max_bytes, ttl=ttl_seconds, getsizeof=_size)
        # The newest key of each (document, variables, principal): versions only grow, so an answer
        # of an older version can never be asked for again and is dropped when a newer one is kept.
        self._newest: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        # Answers being computed now, so that concurrent requests for one key wait for the first
        # instead of each computing it (under load a slow answer would otherwise never be cached).
        self._computing: dict[tuple[Any, ...], asyncio.Future[CachedAnswer | None]] = {}
        self.hits = 0
        self.misses = 0

    async def key(self, payload: dict[str, Any], principal: Principal, *, on_replica: bool = False) -> tuple[Any, ...] | None:
        """The key of this request's answer, or None when it must not be cached.

        `on_replica`: the query will read the streaming replica, so its version is read there too —
        the replica's data is then at least as new as its version, never older.
        """
        document = payload.get("query")
        if not isinstance(document, str) or any(word in document for word in UNCACHED_MENTIONS):
            return None
        variables = payload.get("variables")
        try:
            canonical = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS) if variables else b""
        except TypeError:
            return None  # a file upload (multipart request): a mutation, never cached
        versions = self._replica_versions if on_replica and self._replica_versions is not None else self._versions
        # A school's own people see its own figures whole; every other reader sees the tree's pattern.
        school_itself = principal.tenant_kind == "SCHOOL" and principal.client_id is None
        whole_tree = not school_itself and any(word in document for word in FIGURE_MENTIONS)
        version = await versions.version(principal.tenant_path, whole_tree=whole_tree)
        return (document, payload.get("operationName"), canonical, principal, version, dt.date.today())

    async def close(self) -> None:
        await self._versions.close()
        if self._replica_versions is not None:
            await self._replica_versions.close()

    def get(self, key: tuple[Any, ...]) -> CachedAnswer | None:
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def claim(self, key: tuple[Any, ...]) -> asyncio.Future[CachedAnswer | None] | None:
        """None: the caller computes this answer and must `settle` it; else the answer another request
        is computing (None if it could not be kept: the caller then executes on its own)."""
        computing = self._computing.get(key)
        if computing is not None:
            return computing
        self._computing[key] = asyncio.get_running_loop().create_future()
        return None

    def settle(self, key: tuple[Any, ...]) -> None:
        """The claimed computation is over: wake whoever waits for it with what was kept."""
        computing = self._computing.pop(key, None)
        if computing is not None and not computing.done():
            computing.set_result(self._entries.get(key))

    def put(self, key: tuple[Any, ...], answer: CachedAnswer) -> None:
        if _size(answer) > self._entries.maxsize:
            return
        base = key[:4]
        older = self._newest.get(base)
        if older is not None and older != key:
            self._entries.pop(older, None)
        self._entries[key] = answer
        self._newest[base] = key
        if len(self._newest) > 2 * len(self._entries) + 1024:
            # Entries also leave by age and size: forget the bases whose answers are gone.
            self._newest = {b: k for b, k in self._newest.items() if k in self._entries}

    def __len__(self) -> int:
        return len(self._entries)


def key_size(key: tuple[Any, ...]) -> int:
    return len(key[0]) + len(key[2]) + 256


def _size(answer: CachedAnswer) -> int:
    return len(answer.data) + answer.key_size
