"""Entry windows on real databases: a bureau sets them for the tenants below it, the nearest one
applies, submitting before it opens is refused, and late reports are listed for every bureau above."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from runxin.platform.errors import Conflict, Invalid, InvalidMany, PermissionDenied
from runxin.platform.reporting.models import ReportingWindow
from runxin.platform.reporting.services import submit_report
from runxin.platform.reporting.windows import late_reports, set_window, windows_for
from tests.factories.tree import Tree, make_tree
from tests.integration.test_reporting_chain import PERIOD, acting_as, actor, approve, submit

JAN = dt.date(2026, 1, 5)
JAN_END = dt.date(2026, 1, 31)


@pytest.fixture
def acting(sessionmaker):  # type: ignore[no-untyped-def]
    return acting_as(sessionmaker)


@pytest.fixture
async def tree(system_session) -> Tree:  # type: ignore[no-untyped-def]
    return await make_tree(system_session, counties=2, schools_per_county=2)


async def test_windows_are_validated_and_replaced(tree, acting, system_session) -> None:  # type: ignore[no-untyped-def]
    city = tree.city
    # When the city gives dates in the wrong order and a bad period, every problem is reported
    with pytest.raises(InvalidMany) as refused:
        async with acting(city) as session:
            await set_window(session, tenant_id=city.id, period="2025-13", opens_on=JAN_END, closes_on=JAN)
    assert {(e.field, e.code) for e in refused.value.errors} == {("period", "PERIOD_FORMAT"), ("closes_on", "DATE_ORDER")}
    # A window that closes before its period begins is refused, saying when it may close
    with pytest.raises(Invalid) as refused:
        async with acting(city) as session:
            await set_window(
                session, tenant_id=city.id, period="2026", opens_on=dt.date(2025, 12, 1), closes_on=dt.date(2025, 12, 31)
            )
    assert refused.value.code == "WINDOW_BEFORE_PERIOD" and "2026-01-01 or later" in refused.value.message
    # A school has nobody below it to set a window for
    with pytest.raises(PermissionDenied):
        async with acting(tree.all_schools()[0]) as session:
            await set_window(session, tenant_id=tree.all_schools()[0].id, period=PERIOD, opens_on=JAN, closes_on=JAN_END)
    # Setting the same period twice replaces the window
    async with acting(city) as session:
        await set_window(session, tenant_id=city.id, period="2025", opens_on=JAN, closes_on=JAN_END)
    async with acting(city) as session:
        window = await set_window(session, tenant_id=city.id, period="2025", opens_on=JAN, closes_on=dt.date(2026, 2, 15))
    assert window.closes_on == dt.date(2026, 2, 15)
    assert (await system_session.execute(select(func.count()).select_from(ReportingWindow))).scalar_one() == 1


async def test_the_nearest_bureau_s_window_applies(tree, acting) -> None:  # type: ignore[no-untyped-def]
    city, (county, other) = tree.city, tree.counties
    async with acting(city) as session:
        await set_window(session, tenant_id=city.id, period=PERIOD, opens_on=JAN, closes_on=JAN_END)
    async with acting(county) as session:
        await set_window(session, tenant_id=county.id, period=PERIOD, opens_on=JAN, closes_on=dt.date(2026, 1, 15))
    school, other_school = tree.schools[county.code][0], tree.schools[other.code][0]
    # Asked by a school (the windows are above it)
    async with acting(school) as session:
        windows = await windows_for(session, [school.path, county.path, city.path], PERIOD)
    assert windows[school.path].set_by == county.name and windows[school.path].closes_on == dt.date(2026, 1, 15)  # type: ignore[union-attr]
    assert windows[county.path].set_by == city.name  # a county's own report is due by the city's window
    assert windows[city.path] is None
    async with acting(other_school) as session:
        assert (await windows_for(session, [other_school.path], PERIOD))[other_school.path].set_by == city.name  # type: ignore[union-attr]


async def test_submitting_before_the_window_opens_is_refused(tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    async with acting(county) as session:
        await set_window(session, tenant_id=county.id, period=PERIOD, opens_on=JAN, closes_on=JAN_END)
    with pytest.raises(Conflict) as refused:
        async with acting(school) as session:
            await submit_report(session, tenant_id=school.id, period=PERIOD, actor=actor(school), today=dt.date(2026, 1, 4))
    assert (
        refused.value.code == "WINDOW_NOT_OPEN" and "2026-01-05" in refused.value.message and county.name in refused.value.message
    )
    # On the opening day, and after the window closed (late), it is accepted
    async with acting(school) as session:
        report = await submit_report(session, tenant_id=school.id, period=PERIOD, actor=actor(school), today=JAN)
    assert report.state == "SUBMITTED"
    late_school = tree.schools[county.code][1]
    async with acting(late_school) as session:
        await submit_report(session, tenant_id=late_school.id, period=PERIOD, actor=actor(late_school), today=dt.date(2026, 3, 1))


async def test_late_reports_are_those_not_submitted_after_their_window_closed(tree, acting) -> None:  # type: ignore[no-untyped-def]
    city, (county, other) = tree.city, tree.counties
    # The city's window closes on 31 January, county 1's own for its schools on 15 January
    async with acting(city) as session:
        await set_window(session, tenant_id=city.id, period=PERIOD, opens_on=JAN, closes_on=JAN_END)
    async with acting(county) as session:
        await set_window(session, tenant_id=county.id, period=PERIOD, opens_on=JAN, closes_on=dt.date(2026, 1, 15))
    on_time = tree.schools[county.code][0]
    await submit(acting, on_time)
    await approve(acting, county, on_time)
    every = {t.code: t for t in [*tree.counties, *tree.all_schools()]}

    async def late(bureau, today):  # type: ignore[no-untyped-def]
        async with acting(bureau) as session:
            return [every[r.tenant.code] for r in await late_reports(session, bureau.path, PERIOD, today=today)]

    # On 20 January only county 1's schools are due: one approved, one late
    assert await late(city, dt.date(2026, 1, 20)) == [tree.schools[county.code][1]]
    # From 1 February everything under the city's window is due too (the counties, county 2's schools)
    after = await late(city, dt.date(2026, 2, 1))
    assert after == sorted([county, other, tree.schools[county.code][1], *tree.schools[other.code]], key=lambda t: t.code)
    # A county sees only its own subtree, with the city's window applying where it set none
    assert await late(other, dt.date(2026, 2, 1)) == sorted(tree.schools[other.code], key=lambda t: t.code)
    assert await late(county, dt.date(2026, 1, 20)) == [tree.schools[county.code][1]]
    # A school that submits is no longer late; the reports carry the window that made them late
    await submit(acting, tree.schools[other.code][0])
    async with acting(other) as session:
        rows = await late_reports(session, other.path, PERIOD, today=dt.date(2026, 2, 1))
    assert [r.tenant_id for r in rows] == [tree.schools[other.code][1].id]
    assert rows[0].window.set_by == city.name and rows[0].state.value == "OPEN"  # type: ignore[union-attr]
    # Before any window closed, nobody is late
    assert await late(city, dt.date(2026, 1, 10)) == []
    # Pages follow the tenant code
    async with acting(city) as session:
        first = await late_reports(session, city.path, PERIOD, today=dt.date(2026, 2, 1), limit=2)
        rest = await late_reports(session, city.path, PERIOD, today=dt.date(2026, 2, 1), after_code=first[-1].tenant.code)
    assert [r.tenant.code for r in first + rest] == [t.code for t in after if t is not tree.schools[other.code][0]]
