"""The callers' standing (tenants/standing.py) on a real database and a real Redis: a disabled
client is refused, narrowed scopes are cut, and a change announced by one process reaches another
through the stamp within CHECK_SECONDS; without a shared store a standing lives LOCAL_STANDING_SECONDS."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from sqlalchemy import update

from runxin.platform.db.base import utcnow
from runxin.platform.errors import PermissionDenied
from runxin.platform.identity.models import ApiClient
from runxin.platform.sharedstate import MemoryState, RedisState
from runxin.tenants import clients
from runxin.tenants.standing import CHECK_SECONDS, LOCAL_STANDING_SECONDS, PrincipalStanding, announce
from runxin.tenants.tokens import TokenClaims
from tests.factories.tree import make_tree


async def _client(system_session, scopes: str) -> TokenClaims:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    created = await clients.create_client(system_session, tenant_code=tree.counties[0].code, name="MIS", scopes=scopes)
    await system_session.commit()
    client_id = created.client.client_id
    return TokenClaims(subject=client_id, tenant_id=tree.counties[0].id, roles=frozenset(), scopes=frozenset(scopes.split()), client_id=client_id)


async def _change(system_session, client_id: str, **values: object) -> None:  # type: ignore[no-untyped-def]
    await system_session.execute(update(ApiClient).where(ApiClient.client_id == client_id).values(**values))
    await system_session.commit()


async def _refused_within(standing: PrincipalStanding, sessionmaker, claims: TokenClaims, seconds: float) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while time.monotonic() - start < seconds + 2:
        try:
            await standing.check(sessionmaker, claims)
        except PermissionDenied:
            return time.monotonic() - start
        await asyncio.sleep(0.02)
    pytest.fail("never refused")


async def test_a_change_announced_at_one_process_holds_at_another_within_the_check_interval(
    system_session, sessionmaker, redis_url: str, redis_prefix: str
) -> None:
    # Given two processes' standings on one Redis, both having seen the client in good standing
    claims = await _client(system_session, "tenants:read centres:read")
    a, b = RedisState(redis_url, redis_prefix), RedisState(redis_url, redis_prefix)
    here, there = PrincipalStanding(a), PrincipalStanding(b)
    try:
        assert await here.check(sessionmaker, claims) == claims
        assert await there.check(sessionmaker, claims) == claims
        # When its scopes are narrowed and the change announced
        await _change(system_session, claims.client_id, scopes="centres:read")
        await announce(a)
        await asyncio.sleep(CHECK_SECONDS)
        # Then the other process cuts the token's scopes to the registered one
        assert (await there.check(sessionmaker, claims)).scopes == {"centres:read"}
        # When it is disabled and announced, the other process refuses it within the interval
        await _change(system_session, claims.client_id, disabled_at=utcnow())
        await announce(a)
        assert await _refused_within(there, sessionmaker, claims, CHECK_SECONDS) <= CHECK_SECONDS + 0.1
    finally:
        await a.aclose()
        await b.aclose()


async def test_without_a_shared_store_a_standing_lives_a_second(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    claims = await _client(system_session, "tenants:read")
    standing = PrincipalStanding(MemoryState())
    assert await standing.check(sessionmaker, claims) == claims
    await _change(system_session, claims.client_id, disabled_at=utcnow())
    took = await _refused_within(standing, sessionmaker, claims, LOCAL_STANDING_SECONDS)
    assert took <= LOCAL_STANDING_SECONDS + 0.1


async def test_forget_drops_this_process_caches_at_once_and_tells_the_others(
    system_session, sessionmaker, redis_url: str, redis_prefix: str
) -> None:
    claims = await _client(system_session, "tenants:read")
    state = RedisState(redis_url, redis_prefix)
    places = {uuid.uuid4(): "a cached tenant place"}
    standing = PrincipalStanding(state, places)
    try:
        await standing.check(sessionmaker, claims)
        await _change(system_session, claims.client_id, disabled_at=utcnow())
        standing.forget()
        # Then this process re-reads at once, its other caches are empty, and the stamp moved
        assert not places
        with pytest.raises(PermissionDenied, match="disabled"):
            await standing.check(sessionmaker, claims)
        await asyncio.sleep(0.05)
        assert await state.stamp("principals") == 1
    finally:
        await state.aclose()


async def test_a_user_token_is_not_looked_up(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    user = TokenClaims(subject="u", tenant_id=uuid.uuid4(), roles=frozenset({"ADMIN"}), scopes=frozenset(), client_id=None)
    assert await PrincipalStanding(MemoryState()).check(sessionmaker, user) is user
