"""Inputs of the staff mutations. Unset fields keep their defaults (create) or old values (update)."""

from __future__ import annotations

import datetime as dt

import strawberry

from runxin.graphql.staffing.types import Gender, StaffKind

UNSET = strawberry.UNSET


@strawberry.input
class StaffFields:
    kind: StaffKind | None = UNSET
    staff_code: str | None = strawberry.field(default=UNSET, description="The employer's staff number (工号); \"\" for none.")
    name: str | None = UNSET
    gender: Gender | None = UNSET
    birth_date: dt.date | None = UNSET
    phone: str | None = strawberry.field(default=UNSET, description="A mobile number; \"\" for none.")
    qualifications: list[str] | None = strawberry.field(
        default=UNSET, description="Codes: PSY_DEGREE, COUNSELLOR_CERT, TEACHER_CERT, SOCIAL_WORK_CERT, MH_TEACHER_CERT."
    )
    strong_teacher: bool | None = UNSET
    employed_since: dt.date | None = UNSET
    active: bool | None = UNSET


@strawberry.input
class StaffCreateInput(StaffFields):
    tenant_id: strawberry.ID = strawberry.field(description="The school's (or county's) Tenant id.")


@strawberry.input
class StaffUpdateInput(StaffFields):
    id: strawberry.ID
