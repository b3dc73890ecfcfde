"""The declarative base and the mixins every table shares."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, ForeignKey, MetaData, String, Uuid, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from runxin.platform.ids import new_id

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Materialised paths compare byte-wise on both databases so that a subtree is one range scan on a
# B-tree index: SQLite's default collation is BINARY, PostgreSQL needs "C" spelled out.
PathString = String(400).with_variant(String(400, collation="C"), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        uuid.UUID: Uuid(),
        dt.datetime: DateTime(timezone=True),
    }


class HasId:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.current_timestamp())
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.current_timestamp()
    )


class TenantOwned(HasId, Timestamped):
    """A record that belongs to one tenant of the tree.

    `tenants.scoping` filters every ORM statement on such models by the principal's subtree and
    fills `root_id` (the city at the top of the tenant's tree) at flush, so each row can be
    partitioned or policed by city without a join.
    """

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"), index=True)
    root_id: Mapped[uuid.UUID] = mapped_column(index=True)


def label(value: str, length: int = 32) -> Mapped[str]:
    """A short enumerated label column (stored as text on both databases)."""
    return mapped_column(String(length), default=value)


class SchoolPrivate(TenantOwned):
    """A record about one student (一生一档): it belongs to the school and never leaves it.

    `tenants.scoping` keeps such rows to the principal's OWN tenant, not its subtree: a county or
    city bureau, or an API client of another tenant, reads none and writes none (migration helpers
    in `platform/db/rls.py` give PostgreSQL the same wall). What the bureaus above see of them is
    counts, computed by the indicator engine's counting statements (the one exception, which
    only aggregates) and suppressed when small (platform/suppression.py).
    """
