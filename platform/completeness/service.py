"""Completeness and timeliness of reporting for many subtrees at once, set-based.

For one period and a batch of subtrees (every tenant asked for in one round of resolution):

- one statement for the tenants of the subtrees;
- one system statement for the entry windows that can govern them (windows.windows_over: a
  school's deadline is set by its county or city, which the school cannot read as data);
- one statement per required figure due for the period, over every tenant of the subtrees that
  owes it: whether the figure is there and when it arrived, as correlated subqueries probing the
  record's `tenant_id` index per tenant (the reasoning of indicators/facts.py; like the facts, every
  subquery selects an ORM-mapped column, so the scoping hook reaches it).

So 2 + (figures due) statements, whatever the number of tenants: a city of 1,200 schools asking
for a term is four. States and rates are then plain arithmetic (rules.py): each tenant's own rates
over its own figures, and its subtree rates as the sum of its own and every descendant's counts.

Run it on a session with a principal bound (the API) or a system session (jobs, oracles); it does
not decide who may ask (the API refuses an ancestor's subtree before calling it).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from runxin.platform.completeness.requirements import REQUIRED_FIGURES, RequiredFigure, due_for
from runxin.platform.completeness.rules import Deadline, FigureState, Rates, aware, deadline_of, state_of
from runxin.platform.db.replica import snapshot_time
from runxin.platform.periods import Period
from runxin.platform.reporting.windows import nearest_window, windows_over
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.paths import SEGMENT, upper_bound


@dataclass(frozen=True, slots=True)
class TenantRow:
    """The tenant as the answer names it (the fields TenantNode.from_row reads)."""

    id: uuid.UUID
    code: str
    name: str
    kind: str
    path: str
    depth: int
    parent_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class FigureStatus:
    code: str
    state: FigureState
    arrived_at: dt.datetime | None  # its first arrival, when it is owed and there


@dataclass(slots=True)
class TenantCompleteness:
    """One tenant's figures for the period, its deadline, and its own and subtree rates."""

    tenant: TenantRow
    deadline: Deadline | None
    figures: list[FigureStatus]  # every figure due for the period, in registry order
    own: Rates = field(default_factory=Rates)
    subtree: Rates = field(default_factory=Rates)
    subtree_by_figure: dict[str, Rates] = field(default_factory=dict)

    def codes_in(self, state: FigureState) -> list[str]:
        return [f.code for f in self.figures if f.state is state]

    @property
    def has_gaps(self) -> bool:
        """Is any of its own figures missing or late?"""
        return self.own.required > self.own.on_time


@dataclass(frozen=True, slots=True)
class Completeness:
    """The answer for one subtree: its root's entry, and its descendants' by code."""

    period: Period
    figures: tuple[RequiredFigure, ...]
    root: TenantCompleteness
    descendants: list[TenantCompleteness]
    as_of: dt.datetime


def _in_subtrees(paths: Sequence[str]) -> ColumnElement[bool]:
    return or_(*(and_(Tenant.path >= p, Tenant.path < upper_bound(p)) for p in paths))


def figure_statement(figure: RequiredFigure, period: Period, where: ColumnElement[bool]) -> Select[Any]:
    """Every tenant matching `where` that owes `figure` for `period`: (id, present, arrived_at)."""
    record = figure.record
    arrival = getattr(record, figure.arrival)
    in_period = figure.in_period(period)
    criteria = [Tenant.kind.in_(figure.tenant_kinds), where]
    if figure.eligible is not None:
        criteria.append(figure.eligible(period))
    owner = figure.owed_per
    if owner is None:
        present = select(record.id).where(record.tenant_id == Tenant.id, in_period).correlate(Tenant).exists()
        arrived = select(func.min(arrival)).where(record.tenant_id == Tenant.id, in_period).correlate(Tenant).scalar_subquery()
    else:
        owes = owner.owes(period)
        mine = and_(owner.model.tenant_id == Tenant.id, owes)
        criteria.append(select(owner.model.id).where(mine).correlate(Tenant).exists())
        answered = select(record.id).where(owner.link == owner.model.id, in_period).correlate(owner.model).exists()
        present = not_(select(owner.model.id).where(mine, not_(answered)).correlate(Tenant).exists())
        arrived = (
            select(func.max(arrival))
            .select_from(record)
            .join(owner.model, owner.link == owner.model.id)
            .where(mine, record.tenant_id == Tenant.id, in_period)
            .correlate(Tenant)
            .scalar_subquery()
        )
    return select(Tenant.id, present.label("present"), arrived.label("arrived_at")).where(*criteria)


