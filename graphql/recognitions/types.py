"""The ModelSchoolRecognition type."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from runxin.graphql.enums import enum_of
from runxin.graphql.tenants.record import TenantRecord, record_fields
from runxin.platform.recognitions.models import RECOGNITION_LEVELS, in_force_on

RecognitionLevel = enum_of("RecognitionLevel", RECOGNITION_LEVELS, description="The level of the authority that recognised a model school.")


@strawberry.type(
    name="ModelSchoolRecognition",
    description="A school's recognition as a mental-health model school (心理健康特色学校), recorded by the bureau "
    "at or above its level.",
)
class ModelSchoolRecognitionNode(TenantRecord):
    level: RecognitionLevel
    title: str
    recognised_on: dt.date
    awarded_by: str = strawberry.field(description="The awarding authority, as on the certificate.")
    certificate_no: str | None = strawberry.field(description="Null for a recognition carried over from a profile's level.")
    valid_until: dt.date | None = strawberry.field(description="The last day it is in force; null: no end.")
    revoked_on: dt.date | None = strawberry.field(description="The day it was withdrawn; null: never.")

    @strawberry.field(description="In force today: granted, not withdrawn, not expired.")
    def in_force(self) -> bool:
        return in_force_on(
            {"recognised_on": self.recognised_on, "revoked_on": self.revoked_on, "valid_until": self.valid_until}, dt.date.today()
        )

    @classmethod
    def from_row(cls, row: Any) -> "ModelSchoolRecognitionNode":
        return cls(
            **record_fields(row),
            level=RecognitionLevel(row.level),
            title=row.title,
            recognised_on=row.recognised_on,
            awarded_by=row.awarded_by,
            certificate_no=row.certificate_no,
            valid_until=row.valid_until,
            revoked_on=row.revoked_on,
        )
