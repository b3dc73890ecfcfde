"""The Staff type (personal fields disclosed by policy) and StaffCounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from runxin.graphql.context import Context
from runxin.graphql.enums import enum_of
from runxin.graphql.errors import camel
from runxin.graphql.tenants.record import TenantRecord, record_fields
from runxin.platform.disclosure.rules import PERSONAL_FIELDS
from runxin.platform.staffing.models import GENDERS, STAFF_KINDS
from runxin.platform.validation import split_codes
from runxin.tenants.disclosure import mask_name, staff_disclosure

StaffKind = enum_of("StaffKind", STAFF_KINDS)


Gender = enum_of("Gender", GENDERS)


@strawberry.type(name="Staff", description="A mental-health teacher, hired counsellor or homeroom teacher.")
class StaffNode(TenantRecord):
    kind: StaffKind
    staff_code: str | None = strawberry.field(description="The employer's staff number (工号), unique within the tenant.")
    name: str = strawberry.field(description="Masked to the family name (张**) when personalDataMasked.")
    gender: Gender | None = strawberry.field(description="Null when personalDataMasked.")
    birth_date: dt.date | None = strawberry.field(description="Null when personalDataMasked or not recorded.")
    phone: str | None = strawberry.field(description="A mobile number; null when personalDataMasked or not recorded.")
    qualifications: list[str] = strawberry.field(description="Qualification codes, e.g. PSY_DEGREE, COUNSELLOR_CERT.")
    strong_teacher: bool = strawberry.field(description="The school's strong (骨干) mental-health teacher.")
    employed_since: dt.date | None
    active: bool
    personal_data_masked: bool = strawberry.field(description="True when policy hides this person's personal data from you.")
    mask_reason: str | None = strawberry.field(description="Why the personal data is hidden, and who may see it.")

    @classmethod
    def from_row(cls, row: Any, context: Context) -> "StaffNode":
        """Build the object for the context's principal, deciding disclosure once for all personal
        fields, and tell the audit log what was disclosed (or that it was masked)."""
        disclosure = staff_disclosure(context.principal, row.tenant_id)
        if disclosure.visible:
            values = (("name", row.name), ("gender", row.gender), ("birth_date", row.birth_date), ("phone", row.phone))
            read = [camel(f) for f, value in values if value and disclosure.shows(f)]
            context.audit.note_personal_read("Staff", row.id, read)
        else:
            context.audit.note_masked_read("Staff", row.id)
        return cls(
            **record_fields(row),
            kind=StaffKind(row.kind),
            staff_code=row.staff_code,
            name=row.name if disclosure.shows("name") else mask_name(row.name),
            gender=Gender(row.gender) if disclosure.shows("gender") else None,
            birth_date=row.birth_date if disclosure.shows("birth_date") else None,
            phone=(row.phone or None) if disclosure.shows("phone") else None,
            qualifications=split_codes(row.qualifications),
            strong_teacher=row.strong_teacher,
            employed_since=row.employed_since,
            active=row.active,
            personal_data_masked=disclosure.fields != frozenset(PERSONAL_FIELDS),
            mask_reason=disclosure.reason,
        )


@strawberry.type(description="Active staff of a tenant and everything under it (a county: its schools and itself).")
class StaffCounts:
    full_time: int
    part_time: int
    hired_counsellors: int
    homeroom_teachers: int
    subject_teachers: int = strawberry.field(description="Teachers of a subject, with no mental-health or homeroom post.")
    principals: int

    @strawberry.field(description="All active staff of every kind.")
    def total(self) -> int:
        return (
            self.full_time + self.part_time + self.hired_counsellors + self.homeroom_teachers + self.subject_teachers + self.principals
        )

    @classmethod
    def from_counts(cls, counts: dict[Any, int]) -> "StaffCounts":
        return cls(
            full_time=counts.get("FULL_TIME", 0),
            part_time=counts.get("PART_TIME", 0),
            hired_counsellors=counts.get("HIRED_COUNSELLOR", 0),
            homeroom_teachers=counts.get("HOMEROOM", 0),
            subject_teachers=counts.get("TEACHER", 0),
            principals=counts.get("PRINCIPAL", 0),
        )
