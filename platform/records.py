"""Create and update tenant-owned records the same way in every domain.

A domain supplies its model, which tenant kinds may own it, and a validate function over the
record's full set of values; this module does the loading (through the scoped session, so a record
outside the caller's subtree is simply not found), merging, validating and flushing. Nothing is
flushed unless every check passed, and the caller's transaction decides the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.db.base import TenantOwned
from runxin.platform.db.conflicts import lost_race
from runxin.platform.errors import Conflict, Invalid, InvalidMany, NotFound
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.services import get_tenant

M = TypeVar("M", bound=TenantOwned)
Validator = Callable[[Mapping[str, Any], Tenant], None]

# Never settable through an input: identity and bookkeeping columns.
_PROTECTED = frozenset({"id", "tenant_id", "root_id", "created_at", "updated_at"})


def record_values(record: TenantOwned) -> dict[str, Any]:
    """The record's current column values by attribute name."""
    return {c.key: getattr(record, c.key) for c in record.__mapper__.column_attrs}


async def get_record(session: AsyncSession, model: type[M], record_id: uuid.UUID, *, field: str = "id") -> M:
    record = (await session.execute(select(model).where(model.id == record_id))).scalar_one_or_none()
    if record is None:
        raise NotFound(f"No {model.__tablename__.replace('_', ' ')} with that id in your part of the tree.", field=field)
    return record


def _reject_nulls(model: type, values: Mapping[str, Any]) -> None:
    errors = [
        Invalid(key, "REQUIRED", f"{key} cannot be null; leave it out to keep the current value or give one.")
        for key, value in values.items()
        if value is None and key in model.__table__.columns and not model.__table__.columns[key].nullable  # type: ignore[attr-defined]
    ]
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InvalidMany(errors)


def check_owner_kind(tenant: Tenant, kinds: tuple[str, ...], what: str) -> None:
    if tenant.kind not in kinds:
        raise Invalid(
            "tenantId", "TENANT_KIND", f"A {what} belongs to a {' or '.join(k.lower() for k in kinds)}, not to a {tenant.kind.lower()}."
        )


async def create_record(
    session: AsyncSession,
    model: type[M],
    *,
    tenant_id: uuid.UUID,
    values: Mapping[str, Any],
    owner_kinds: tuple[str, ...],
    validate: Validator,
) -> M:
    """Validate and add a new record for `tenant_id`; flushes, does not commit."""
    tenant = await get_tenant(session, tenant_id)
    check_owner_kind(tenant, owner_kinds, model.__tablename__.replace("_", " "))
    clean = {k: v for k, v in values.items() if k not in _PROTECTED}
    _reject_nulls(model, clean)
    defaults = {c.key: c.default.arg for c in model.__table__.columns if c.default is not None and not callable(c.default.arg)}
    validate({**defaults, **clean}, tenant)
    record = model(tenant_id=tenant.id, root_id=tenant.root_id, **clean)
    session.add(record)
    await session.flush()
    return record


async def update_record(
    session: AsyncSession,
    model: type[M],
    record_id: uuid.UUID,
    *,
    changes: Mapping[str, Any],
    validate: Validator,
) -> M:
    """Apply `changes` (only the fields given) after validating the merged record."""
    record = await get_record(session, model, record_id)
    tenant = await get_tenant(session, record.tenant_id)
    clean = {k: v for k, v in changes.items() if k not in _PROTECTED}
    _reject_nulls(model, clean)
    validate({**record_values(record), **clean}, tenant)
    for key, value in clean.items():
        setattr(record, key, value)
    await session.flush()
    return record


async def upsert_record(
    session: AsyncSession,
    model: type[M],
    *,
    key: Mapping[str, Any],
    tenant_id: uuid.UUID,
    values: Mapping[str, Any],
    owner_kinds: tuple[str, ...],
    validate: Validator,
) -> M:
    """Update the record whose natural `key` matches (found through the scoped session), or create it.

    Running it twice with the same input changes nothing the second time, so workers and API
    clients may retry it.
    """
    existing = (await session.execute(select(model).filter_by(**key))).scalar_one_or_none()
    if existing is not None:
        return await update_record(session, model, existing.id, changes=values, validate=validate)
    try:
        return await create_record(
            session, model, tenant_id=tenant_id, values={**values, **key}, owner_kinds=owner_kinds, validate=validate
        )
    except DBAPIError as exc:
        if not lost_race(exc):
            raise
        # Another transaction inserted the same key between our lookup and our flush (on SQLite
        # the loser sees "database is locked": its snapshot is stale). A SAVEPOINT
        # retry would hide that here, but SAVEPOINTs through pysqlite/aiosqlite release into a
        # COMMIT of the outer transaction, so the caller rolls back and sends the input again: the
        # second run finds the row and updates it.
        what = model.__tablename__.replace("_", " ")
        raise Conflict(
            f"A {what} for the same {', '.join(key)} was recorded at the same moment; send it again to update it.",
            code="CONCURRENT_WRITE",
        ) from exc
