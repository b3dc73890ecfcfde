"""Inputs of the recognition mutations. Unset fields keep their old values (update)."""

from __future__ import annotations

import datetime as dt

import strawberry

from runxin.graphql.recognitions.types import RecognitionLevel

UNSET = strawberry.UNSET


@strawberry.input
class ModelSchoolRecognitionCreateInput:
    tenant_id: strawberry.ID = strawberry.field(description="The school's Tenant id.")
    level: RecognitionLevel
    title: str
    recognised_on: dt.date
    awarded_by: str = strawberry.field(description="The awarding authority, as on the certificate.")
    certificate_no: str
    valid_until: dt.date | None = UNSET


@strawberry.input
class ModelSchoolRecognitionUpdateInput:
    id: strawberry.ID
    level: RecognitionLevel | None = UNSET
    title: str | None = UNSET
    recognised_on: dt.date | None = UNSET
    awarded_by: str | None = UNSET
    certificate_no: str | None = UNSET
    valid_until: dt.date | None = UNSET


@strawberry.input
class ModelSchoolRecognitionRevokeInput:
    id: strawberry.ID
    revoked_on: dt.date = strawberry.field(description="The day the title was withdrawn; it is no longer in force from then.")
