"""Settle the rollups in a test the way the workers do: recompute pending tenants until none is."""

from __future__ import annotations

import datetime as dt

from runxin.platform.rollup.recompute import pending_tenants, recompute_tenant
from runxin.platform.standards import STANDARDS
from runxin.tenants.scoping import as_system


async def drain(sessionmaker, *, years: tuple[int, ...], standard: str = "2023") -> int:  # type: ignore[no-untyped-def]
    """Recompute until nothing is pending; return how many recomputes ran."""
    runs = 0
    for _ in range(100):
        async with sessionmaker() as session:
            as_system(session, "test drain")
            pending = await pending_tenants(session, now=dt.datetime.now(dt.UTC), grace=dt.timedelta(0), rering=dt.timedelta(0))
        if not pending:
            return runs
        for tenant_id, _ in pending:
            async with sessionmaker() as session:
                as_system(session, "test drain")
                await recompute_tenant(session, tenant_id, years=years, standard=STANDARDS[standard])
                await session.commit()
                runs += 1
    raise AssertionError("the rollup did not settle in 100 rounds")
