"""Inputs of the station mutations. Unset fields keep their defaults (create) or old values (update)."""

from __future__ import annotations

import datetime as dt

import strawberry

from runxin.graphql.stations.types import StationKind, StationStatus

UNSET = strawberry.UNSET


@strawberry.input
class StationFields:
    name: str | None = UNSET
    kind: StationKind | None = UNSET
    status: StationStatus | None = UNSET
    opened_on: dt.date | None = UNSET
    area_m2: float | None = UNSET
    weekly_open_hours: float | None = UNSET
    individual_counselling: bool | None = UNSET
    assessment: bool | None = UNSET
    sandplay: bool | None = UNSET
    appointment_in_person: bool | None = UNSET
    appointment_phone: bool | None = UNSET
    appointment_online: bool | None = UNSET
    duty_roster: bool | None = UNSET
    records_kept: bool | None = UNSET
    shown_to_new_students: bool | None = UNSET


@strawberry.input
class StationCreateInput(StationFields):
    tenant_id: strawberry.ID = strawberry.field(description="The school's Tenant id.")


@strawberry.input
class StationUpdateInput(StationFields):
    id: strawberry.ID
