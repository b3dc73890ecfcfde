"""The seeded cities' county boundary files, written without the command line's machinery.

Seeding and the demo call `generate_synthetic`; they must not import `runxin.cli.main` (which
registers every command, this module's own among them, and would import itself half-made).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from runxin.platform.config import Settings
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.geo.boundaries import synthetic_counties, write_boundaries
from runxin.platform.tree.models import Tenant
from runxin.tenants.scoping import ScopedSession, as_system


async def counties_by_city(settings: Settings) -> dict[str, list[tuple[str, str]]]:
    """Every city's code with its counties' (code, name), in code order."""
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine, ScopedSession)() as session:
            as_system(session, "boundaries: read the tree")
            cities = (await session.execute(select(Tenant.id, Tenant.code).where(Tenant.kind == "CITY").order_by(Tenant.code))).all()
            result = {}
            for city_id, code in cities:
                rows = await session.execute(
                    select(Tenant.code, Tenant.name).where(Tenant.parent_id == city_id, Tenant.kind == "COUNTY").order_by(Tenant.code)
                )
                result[code] = [(c, n) for c, n in rows.all()]
            return result
    finally:
        await engine.dispose()


def generate_synthetic(settings: Settings) -> list[Path]:
    """Write synthetic grid boundaries for every city (the seed calls this)."""
    return [
        write_boundaries(settings.data_dir, city, synthetic_counties(counties))
        for city, counties in asyncio.run(counties_by_city(settings)).items()
    ]


