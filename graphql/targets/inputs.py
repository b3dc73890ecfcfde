"""Inputs of the target mutations. Unset fields keep their old values (update)."""

from __future__ import annotations

import datetime as dt

import strawberry

UNSET = strawberry.UNSET


@strawberry.input
class TargetCreateInput:
    scope_tenant_id: strawberry.ID = strawberry.field(
        description="The Tenant whose subtree the target is for: your own tenant or one below it."
    )
    indicator: str = strawberry.field(description="An indicator code from indicatorDefinitions.")
    value: float = strawberry.field(description="The value to reach: a share from 0 to 1 for a RATIO indicator.")
    due_date: dt.date
    note: str | None = UNSET


@strawberry.input
class TargetUpdateInput:
    id: strawberry.ID
    indicator: str | None = UNSET
    value: float | None = UNSET
    due_date: dt.date | None = UNSET
    note: str | None = UNSET
