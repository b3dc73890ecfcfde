"""The Station type."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from runxin.graphql.enums import enum_of
from runxin.graphql.tenants.record import TenantRecord, record_fields
from runxin.platform.stations.models import STATION_KINDS, STATION_STATUSES

StationKind = enum_of("StationKind", STATION_KINDS)


StationStatus = enum_of("StationStatus", STATION_STATUSES)


@strawberry.type(name="Station", description="A sunshine counselling station or counselling room of a school.")
class StationNode(TenantRecord):
    name: str
    kind: StationKind
    status: StationStatus
    opened_on: dt.date | None
    area_m2: float = strawberry.field(description="Floor area in square metres (the standard asks for at least 18).")
    weekly_open_hours: float = strawberry.field(description="Hours open per week outside class time (standard: 8).")
    individual_counselling: bool
    assessment: bool
    sandplay: bool
    appointment_in_person: bool
    appointment_phone: bool
    appointment_online: bool
    duty_roster: bool
    records_kept: bool
    shown_to_new_students: bool

    @classmethod
    def from_row(cls, row: Any) -> "StationNode":
        return cls(
            **record_fields(row),
            name=row.name,
            kind=StationKind(row.kind),
            status=StationStatus(row.status),
            opened_on=row.opened_on,
            area_m2=float(row.area_m2),
            weekly_open_hours=float(row.weekly_open_hours),
            individual_counselling=row.individual_counselling,
            assessment=row.assessment,
            sandplay=row.sandplay,
            appointment_in_person=row.appointment_in_person,
            appointment_phone=row.appointment_phone,
            appointment_online=row.appointment_online,
            duty_roster=row.duty_roster,
            records_kept=row.records_kept,
            shown_to_new_students=row.shown_to_new_students,
        )
