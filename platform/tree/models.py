"""Tenant nodes and their effective-dated parent links."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, HasId, PathString, Timestamped


class TenantKind(enum.StrEnum):
    PROVINCE = "PROVINCE"
    CITY = "CITY"
    COUNTY = "COUNTY"
    SCHOOL = "SCHOOL"


# Which kind may sit under which: the tree is generic, the allowed shapes are data.
ALLOWED_PARENT: dict[TenantKind, tuple[TenantKind | None, ...]] = {
    TenantKind.PROVINCE: (None,),
    TenantKind.CITY: (None, TenantKind.PROVINCE),
    TenantKind.COUNTY: (TenantKind.CITY,),
    TenantKind.SCHOOL: (TenantKind.COUNTY,),
}


class Tenant(HasId, Timestamped, Base):
    """A node of the tree. `path` is `/<id hex>/.../<own id hex>/`, compared byte-wise."""

    __tablename__ = "tenant"

    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"), index=True)
    path: Mapped[str] = mapped_column(PathString, unique=True)
    depth: Mapped[int] = mapped_column()
    # The top of this node's tree (the city, or the province where there is one).
    root_id: Mapped[uuid.UUID] = mapped_column(index=True)

    __table_args__ = (Index("ix_tenant_kind_path", "kind", "path"),)


class TenantParentLink(HasId, Base):
    """Who a tenant's parent was, and when: history survives a school moving county."""

    __tablename__ = "tenant_parent_link"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"))
    valid_from: Mapped[dt.datetime] = mapped_column()
    valid_to: Mapped[dt.datetime | None] = mapped_column()
