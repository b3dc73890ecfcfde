"""The Hotline type and its per-period call counts."""

from __future__ import annotations

from typing import Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.enums import enum_of
from runxin.graphql.errors import camel
from runxin.graphql.tenants.record import TenantRecord, record_fields
from runxin.platform.hotlines.models import HOTLINE_STATUSES
from runxin.platform.suppression import suppress

HotlineStatus = enum_of("HotlineStatus", HOTLINE_STATUSES)


# Counts derived from students: hidden from the bureaus above when small (platform/suppression.py).
STUDENT_COUNTS = ("crisis_calls", "referrals")


@strawberry.type(name="HotlineCallCounts", description="A hotline's calls in one period.")
class CallCountsType:
    period: str = strawberry.field(description="The period id, e.g. 2025, 202503, 2025T1, 2025SY.")
    calls: int
    crisis_calls: int | None = strawberry.field(description="Calls about a crisis (at most the calls); null when suppressed.")
    referrals: int | None = strawberry.field(
        description="Callers referred on, e.g. to a hospital (at most the calls); null when suppressed."
    )
    suppressed: list[str] = strawberry.field(
        description="Fields hidden because the count is small enough to single a child out (below the city's threshold)."
    )

    @classmethod
    def from_row(cls, row: Any, principal: Any) -> "CallCountsType":
        """Small student-derived counts of a hotline below the principal's own tenant are suppressed."""
        counts = {field: getattr(row, field) for field in STUDENT_COUNTS}
        hidden: set[Any] = set()
        if principal is not None and row.tenant_id != principal.tenant_id:
            hidden = suppress(counts, threshold=principal.disclosure.suppression_threshold)
        return cls(
            period=row.period,
            calls=row.calls,
            crisis_calls=None if "crisis_calls" in hidden else row.crisis_calls,
            referrals=None if "referrals" in hidden else row.referrals,
            suppressed=[camel(field) for field in STUDENT_COUNTS if field in hidden],
        )


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
