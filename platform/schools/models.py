"""School profile and enrolment."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned


class SchoolProfile(TenantOwned, Base):
    """One per school tenant. `stages` is a comma-separated list of stage codes."""

    __tablename__ = "school_profile"

    category: Mapped[str] = mapped_column(String(2))  # the first two digits of the school code
    stages: Mapped[str] = mapped_column(String(64), default="")
    central_rank: Mapped[bool] = mapped_column(default=False)  # 中心校以上
    small_scale: Mapped[bool] = mapped_column(default=False)
    vocational: Mapped[bool] = mapped_column(default=False)
    independent: Mapped[bool] = mapped_column(default=True)  # 独立设置的学校
    cluster_centre_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenant.id", ondelete="SET NULL"))
    # The school's model-school level is no column: it is derived from its recognitions in force
    # (platform/recognitions), which the bureaus record.

    __table_args__ = (UniqueConstraint("tenant_id"),)


class SchoolEnrolment(TenantOwned, Base):
    """Students enrolled in a school year (school_year 2025 is 2025-2026)."""

    __tablename__ = "school_enrolment"

    school_year: Mapped[int] = mapped_column()
    students: Mapped[int] = mapped_column()

    __table_args__ = (UniqueConstraint("tenant_id", "school_year"),)
