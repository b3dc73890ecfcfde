"""The Hotline type and its per-period call counts."""

from __future__ import annotations

import enum
from typing import Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.tenants.record import TenantRecord, record_fields


@strawberry.enum
class HotlineStatus(enum.Enum):
    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


@strawberry.type(name="HotlineCallCounts", description="A hotline's calls in one period.")
class CallCountsType:
    period: str = strawberry.field(description="The period id, e.g. 2025, 202503, 2025T1, 2025SY.")
    calls: int
    crisis_calls: int = strawberry.field(description="Calls about a crisis (at most the calls).")
    referrals: int = strawberry.field(description="Callers referred on, e.g. to a hospital (at most the calls).")

    @classmethod
    def from_row(cls, row: Any) -> "CallCountsType":
        return cls(period=row.period, calls=row.calls, crisis_calls=row.crisis_calls, referrals=row.referrals)


@strawberry.type(name="Hotline", description="A county's or school's psychological-aid hotline.")
class HotlineNode(TenantRecord):
    number: str = strawberry.field(description="As dialled: a mobile, a landline with area code or a service number.")
    always_open: bool = strawberry.field(description="Answered 24 hours a day.")
    schedule: str = strawberry.field(description="Service hours when not open 24 hours, e.g. 'Mon-Fri 08:00-22:00'.")
    status: HotlineStatus

    @classmethod
    def from_row(cls, row: Any) -> "HotlineNode":
        return cls(
            **record_fields(row),
            number=row.number,
            always_open=row.always_open,
            schedule=row.schedule,
            status=HotlineStatus(row.status),
        )

    @strawberry.field(description="Calls, crisis calls and referrals per period, ordered by period id; null periods: all.")
    async def call_counts(self, info: Info, periods: list[str] | None = None) -> list[CallCountsType]:
        from runxin.graphql.hotlines.queries import call_counts_of

        return await call_counts_of(info, self.uuid, periods)
