"""A school's recognitions as a mental-health model school (心理健康特色学校), one row per award.

The school owns the row (it is a fact about the school, and the bureaus above see it as an
institutional record); the bureau at or above the award's level writes it (services.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from runxin.platform.db.base import Base, TenantOwned

# From the lowest up; a school's standing is its highest level in force.
RECOGNITION_LEVELS = ("COUNTY", "CITY", "PROVINCE", "NATIONAL")
# What the 15% target counts (seeds/001 §二 "市级及以上心理健康特色学校").
COUNTED_LEVELS = ("CITY", "PROVINCE", "NATIONAL")


class ModelSchoolRecognition(TenantOwned, Base):
    __tablename__ = "model_school_recognition"

    level: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    recognised_on: Mapped[dt.date] = mapped_column()
    awarded_by: Mapped[str] = mapped_column(String(200))  # the awarding authority, as on the certificate
    # Required for a new record; recognitions carried over from the profile's level (migration
    # 0012) have none.
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    valid_until: Mapped[dt.date | None] = mapped_column()  # the last day it is in force; none: no end
    revoked_on: Mapped[dt.date | None] = mapped_column()  # the day it was withdrawn (摘牌); no longer in force from then


def in_force_on(recognition: ModelSchoolRecognition | dict, day: dt.date) -> bool:
    """Is the recognition in force on `day`: granted by then, not yet revoked, not expired?"""
    get = recognition.get if isinstance(recognition, dict) else lambda key: getattr(recognition, key)
    revoked, until = get("revoked_on"), get("valid_until")
    return get("recognised_on") <= day and (revoked is None or revoked > day) and (until is None or until >= day)


def highest_level(recognitions: list, day: dt.date) -> str:
    """The highest level of `recognitions` in force on `day`, or NONE."""
    levels = [r.level if not isinstance(r, dict) else r["level"] for r in recognitions if in_force_on(r, day)]
    return max(levels, key=RECOGNITION_LEVELS.index) if levels else "NONE"