async def completeness(
    session: AsyncSession,
    root_paths: Sequence[str],
    period: Period,
    *,
    grace_days: int | None = None,
    figures: tuple[RequiredFigure, ...] = REQUIRED_FIGURES,
    now: dt.datetime | None = None,
) -> dict[str, Completeness]:
    """The completeness of each subtree (keyed by its root's path) for `period`.

    A root the session cannot see is left out of the answer. One it sees by name only (an ancestor
    of a principal's tenant) comes back over the part of its subtree the session sees: the caller
    refuses such a root rather than show figures that look complete and are not.
    """
    paths = list(dict.fromkeys(root_paths))
    due = due_for(period, figures)
    if not paths:
        return {}
    where = _in_subtrees(paths)
    rows = await session.execute(
        select(Tenant.id, Tenant.code, Tenant.name, Tenant.kind, Tenant.path, Tenant.depth, Tenant.parent_id).where(where)
    )
    tenants = {r.id: TenantRow(r.id, r.code, r.name, r.kind, r.path, r.depth, r.parent_id) for r in rows}
    setters = await windows_over(session, paths, period.id)
    owed: dict[str, dict[uuid.UUID, tuple[bool, dt.datetime | None]]] = {}
    for figure in due:
        found = await session.execute(figure_statement(figure, period, where))
        owed[figure.code] = {r.id: (bool(r.present), aware(r.arrived_at)) for r in found}
    # Siblings share their deadline (it is set above them): look it up once per parent.
    deadlines: dict[str, Deadline | None] = {}
    entries: dict[uuid.UUID, TenantCompleteness] = {}
    for tid, row in tenants.items():
        above = row.path[:-SEGMENT]
        if above not in deadlines:
            deadlines[above] = deadline_of(nearest_window(setters, row.path), period, grace_days)
        entries[tid] = _entry(row, due, owed, deadlines[above])
    _roll_up(entries, [f.code for f in due])
    # On a replica the answer is as fresh as its replayed data, not as the clock (db/replica.py).
    as_of = now or snapshot_time(session) or dt.datetime.now(dt.UTC)
    roots = {row.path: row for row in tenants.values() if row.path in paths}
    by_root: dict[str, list[TenantCompleteness]] = defaultdict(list)
    for entry in entries.values():
        up = tenants.get(entry.tenant.parent_id)  # type: ignore[arg-type]
        while up is not None:
            if up.path in roots:
                by_root[up.path].append(entry)
            up = tenants.get(up.parent_id)  # type: ignore[arg-type]
    return {
        path: Completeness(
            period=period,
            figures=due,
            root=entries[root.id],
            descendants=sorted(by_root[path], key=lambda e: e.tenant.code),
            as_of=as_of,
        )
        for path, root in roots.items()
    }


def _entry(
    row: TenantRow,
    due: tuple[RequiredFigure, ...],
    owed: dict[str, dict[uuid.UUID, tuple[bool, dt.datetime | None]]],
    deadline: Deadline | None,
) -> TenantCompleteness:
    statuses, own, by_figure = [], Rates(), {}
    for figure in due:
        found = owed[figure.code].get(row.id)
        present, arrived = found if found is not None else (False, None)
        state = state_of(owed=found is not None, present=present, arrived_at=arrived, deadline=deadline)
        statuses.append(FigureStatus(figure.code, state, arrived if present else None))
        counted = Rates.of(state)
        own += counted
        by_figure[figure.code] = counted
    return TenantCompleteness(tenant=row, deadline=deadline, figures=statuses, own=own, subtree=own, subtree_by_figure=by_figure)


def _roll_up(entries: dict[uuid.UUID, TenantCompleteness], codes: list[str]) -> None:
    """Make each tenant's subtree counts its own plus its children's subtrees' (deepest first, so a
    child's subtree is whole before it is added to its parent's)."""
    for entry in sorted(entries.values(), key=lambda e: -e.tenant.depth):
        parent = entries.get(entry.tenant.parent_id)  # type: ignore[arg-type]
        if parent is None:
            continue
        parent.subtree = parent.subtree + entry.subtree
        for code in codes:
            parent.subtree_by_figure[code] = parent.subtree_by_figure[code] + entry.subtree_by_figure[code]
