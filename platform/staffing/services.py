"""Staff rules: what a valid mental-health teacher, counsellor or homeroom teacher record is."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.phones import is_mobile, normalise_phone
from runxin.platform.records import create_record, update_record
from runxin.platform.staffing.models import GENDERS, STAFF_KINDS, Staff
from runxin.platform.tree.models import Tenant
from runxin.platform.validation import Checks, join_codes

# Schools employ teachers and counsellors; a county employs its counselling centre's staff.
OWNER_KINDS = ("SCHOOL", "COUNTY")
QUALIFICATIONS = (
    "PSY_DEGREE",  # a degree in psychology
    "COUNSELLOR_CERT",  # psychological counsellor certificate (心理咨询师)
    "TEACHER_CERT",  # teacher qualification certificate (教师资格证)
    "SOCIAL_WORK_CERT",  # social worker certificate
    "MH_TEACHER_CERT",  # mental-health education teacher certificate (心理健康教育教师资格/C证等)
)
# Only the mental-health teachers themselves can be the school's strong (骨干) mental-health teacher.
STRONG_TEACHER_KINDS = ("FULL_TIME", "PART_TIME")
MIN_AGE, MAX_AGE = 18, 75
STAFF_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years of age on `day` (someone born on 29 February turns a year older on 1 March)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def validate_staff(values: Mapping[str, Any], tenant: Tenant, *, today: dt.date | None = None) -> None:
    """Raise Invalid/InvalidMany unless `values` describe a possible staff member."""
    today = today or dt.date.today()
    checks = Checks(values)
    checks.required("kind", "name")
    checks.choice("kind", STAFF_KINDS)
    checks.text("name", max_length=100, label="Name")
    code = values.get("staff_code")
    if code is not None and not STAFF_CODE.fullmatch(str(code)):
        checks.fail(
            "staff_code",
            "STAFF_CODE_FORMAT",
            f"{code!r} is not a staff number; use 1 to 32 letters, digits, '-' or '_' (the employer's 工号), or leave it empty.",
        )
    checks.choice("gender", GENDERS)
    checks.text("qualifications", min_length=0, max_length=200, label="Qualifications")
    checks.code_list("qualifications", QUALIFICATIONS, code="QUALIFICATION_UNKNOWN", label="Qualifications")
    phone = values.get("phone")
    if phone and not is_mobile(phone):
        checks.fail("phone", "PHONE_FORMAT", f"{phone!r} is not a mobile number; write 11 digits starting 13-19, e.g. 13812345678.")
    birth_date = values.get("birth_date")
    # Inactive records stay editable as their people age past the limit (history is kept).
    if birth_date is not None and values.get("active", True) is not False:
        age = age_on(birth_date, today)
        if not MIN_AGE <= age <= MAX_AGE:
            checks.fail(
                "birth_date",
                "AGE_OUT_OF_RANGE",
                f"birth_date {birth_date.isoformat()} makes this person {age} today; staff are {MIN_AGE} to {MAX_AGE} years old.",
            )
    checks.date_not_after("employed_since", today, reason="enter the day the employment began, not a planned one.")
    employed_since = values.get("employed_since")
    if birth_date is not None and employed_since is not None and age_on(birth_date, employed_since) < MIN_AGE:
        checks.fail(
            "employed_since",
            "EMPLOYED_UNDER_AGE",
            f"employed_since {employed_since.isoformat()} is before this person turned {MIN_AGE} "
            f"(born {birth_date.isoformat()}); check both dates.",
        )
    if values.get("strong_teacher") and values.get("kind") not in STRONG_TEACHER_KINDS:
        checks.fail(
            "strong_teacher",
            "STRONG_TEACHER_KIND",
            f"A {values.get('kind')} cannot be the strong mental-health teacher; only FULL_TIME or PART_TIME teachers can.",
        )
    checks.raise_if_any()


def normalised_staff(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values as stored: phone digits only, qualification codes joined, an empty staff code as none."""
    values = dict(values)
    if isinstance(values.get("staff_code"), str):
        values["staff_code"] = values["staff_code"].strip() or None
    if isinstance(values.get("phone"), str):
        values["phone"] = normalise_phone(values["phone"])
    if isinstance(values.get("qualifications"), str):
        values["qualifications"] = join_codes(values["qualifications"])
    return values


async def create_staff(session: AsyncSession, *, tenant_id: uuid.UUID, values: Mapping[str, Any]) -> Staff:
    return await create_record(
        session, Staff, tenant_id=tenant_id, values=normalised_staff(values), owner_kinds=OWNER_KINDS, validate=validate_staff
    )


async def update_staff(session: AsyncSession, staff_id: uuid.UUID, changes: Mapping[str, Any]) -> Staff:
    return await update_record(session, Staff, staff_id, changes=normalised_staff(changes), validate=validate_staff)
