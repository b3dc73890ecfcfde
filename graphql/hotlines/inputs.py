"""Inputs of the hotline mutations. Unset fields keep their defaults (create) or old values (update)."""

from __future__ import annotations

import strawberry

from runxin.graphql.hotlines.types import HotlineStatus

UNSET = strawberry.UNSET


@strawberry.input
class HotlineFields:
    number: str | None = UNSET
    always_open: bool | None = UNSET
    schedule: str | None = UNSET
    status: HotlineStatus | None = UNSET


@strawberry.input
class HotlineCreateInput(HotlineFields):
    tenant_id: strawberry.ID = strawberry.field(description="The county's or school's Tenant id.")


@strawberry.input
class HotlineUpdateInput(HotlineFields):
    id: strawberry.ID


@strawberry.input(description="One period's call counts of a hotline; recording a period again replaces them.")
class HotlineCallCountsRecordInput:
    hotline_id: strawberry.ID
    # Nullable so that a missing value is reported like every other rule, as a userError.
    period: str | None = strawberry.field(default=None, description="Required: 2025, 202503, 2025T1, 2025T2 or 2025SY.")
    calls: int | None = strawberry.field(default=None, description="Required.")
    crisis_calls: int | None = strawberry.field(default=None, description="Required; at most calls.")
    referrals: int | None = strawberry.field(default=None, description="Required; at most calls.")
