"""Entry windows and who is late.

A bureau (a city or county) sets the entry window of a period for the tenants below it: reports
are submitted from `opens_on` on and are due by `closes_on`. The window that applies to a tenant is
its nearest strict ancestor's: a county's window governs its schools, the city's governs its
counties (and the schools of a county that set none). A bureau's own window does not apply to its
own report, which is due by the window of the level above it; a root tenant has no window.

Submitting before the window opens is refused (WINDOW_NOT_OPEN, see rules.check_submit), so a
bureau can keep a period closed while it prepares. Submitting after it closes is allowed: the
report is late, and the bureaus above see it in `late_reports` until it is submitted — the
figures still matter, and refusing them would only lose data.

Windows set above the caller (the city's, seen from a county or school) are read with system
statements: they are the deadlines that apply to the caller, not data of the bureau that set them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.errors import Invalid, PermissionDenied
from runxin.platform.periods import Period, parse_period
from runxin.platform.reporting.models import Report, ReportingWindow
from runxin.platform.reporting.rules import LOCKING_STATES, Window
from runxin.platform.reporting.states import SYSTEM, ReportStatus, report_columns, tenant_columns
from runxin.platform.tree.models import Tenant, TenantKind
from runxin.platform.tree.paths import ancestor_ids, upper_bound
from runxin.platform.tree.services import get_tenant
from runxin.platform.validation import Checks

# How far a window may reach beyond its period's end: a year's report is due within the next year.
MAX_DAYS_AFTER_PERIOD = 366


@dataclass(frozen=True, slots=True)
class SetWindow:
    """A window as stored: the setter's path and depth say which subtree it governs."""

    tenant_id: uuid.UUID
    path: str
    depth: int
    window: Window


def validate_window(period: str | None, opens_on: dt.date | None, closes_on: dt.date | None) -> Period:
    """The period, if the dates make an entry window for it; else raise Invalid/InvalidMany with every problem."""
    checks = Checks({"period": period, "opens_on": opens_on, "closes_on": closes_on})
    checks.required("period", "opens_on", "closes_on")
    parsed: Period | None = None
    if period is not None:
        try:
            parsed = parse_period(period, field="period")
        except Invalid as error:
            checks.errors.append(error)
    checks.dates_ordered("opens_on", "closes_on")
    if parsed is not None and closes_on is not None and not checks.errors:
        if closes_on < parsed.start:
            checks.fail(
                "closes_on",
                "WINDOW_BEFORE_PERIOD",
                f"The window closes on {closes_on.isoformat()}, before period {parsed.id} begins ({parsed.start.isoformat()}); "
                f"reports of a period are entered once it has begun, so close it on {parsed.start.isoformat()} or later.",
            )
        elif (closes_on - parsed.end).days > MAX_DAYS_AFTER_PERIOD:
            checks.fail(
                "closes_on",
                "WINDOW_TOO_LONG",
                f"The window closes on {closes_on.isoformat()}, more than a year after period {parsed.id} ends "
                f"({parsed.end.isoformat()}); set a deadline within {MAX_DAYS_AFTER_PERIOD} days of its end.",
            )
    checks.raise_if_any()
    assert parsed is not None
    return parsed


async def set_window(
    session: AsyncSession, *, tenant_id: uuid.UUID, period: str, opens_on: dt.date | None, closes_on: dt.date | None
) -> ReportingWindow:
    """Set (or replace) the entry window of `period` that bureau `tenant_id` gives the tenants below it."""
    bureau = await get_tenant(session, tenant_id)
    if bureau.kind == TenantKind.SCHOOL.value:
        raise PermissionDenied(
            "A school has no tenants below it: entry windows are set by the city or county bureau for the tenants under it.",
            code="TENANT_KIND",
        )
    parsed = validate_window(period, opens_on, closes_on)
    window = (
        await session.execute(
            select(ReportingWindow).where(ReportingWindow.tenant_id == bureau.id, ReportingWindow.period == parsed.id)
        )
    ).scalar_one_or_none()
    if window is None:
        window = ReportingWindow(
            tenant_id=bureau.id, root_id=bureau.root_id, period=parsed.id, opens_on=opens_on, closes_on=closes_on
        )
        session.add(window)
    else:
        window.opens_on, window.closes_on = opens_on, closes_on  # type: ignore[assignment]
    await session.flush()
    return window


