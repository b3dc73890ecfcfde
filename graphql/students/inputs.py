"""Inputs of the student, screening, follow-up, referral and crisis-plan mutations. Unset fields
keep their defaults (create) or old values (update)."""

from __future__ import annotations

import datetime as dt

import strawberry

from runxin.graphql.staffing.types import Gender
from runxin.graphql.students.types import ConcernLevel, FourSpecialKind, ReferralState, ScreeningLevel

UNSET = strawberry.UNSET


@strawberry.input
class StudentFileFields:
    student_ref: str | None = strawberry.field(
        default=UNSET, description="The school's own student number (letters, digits, - and _)."
    )
    name: str | None = UNSET
    gender: Gender | None = strawberry.field(default=UNSET, description="FEMALE or MALE.")
    birth_date: dt.date | None = UNSET
    grade: int | None = strawberry.field(default=UNSET, description="1-12.")
    class_name: str | None = UNSET
    four_special: list[FourSpecialKind] | None = UNSET
    concern_level: ConcernLevel | None = strawberry.field(
        default=UNSET, description="Set by an assessment; screenings set it too."
    )
    active: bool | None = UNSET


@strawberry.input
class StudentFileCreateInput(StudentFileFields):
    tenant_id: strawberry.ID = strawberry.field(description="Your school's Tenant id.")


@strawberry.input
class StudentFileUpdateInput(StudentFileFields):
    id: strawberry.ID


@strawberry.input
class ScreeningRoundFields:
    held_on: dt.date | None = UNSET
    school_year: int | None = strawberry.field(default=UNSET, description="Derived from heldOn when left out.")
    title: str | None = UNSET
    instrument: str | None = UNSET


@strawberry.input
class ScreeningRoundCreateInput(ScreeningRoundFields):
    tenant_id: strawberry.ID


@strawberry.input
class ScreeningRoundUpdateInput(ScreeningRoundFields):
    id: strawberry.ID


@strawberry.input
class ScreeningResultRecordInput:
    round_id: strawberry.ID
    student_id: strawberry.ID
    level: ScreeningLevel


@strawberry.input
class ConcernFollowUpCreateInput:
    student_id: strawberry.ID
    staff_id: strawberry.ID = strawberry.field(description="A teacher of the student's school.")
    started_on: dt.date


@strawberry.input
class ConcernFollowUpEndInput:
    id: strawberry.ID
    ended_on: dt.date


@strawberry.input
class ReferralCreateInput:
    student_id: strawberry.ID
    hospital: str
    referred_on: dt.date


@strawberry.input
class ReferralUpdateInput:
    id: strawberry.ID
    hospital: str | None = UNSET
    referred_on: dt.date | None = UNSET
    state: ReferralState | None = UNSET
    certificate_received_on: dt.date | None = UNSET


@strawberry.input
class CrisisPlanFields:
    title: str | None = UNSET
    adopted_on: dt.date | None = UNSET
    reviewed_on: dt.date | None = UNSET
    active: bool | None = UNSET


@strawberry.input
class CrisisPlanCreateInput(CrisisPlanFields):
    tenant_id: strawberry.ID


@strawberry.input
class CrisisPlanUpdateInput(CrisisPlanFields):
    id: strawberry.ID
