"""Staff records. Columns marked `info={"personal": True}` are personal data: masked for viewers
that policy does not allow, and (later) audited when read."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned

STAFF_KINDS = ("FULL_TIME", "PART_TIME", "HIRED_COUNSELLOR", "HOMEROOM", "TEACHER", "PRINCIPAL")
# Mental-health teachers: the 1:800 ratio and the mental-health teacher training count these.
MENTAL_HEALTH_TEACHER_KINDS = ("FULL_TIME", "PART_TIME")
# Every teacher of the school, school leaders included: all-staff mentorship ("教师人人是导师",
# seeds/002 §二) and the all-teacher training coverage count these. TEACHER is a subject teacher
# with no mental-health or homeroom post; a hired counsellor is not a teacher.
ALL_TEACHER_KINDS = ("FULL_TIME", "PART_TIME", "HOMEROOM", "TEACHER", "PRINCIPAL")
GENDERS = ("FEMALE", "MALE", "UNDISCLOSED")

PERSONAL = {"personal": True}


class Staff(TenantOwned, Base):
    __tablename__ = "staff"

    kind: Mapped[str] = mapped_column(String(20))
    # The employer's staff number (工号): the natural key a roster import matches rows by. Optional,
    # unique within the tenant (NULLs do not collide on either database).
    staff_code: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100), info=PERSONAL)
    gender: Mapped[str] = mapped_column(String(12), default="UNDISCLOSED", info=PERSONAL)
    birth_date: Mapped[dt.date | None] = mapped_column(info=PERSONAL)
    phone: Mapped[str] = mapped_column(String(32), default="", info=PERSONAL)
    # Comma-separated qualification codes, e.g. PSY_DEGREE, COUNSELLOR_CERT, TEACHER_CERT.
    qualifications: Mapped[str] = mapped_column(String(200), default="")
    strong_teacher: Mapped[bool] = mapped_column(default=False)  # the school's 骨干 mental-health teacher
    employed_since: Mapped[dt.date | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)

    # Counts by kind per tenant are the hot read; without statistics SQLite would otherwise pick
    # a kind-only index and scan every teacher of the deployment.
    __table_args__ = (Index("ix_staff_tenant_kind", "tenant_id", "kind"), UniqueConstraint("tenant_id", "staff_code"))


def personal_fields() -> tuple[str, ...]:
    """Names of the Staff attributes that are personal data."""
    return tuple(c.key for c in Staff.__table__.columns if c.info.get("personal"))
