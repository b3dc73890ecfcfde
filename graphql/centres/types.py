"""The CounsellingCentre type and its per-period activity."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.enums import enum_of
from runxin.graphql.tenants.record import TenantRecord, record_fields
from runxin.platform.centres.models import CENTRE_STATUSES

CentreStatus = enum_of("CentreStatus", CENTRE_STATUSES)


@strawberry.type(name="CentreActivity", description="What a centre delivered to its county's schools in one period.")
class CentreActivityType:
    period: str = strawberry.field(description="The period id, e.g. 2025, 202503, 2025T1, 2025SY.")
    guidance_visits: int = strawberry.field(description="Business-guidance visits to schools.")
    trainings_delivered: int = strawberry.field(description="Skills trainings delivered to teachers.")

    @classmethod
    def from_row(cls, row: Any) -> "CentreActivityType":
        return cls(period=row.period, guidance_visits=row.guidance_visits, trainings_delivered=row.trainings_delivered)


@strawberry.type(name="CounsellingCentre", description="A county's youth healthy-growth counselling centre.")
class CentreNode(TenantRecord):
    name: str
    status: CentreStatus
    opening_date: dt.date | None
    address: str
    online: bool = strawberry.field(description="Offers online counselling.")
    offline: bool = strawberry.field(description="Offers counselling in person.")
    volunteer_team_size: int = strawberry.field(description="Members of the centre's psychological-aid volunteer team.")

    @classmethod
    def from_row(cls, row: Any) -> "CentreNode":
        return cls(
            **record_fields(row),
            name=row.name,
            status=CentreStatus(row.status),
            opening_date=row.opening_date,
            address=row.address,
            online=row.online,
            offline=row.offline,
            volunteer_team_size=row.volunteer_team_size,
        )

    @strawberry.field(description="Guidance visits and trainings per period, ordered by period id; null periods: all.")
    async def activity(self, info: Info, periods: list[str] | None = None) -> list[CentreActivityType]:
        from runxin.graphql.centres.queries import activity_of

        return await activity_of(info, self.uuid, periods)
