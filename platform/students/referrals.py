"""Hospital referrals and the return to school (seeds/001 §(五)2 转介, §(六)5 复学).

A referral moves REFERRED → IN_TREATMENT → RETURNED or CLOSED (REFERRED → CLOSED too: the family
may decline, or the hospital finds nothing to treat). RETURNED and CLOSED are final. A student
returns only with the hospital's certificate ("由专业医院出具相关证明方可复学"), so RETURNED needs
the day the certificate was received.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.errors import Conflict, Invalid
from runxin.platform.records import get_record, record_values
from runxin.platform.students.care import OPEN_REFERRAL_STATES, REFERRAL_STATES, Referral, school_year_of
from runxin.platform.students.models import StudentFile
from runxin.platform.validation import Checks

TRANSITIONS: dict[str, frozenset[str]] = {
    "REFERRED": frozenset({"IN_TREATMENT", "CLOSED"}),
    "IN_TREATMENT": frozenset({"RETURNED", "CLOSED"}),
    "RETURNED": frozenset(),
    "CLOSED": frozenset(),
}
EDITABLE = ("hospital", "referred_on", "state", "certificate_received_on")


def validate_referral(values: Mapping[str, Any], *, previous_state: str | None, today: dt.date) -> None:
    """Raise Invalid/InvalidMany unless `values` are a possible referral reached from `previous_state`."""
    checks = Checks(values)
    checks.required("hospital", "referred_on")
    checks.text("hospital", max_length=200, label="Hospital")
    checks.choice("state", REFERRAL_STATES)
    checks.date_not_after("referred_on", today, reason="record a referral once it has been made.")
    checks.date_not_after("certificate_received_on", today, reason="enter the day the school received the certificate.")
    checks.dates_ordered("referred_on", "certificate_received_on")
    state = values.get("state", "REFERRED")
    if previous_state is not None and state != previous_state and state not in TRANSITIONS.get(previous_state, frozenset()):
        allowed = sorted(TRANSITIONS.get(previous_state, frozenset()))
        checks.fail(
            "state",
            "TRANSITION_NOT_ALLOWED",
            f"A {previous_state} referral cannot become {state}; "
            + (
                f"it can become {' or '.join(allowed)}."
                if allowed
                else "it is final; record a new referral if the student is referred again."
            ),
        )
    if state == "RETURNED" and values.get("certificate_received_on") is None:
        checks.fail(
            "certificate_received_on",
            "CERTIFICATE_REQUIRED",
            "A student returns to school only with the hospital's certificate (seeds/001 §(六)5); set "
            "certificateReceivedOn to the day the school received it, in the same update as the state.",
        )
    checks.raise_if_any()


def _with_years(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("referred_on") is not None:
        values["referred_year"] = school_year_of(values["referred_on"])
    certificate = values.get("certificate_received_on")
    values["certificate_year"] = school_year_of(certificate) if certificate is not None else None
    if isinstance(values.get("hospital"), str):
        values["hospital"] = values["hospital"].strip()
    return values


async def create_referral(session: AsyncSession, *, values: Mapping[str, Any], today: dt.date | None = None) -> Referral:
    """Refer a student to a hospital: a new referral is REFERRED, one open referral per student."""
    today = today or dt.date.today()
    values = {k: v for k, v in values.items() if k in (*EDITABLE, "student_id")}
    if values.get("state", "REFERRED") != "REFERRED" or values.get("certificate_received_on") is not None:
        raise Invalid(
            "state",
            "STARTS_REFERRED",
            "A referral starts as REFERRED, without a certificate; record it, then update it as it moves on.",
        )
    values["state"] = "REFERRED"
    validate_referral(values, previous_state=None, today=today)
    student = await get_record(session, StudentFile, values["student_id"], field="studentId")
    # The file's row is the lock (PostgreSQL): two referrals of one student at once see each other.
    await session.execute(select(StudentFile.id).where(StudentFile.id == student.id).with_for_update())
    open_one = (
        await session.execute(
            select(Referral.id).where(Referral.student_id == student.id, Referral.state.in_(OPEN_REFERRAL_STATES))
        )
    ).first()
    if open_one is not None:
        raise Conflict(
            "This student already has an open referral; update it (state, certificate) rather than opening a second.",
            field="studentId",
            code="REFERRAL_OPEN",
        )
    referral = Referral(tenant_id=student.tenant_id, root_id=student.root_id, **_with_years(dict(values)))
    session.add(referral)
    await session.flush()
    return referral


async def update_referral(
    session: AsyncSession, referral_id: uuid.UUID, changes: Mapping[str, Any], *, today: dt.date | None = None
) -> Referral:
    """Change a referral: its state by the allowed transitions only, RETURNED with a certificate."""
    referral = await get_record(session, Referral, referral_id)
    clean = {k: v for k, v in changes.items() if k in EDITABLE}
    for key in ("hospital", "referred_on", "state"):
        if key in clean and clean[key] is None:
            raise Invalid(key, "REQUIRED", f"{key} cannot be null; leave it out to keep the current value.")
    merged = {**record_values(referral), **clean}
    validate_referral(merged, previous_state=referral.state, today=today or dt.date.today())
    for key, value in _with_years(merged).items():
        if key in (*EDITABLE, "referred_year", "certificate_year"):
            setattr(referral, key, value)
    await session.flush()
    return referral
