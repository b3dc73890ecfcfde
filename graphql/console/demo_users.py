"""The users the local (development and demo) sign-in offers: ADMIN and DATA_OFFICER of the first
city, its first county and that county's first school, the same tenants `runxin demo` prints tokens for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from runxin.platform.tree.models import Tenant
from runxin.tenants.scoping import as_system

ROLES = ("ADMIN", "DATA_OFFICER")


@dataclass(frozen=True, slots=True)
class DemoUser:
    tenant_id: uuid.UUID
    code: str
    name: str
    kind: str
    role: str

    @property
    def subject(self) -> str:
        return f"{self.role.lower()}@{self.code}"

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "kind": self.kind, "role": self.role, "subject": self.subject}


async def demo_users(sessionmaker: async_sessionmaker[AsyncSession]) -> list[DemoUser]:
    """Empty on an unseeded database."""
    async with sessionmaker() as session:
        # The sign-in page is shown before anyone is signed in: the tree is read as the system.
        as_system(session, "console demo users")
        city = (await session.execute(select(Tenant).where(Tenant.kind == "CITY").order_by(Tenant.code).limit(1))).scalar_one_or_none()
        if city is None:
            return []
        county = (
            await session.execute(select(Tenant).where(Tenant.parent_id == city.id).order_by(Tenant.code).limit(1))
        ).scalar_one_or_none()
        school = None
        if county is not None:
            school = (
                await session.execute(select(Tenant).where(Tenant.parent_id == county.id).order_by(Tenant.code).limit(1))
            ).scalar_one_or_none()
        tenants = [t for t in (city, county, school) if t is not None]
        return [DemoUser(t.id, t.code, t.name, t.kind, role) for t in tenants for role in ROLES]
