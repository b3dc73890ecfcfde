"""One disclosure policy per city (the root of a tree); a city without a row uses the defaults."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned
from runxin.platform.disclosure.rules import DEFAULT_RULES


class DisclosurePolicy(TenantOwned, Base):
    """`tenant_id` is the city. Lists are comma-separated (see `rules.DisclosureRules`)."""

    __tablename__ = "disclosure_policy"

    detail_resources: Mapped[str] = mapped_column(String(300), default=",".join(DEFAULT_RULES.detail_resources))
    personal_roles: Mapped[str] = mapped_column(String(200), default=",".join(DEFAULT_RULES.personal_roles))
    personal_fields: Mapped[str] = mapped_column(String(200), default=",".join(DEFAULT_RULES.personal_fields))
    suppression_threshold: Mapped[int] = mapped_column(default=DEFAULT_RULES.suppression_threshold)

    __table_args__ = (UniqueConstraint("tenant_id"),)
