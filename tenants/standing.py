"""Whether a token's caller still stands: its API client not disabled, its scopes still registered.

An access token is a self-contained JWT, so on its own a disabled client's tokens would work until
they expire (up to RUNXIN_TOKEN_TTL_SECONDS) and a client whose scopes were narrowed would keep the
old ones. Every request is therefore checked against the client's registration: a disabled client is refused, and the token's scopes are cut to those registered now. Users' roles
come from the token their identity provider (or `runxin token`) signed; there is no membership
table to check them against, so a user's role change takes effect with their next token.

Registrations are cached per process. Whoever changes a client (`runxin clients disable` /
`set-scopes`) or a city's disclosure policy moves the change stamp `principals` in the shared
store; each process reads the stamp at most every CHECK_SECONDS and drops its cached standings and
tenant places when it moved — so a change reaches every process within a second. If the store
does not answer, the caches are dropped (the database is the truth) rather than trusted. Without a
shared store a standing is cached for at most LOCAL_STANDING_SECONDS, because the command that
disables a client runs in another process, which cannot reach this one's memory.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from runxin.platform.errors import PermissionDenied
from runxin.platform.identity.models import ApiClient
from runxin.platform.sharedstate import SharedState, SharedStateUnavailable
from runxin.tenants.scoping import as_system
from runxin.tenants.tokens import TokenClaims

log = logging.getLogger("runxin.api.standing")

STAMP = "principals"
CHECK_SECONDS = 0.5
LOCAL_STANDING_SECONDS = 1.0
# With a shared store the stamp makes a change immediate; this only bounds a stamp that was lost.
SHARED_STANDING_SECONDS = 10.0


UNREGISTERED: frozenset[str] = frozenset({"*unregistered*"})


@dataclass(frozen=True, slots=True)
class Standing:
    disabled: bool
    scopes: frozenset[str]
    fetched_at: float


class PrincipalStanding:
    """One process's view of the callers' standing, kept fresh through the shared change stamp."""

    def __init__(self, state: SharedState, *caches: MutableMapping[Any, Any]) -> None:
        self.state = state
        # Other per-process caches about callers (the tenant places): dropped with ours.
        self._caches = caches
        self._clients: dict[str, Standing] = {}
        self._stamp: int | None = None
        self._checked_at = -CHECK_SECONDS
        self._ttl = SHARED_STANDING_SECONDS if state.shared else LOCAL_STANDING_SECONDS
        self._pending: set[asyncio.Task[Any]] = set()

    def _drop(self) -> None:
        self._clients.clear()
        for cache in self._caches:
            cache.clear()

    async def sync(self) -> None:
        """Drop what this process cached if the stamp moved (reads it at most every CHECK_SECONDS)."""
        now = time.monotonic()
        if now - self._checked_at < CHECK_SECONDS:
            return
        self._checked_at = now
        try:
            stamp = await self.state.stamp(STAMP)
        except SharedStateUnavailable as exc:
            log.warning("change stamp unavailable, reading callers' standing from the database: %s", exc)
            self._drop()
            return
        if stamp != self._stamp:
            self._stamp = stamp
            self._drop()

    async def check(self, sessionmaker: async_sessionmaker[AsyncSession], claims: TokenClaims) -> TokenClaims:
        """The claims as they stand now: refused if the client is gone or disabled, scopes cut to the registered ones."""
        await self.sync()
        if claims.client_id is None:
            return claims
        standing = self._clients.get(claims.client_id)
        if standing is None or time.monotonic() - standing.fetched_at > self._ttl:
            standing = await _load(sessionmaker, claims.client_id)
            self._clients[claims.client_id] = standing
        if standing.disabled:
            raise PermissionDenied("The API client of this token is disabled; ask the bureau that registered it.")
        if standing.scopes is not UNREGISTERED and not claims.scopes <= standing.scopes:
            return dataclasses.replace(claims, scopes=claims.scopes & standing.scopes)
        return claims

    def forget(self) -> None:
        """Drop the cached standings here at once, and tell every other process (in the background)."""
        self._drop()
        task = asyncio.get_running_loop().create_task(self._announce())
        self._pending.add(task)  # keep a reference until it is done
        task.add_done_callback(self._pending.discard)

    async def _announce(self) -> None:
        try:
            await announce(self.state)
        except SharedStateUnavailable as exc:
            log.error("could not tell other processes about a change to callers' standing: %s", exc)


async def announce(state: SharedState) -> None:
    """Move the change stamp: every process drops its cached standings within CHECK_SECONDS."""
    await state.bump(STAMP)


async def _load(sessionmaker: async_sessionmaker[AsyncSession], client_id: str) -> Standing:
    async with sessionmaker() as session:
        # Who the caller is is read before any scope exists.
        as_system(session, "principal standing")
        row = (await session.execute(select(ApiClient.disabled_at, ApiClient.scopes).where(ApiClient.client_id == client_id))).first()
    if row is None:
        # Clients are disabled, never deleted: a token naming an unknown client was signed with our
        # key outside the token endpoint (`runxin token`, tests), so there is no registration to hold it to.
        return Standing(disabled=False, scopes=UNREGISTERED, fetched_at=time.monotonic())
    return Standing(disabled=row.disabled_at is not None, scopes=frozenset(row.scopes.split()), fetched_at=time.monotonic())