async def _windows(session: AsyncSession, period: str, where: Any) -> list[SetWindow]:
    rows = await session.execute(
        select(
            ReportingWindow.tenant_id, ReportingWindow.opens_on, ReportingWindow.closes_on, Tenant.name, Tenant.path, Tenant.depth
        )
        .join(Tenant, Tenant.id == ReportingWindow.tenant_id)
        .where(ReportingWindow.period == period, where),
        execution_options=SYSTEM,
    )
    return [SetWindow(r.tenant_id, r.path, r.depth, Window(r.opens_on, r.closes_on, r.name, r.tenant_id)) for r in rows]


async def windows_for(session: AsyncSession, paths: Iterable[str], period: str) -> dict[str, Window | None]:
    """The window that applies to each tenant (by path) for `period`: its nearest strict ancestor's."""
    paths = list(dict.fromkeys(paths))
    above = {a for path in paths for a in ancestor_ids(path)[:-1]}
    found = (
        {w.tenant_id: w.window for w in await _windows(session, period, ReportingWindow.tenant_id.in_(above))} if above else {}
    )
    result: dict[str, Window | None] = {}
    for path in paths:
        nearest = next((found[a] for a in reversed(ancestor_ids(path)[:-1]) if a in found), None)
        result[path] = nearest
    return result


async def late_reports(
    session: AsyncSession,
    bureau_path: str,
    period: str,
    *,
    today: dt.date | None = None,
    after_code: str | None = None,
    limit: int = 100,
) -> list[ReportStatus]:
    """Tenants below the bureau at `bureau_path` whose window for `period` has closed while their
    report is still neither submitted nor approved, by code; at most `limit` after `after_code`.

    Two statements: the windows that can govern the subtree (set above the bureau, by it, or below
    it), then the page, where each tenant's governing window is the deepest one whose subtree holds it.
    """
    today = today or dt.date.today()
    lo, hi = bureau_path, upper_bound(bureau_path)
    setters = await _windows(
        session,
        period,
        or_(ReportingWindow.tenant_id.in_(ancestor_ids(bureau_path)), and_(Tenant.path > lo, Tenant.path < hi)),
    )
    closed = [i for i, w in enumerate(setters) if w.window.closed(today)]
    if not closed:
        return []
    # Deepest first: a county's window governs its schools before the city's does.
    order = sorted(range(len(setters)), key=lambda i: -setters[i].depth)
    governing = case(
        *((and_(Tenant.path > setters[i].path, Tenant.path < upper_bound(setters[i].path)), literal(i)) for i in order),
        else_=literal(-1),
    ).label("window_index")
    statement = (
        select(*tenant_columns(), *report_columns(), governing)
        .select_from(Tenant)
        .outerjoin(Report, and_(Report.tenant_id == Tenant.id, Report.period == period))
        .where(
            Tenant.path > lo,
            Tenant.path < hi,
            or_(Report.state.is_(None), Report.state.not_in([s.value for s in LOCKING_STATES])),
            governing.in_(closed),
        )
    )
    if after_code is not None:
        statement = statement.where(Tenant.code > after_code)
    rows = await session.execute(statement.order_by(Tenant.code).limit(limit))
    return [ReportStatus.of(row.id, period, row, window=setters[row.window_index].window, tenant=row) for row in rows]


async def windows_over(session: AsyncSession, paths: Iterable[str], period: str) -> list[SetWindow]:
    """Every window of `period` that can govern a tenant of the subtrees at `paths`: those set above
    them or anywhere in them (one system statement, as for late_reports)."""
    paths = list(dict.fromkeys(paths))
    if not paths:
        return []
    above = {a for path in paths for a in ancestor_ids(path)}
    inside = or_(*(and_(Tenant.path > path, Tenant.path < upper_bound(path)) for path in paths))
    return await _windows(session, period, or_(ReportingWindow.tenant_id.in_(above), inside))


def nearest_window(setters: Iterable[SetWindow], path: str) -> Window | None:
    """The window that applies to the tenant at `path`: the one set by its nearest strict ancestor."""
    governing = [w for w in setters if path != w.path and path.startswith(w.path)]
    return max(governing, key=lambda w: w.depth).window if governing else None
