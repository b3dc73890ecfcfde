"""Inputs of the centre mutations. Unset fields keep their defaults (create) or old values (update)."""

from __future__ import annotations

import datetime as dt

import strawberry

from runxin.graphql.centres.types import CentreStatus

UNSET = strawberry.UNSET


@strawberry.input
class CentreFields:
    name: str | None = UNSET
    status: CentreStatus | None = UNSET
    opening_date: dt.date | None = UNSET
    address: str | None = UNSET
    online: bool | None = UNSET
    offline: bool | None = UNSET
    volunteer_team_size: int | None = UNSET


@strawberry.input
class CentreCreateInput(CentreFields):
    tenant_id: strawberry.ID = strawberry.field(description="The county's Tenant id.")


@strawberry.input
class CentreUpdateInput(CentreFields):
    id: strawberry.ID


@strawberry.input(description="One period's activity of a centre; recording a period again replaces it.")
class CentreActivityRecordInput:
    centre_id: strawberry.ID
    # Nullable so that a missing value is reported like every other rule, as a userError.
    period: str | None = strawberry.field(default=None, description="Required: 2025, 202503, 2025T1, 2025T2 or 2025SY.")
    guidance_visits: int | None = strawberry.field(default=None, description="Required.")
    trainings_delivered: int | None = strawberry.field(default=None, description="Required.")
