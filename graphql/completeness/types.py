"""Reporting completeness as the API shows it: the figures due, each tenant's states and deadline, the rates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from runxin.graphql.connections import Connection, PageArgs, make_connection
from runxin.graphql.context import Info
from runxin.graphql.enums import enum_of
from runxin.graphql.reporting.types import ReportingWindowType
from runxin.graphql.tenants.types import TenantKindEnum, TenantNode
from runxin.platform.completeness import (
    BY_CODE,
    Completeness,
    Deadline,
    DeadlineRule,
    FigureState,
    FigureStatus,
    Rates,
    RequiredFigure,
    TenantCompleteness,
)
from runxin.platform.errors import Invalid

FigureStateEnum = enum_of(
    "ReportingFigureState",
    FigureState,
    description="A required figure of one tenant for one period: PRESENT (arrived by the deadline, or there is none), "
    "LATE (arrived after it; a correction after the deadline does not make an on-time figure late), MISSING (not there "
    "yet), NOT_REQUIRED (this tenant does not owe it for this period).",
)
DeadlineRuleEnum = enum_of(
    "ReportingDeadlineRule",
    DeadlineRule,
    description="Where a deadline comes from: WINDOW (the entry window a bureau above the tenant set for the period) or "
    "GRACE (no window applies: the period's end plus the deployment's grace days).",
)


@strawberry.type(name="RequiredFigure", description="A figure tenants must enter for every period of some kinds (the registry).")
class RequiredFigureType:
    code: str
    label: str
    label_zh: str
    description: str
    tenant_kinds: list[TenantKindEnum] = strawberry.field(description="The kinds of tenant that owe it.")
    period_kinds: list[str] = strawberry.field(description="The kinds of period it is due for: YEAR, MONTH, TERM, SCHOOL_YEAR.")

    @classmethod
    def of(cls, figure: RequiredFigure) -> RequiredFigureType:
        return cls(
            code=figure.code,
            label=figure.label,
            label_zh=figure.label_zh,
            description=figure.description,
            tenant_kinds=[TenantKindEnum(k) for k in figure.tenant_kinds],
            period_kinds=list(figure.period_kinds),
        )


@strawberry.type(
    name="CompletenessRates",
    description="Required figures by state, and completeness ((onTime + late) / required) and timeliness (onTime / "
    "required); the rates are null when nothing is required. Over a subtree the counts are summed, never averaged.",
)
class RatesType:
    required: int
    on_time: int
    late: int
    missing: int
    completeness: float | None
    timeliness: float | None

    @classmethod
    def of(cls, rates: Rates) -> RatesType:
        return cls(
            required=rates.required,
            on_time=rates.on_time,
            late=rates.late,
            missing=rates.missing,
            completeness=rates.completeness,
            timeliness=rates.timeliness,
        )


@strawberry.type(name="FigureStatus", description="One required figure of one tenant for the period.")
class FigureStatusType:
    code: str
    state: FigureStateEnum
    arrived_at: dt.datetime | None = strawberry.field(description="When it first arrived; null while missing.")

    @classmethod
    def of(cls, status: FigureStatus) -> FigureStatusType:
        return cls(code=status.code, state=FigureStateEnum(status.state.value), arrived_at=status.arrived_at)

    @strawberry.field(description="The figure's definition.")
    def figure(self) -> RequiredFigureType:
        return RequiredFigureType.of(BY_CODE[self.code])


@strawberry.type(name="FigureRates", description="One required figure's rates over a subtree.")
class FigureRatesType:
    code: str
    rates: RatesType

    @strawberry.field(description="The figure's definition.")
    def figure(self) -> RequiredFigureType:
        return RequiredFigureType.of(BY_CODE[self.code])


@strawberry.type(
    name="ReportingDeadline",
    description="When a tenant's figures for the period are due: on time until the end of lastDay, China Standard Time.",
)
class DeadlineType:
    last_day: dt.date
    due_at: dt.datetime = strawberry.field(description="The first instant that is late (midnight after lastDay, UTC+8).")
    rule: DeadlineRuleEnum
    window: ReportingWindowType | None = strawberry.field(description="The entry window it comes from (rule WINDOW).")

    @classmethod
    def of(cls, deadline: Deadline, period: str) -> DeadlineType:
        window = ReportingWindowType.of(deadline.window, period) if deadline.window is not None else None
        return cls(last_day=deadline.last_day, due_at=deadline.due_at, rule=DeadlineRuleEnum(deadline.rule.value), window=window)


@strawberry.type(
    name="TenantCompleteness",
    description="One tenant's required figures for the period: each one's state, which are missing and which came late, "
    "its deadline, and the rates over its own figures and over its whole subtree.",
)
class TenantCompletenessType:
    tenant: TenantNode
    deadline: DeadlineType | None = strawberry.field(
        description="Null: no window applies and no grace is set, so nothing is late."
    )
    figures: list[FigureStatusType] = strawberry.field(description="Every figure due for the period, NOT_REQUIRED included.")
    missing: list[str] = strawberry.field(description="Codes of the figures it owes that are not there.")
    late: list[str] = strawberry.field(description="Codes of the figures that arrived after the deadline.")
    own: RatesType = strawberry.field(description="Over the tenant's own figures.")
    subtree: RatesType = strawberry.field(description="Over the figures of the tenant and every tenant under it.")

    @classmethod
    def of(cls, entry: TenantCompleteness, period: str) -> TenantCompletenessType:
        return cls(
            tenant=TenantNode.from_row(entry.tenant),
            deadline=DeadlineType.of(entry.deadline, period) if entry.deadline is not None else None,
            figures=[FigureStatusType.of(s) for s in entry.figures],
            missing=entry.codes_in(FigureState.MISSING),
            late=entry.codes_in(FigureState.LATE),
            own=RatesType.of(entry.own),
            subtree=RatesType.of(entry.subtree),
        )


@strawberry.type(
    name="ReportingCompleteness",
    description="Completeness and timeliness of a subtree's reporting for one period: which required figures each tenant "
    "owes, which are missing and which came late, with the rates per tenant, per figure and over the whole subtree.",
)
class ReportingCompletenessType:
    period: str
    period_kind: str
    as_of: dt.datetime
    required_figures: list[RequiredFigureType] = strawberry.field(description="The figures due for a period of this kind.")
    tenant: TenantCompletenessType = strawberry.field(
        description="The tenant asked for: its own figures and its subtree's rates."
    )
    by_figure: list[FigureRatesType] = strawberry.field(description="Each figure's rates over the whole subtree.")
    result: strawberry.Private[Completeness]

    @classmethod
    def of(cls, result: Completeness) -> ReportingCompletenessType:
        period = result.period.id
        return cls(
            period=period,
            period_kind=result.period.kind,
            as_of=result.as_of,
            required_figures=[RequiredFigureType.of(f) for f in result.figures],
            tenant=TenantCompletenessType.of(result.root, period),
            by_figure=[
                FigureRatesType(code=f.code, rates=RatesType.of(result.root.subtree_by_figure[f.code])) for f in result.figures
            ],
            result=result,
        )

    @strawberry.field(
        description="The tenants anywhere under this one (a county: its schools; a city: its counties and schools), by code, "
        "each with its own figures' states and its subtree's rates; at most 100 a page. onlyGaps keeps those with a figure "
        "of their own missing or late."
    )
    def descendants(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        kind: TenantKindEnum | None = None,
        only_gaps: bool = False,
    ) -> Connection[TenantCompletenessType]:
        if first is None:
            raise Invalid("first", "PAGE_SIZE_REQUIRED", "Give first (1 to 100) and page on with after.")
        args = PageArgs(first=first, after=after).check()
        bound = args.bound(as_uuid=False)
        rows: list[Any] = [
            e
            for e in self.result.descendants
            if (kind is None or e.tenant.kind == kind.value)
            and (not only_gaps or e.has_gaps)
            and (bound is None or e.tenant.code > bound)
        ][: args.size + 1]
        return make_connection(
            rows, args, key_of=lambda e: e.tenant.code, node_of=lambda e: TenantCompletenessType.of(e, self.period)
        )
