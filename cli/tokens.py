"""Issuing local tokens for a tenant by code."""

from __future__ import annotations

from sqlalchemy import select

from runxin.platform.config import Settings
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.errors import Invalid, NotFound
from runxin.platform.tree.models import Tenant
from runxin.tenants.policy import Role
from runxin.tenants.scoping import ScopedSession, as_system
from runxin.tenants.tokens import TokenService
from runxin.tenants.tokens import token_service as tenants_token_service


def token_service(settings: Settings) -> TokenService:
    """Signs with the newest key of the key set (runxin keys rotate)."""
    return tenants_token_service(settings)


async def issue_token(settings: Settings, code: str, roles: list[str], subject: str | None, ttl: int | None) -> str:
    """A signed token for a user of the tenant with `code`."""
    unknown = [r for r in roles if r not in Role.__members__]
    if unknown:
        raise Invalid("role", "ROLE_UNKNOWN", f"Unknown role {', '.join(unknown)}; use one of {', '.join(Role.__members__)}.")
    if ttl is not None and not 60 <= ttl <= 3600:
        raise Invalid("ttl", "TTL_RANGE", "--ttl is between 60 and 3600 seconds.")
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine, ScopedSession)() as session:
            as_system(session, "issue token")
            tenant_id = (await session.execute(select(Tenant.id).where(Tenant.code == code.strip()))).scalar_one_or_none()
    finally:
        await engine.dispose()
    if tenant_id is None:
        raise NotFound(f"No tenant with code {code!r}; list them with a tenants query or seed the database first.")
    return token_service(settings).issue(
        subject=subject or f"{roles[0].lower()}@{code}", tenant_id=tenant_id, roles=roles, ttl_seconds=ttl
    )
