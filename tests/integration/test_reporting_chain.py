"""The approval chain on real databases: a school submits, its county approves, the county submits
once every school is approved, the city accepts; snapshots stay frozen while live data moves;
reopening starts a new version; bulk approval is all-or-nothing; approval states are set-based."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.delivery.models import Delivery, DeliveryEndpoint
from runxin.platform.errors import Conflict, Invalid, InvalidMany, NotFound, PermissionDenied
from runxin.platform.indicators import INDICATORS
from runxin.platform.reporting.models import AggregateSnapshot, Report, ReportEvent
from runxin.platform.reporting.rules import ApprovalState, ReportState
from runxin.platform.reporting.services import (
    Actor,
    ReportsRefused,
    accept_report,
    approve_report,
    approve_reports,
    comment_on_report,
    reopen_report,
    return_report,
    submit_report,
)
from runxin.platform.reporting.snapshots import changes_since_approved, snapshots
from runxin.platform.reporting.states import approval_states, child_reports, report_events
from runxin.platform.schools.models import SchoolProfile
from runxin.platform.standards import standard
from runxin.platform.stations.models import Station
from runxin.platform.tree.models import Tenant
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import bind_principal
from tests.factories.tree import Tree, make_tree

PERIOD = "2025"
STANDARD = standard("2023")


def principal_for(tenant: Tenant) -> Principal:
    return Principal(
        subject=f"user@{tenant.code}",
        tenant_id=tenant.id,
        tenant_path=tenant.path,
        tenant_kind=tenant.kind,
        roles=frozenset({"ADMIN"}),
    )


def actor(tenant: Tenant) -> Actor:
    return Actor(subject=f"user@{tenant.code}", tenant_id=tenant.id)


@pytest.fixture
async def tree(system_session) -> Tree:  # type: ignore[no-untyped-def]
    return await make_tree(system_session, counties=2, schools_per_county=2)


def acting_as(sessionmaker):  # type: ignore[no-untyped-def]
    """`async with acting(tenant) as session`: a session bound to an administrator of `tenant`,
    committed on a clean exit and rolled back when the block raises (as a mutation is)."""

    @asynccontextmanager
    async def open_as(tenant: Tenant) -> AsyncIterator[AsyncSession]:
        async with sessionmaker() as session:
            bind_principal(session, principal_for(tenant))
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

    return open_as


@pytest.fixture
def acting(sessionmaker):  # type: ignore[no-untyped-def]
    return acting_as(sessionmaker)


def codes(error: Exception) -> list[str]:
    return [e.code for e in error.errors] if isinstance(error, InvalidMany) else [error.code]  # type: ignore[attr-defined]


async def report_of(system_session: AsyncSession, tenant: Tenant, period: str = PERIOD) -> Report | None:
    return (
        await system_session.execute(
            select(Report).where(Report.tenant_id == tenant.id, Report.period == period).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def submit(acting, tenant: Tenant, period: str = PERIOD) -> Report:  # type: ignore[no-untyped-def]
    async with acting(tenant) as session:
        return await submit_report(session, tenant_id=tenant.id, period=period, actor=actor(tenant))


async def approve(acting, approver: Tenant, *tenants: Tenant, period: str = PERIOD) -> list[Report]:  # type: ignore[no-untyped-def]
    async with acting(approver) as session:
        return await approve_reports(
            session, tenant_ids=[t.id for t in tenants], period=period, actor=actor(approver), standard=STANDARD
        )


async def approve_county(acting, tree: Tree, county: Tenant) -> None:  # type: ignore[no-untyped-def]
    """Every school of `county` submits and the county approves them all, then the county submits."""
    schools = tree.schools[county.code]
    for school in schools:
        await submit(acting, school)
    await approve(acting, county, *schools)
    await submit(acting, county)


async def make_central(system_session: AsyncSession, school: Tenant) -> None:
    """Give the school central-school rank, so it must have a station (STATION_COVERAGE counts it)."""
    system_session.add(
        SchoolProfile(tenant_id=school.id, root_id=school.root_id, category=school.code[:2], stages="PRIMARY", central_rank=True)
    )
    await system_session.flush()


async def add_station(system_session: AsyncSession, school: Tenant) -> None:
    system_session.add(
        Station(
            tenant_id=school.id,
            root_id=school.root_id,
            name="阳光辅导站",
            area_m2=Decimal(40),
            weekly_open_hours=Decimal(10),
            individual_counselling=True,
            assessment=True,
            sandplay=True,
        )
    )
    await system_session.flush()


async def test_a_school_submits_and_its_county_approves_freezing_its_figures(tree, acting, system_session) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    # When the school submits its report for 2025
    submitted = await submit(acting, school)
    # Then it is SUBMITTED at version 1, with who and when
    assert (submitted.state, submitted.version, submitted.submitted_by) == ("SUBMITTED", 1, f"user@{school.code}")
    # When its county approves it
    async with acting(county) as session:
        approved = await approve_report(session, tenant_id=school.id, period=PERIOD, actor=actor(county), standard=STANDARD)
    # Then it is APPROVED, decided by the county
    assert (approved.state, approved.version, approved.decided_by_tenant_id) == ("APPROVED", 1, county.id)
    # And one snapshot row per indicator froze the school's figures at version 1
    rows = (
        (await system_session.execute(select(AggregateSnapshot).where(AggregateSnapshot.tenant_id == school.id))).scalars().all()
    )
    assert sorted(r.indicator for r in rows) == sorted(i.code for i in INDICATORS)
    assert {(r.period, r.version, r.year, r.report_id) for r in rows} == {(PERIOD, 1, 2025, approved.id)}
    # And the history holds both events
    async with acting(school) as session:
        events = (await report_events(session, [school.id], PERIOD))[school.id]
    assert [(e.action, e.actor, e.version) for e in events] == [
        ("SUBMIT", f"user@{school.code}", 1),
        ("APPROVE", f"user@{county.code}", 1),
    ]


async def test_the_county_cannot_approve_a_report_that_was_not_submitted(tree, acting, system_session) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    # When the county approves a school that has not submitted
    with pytest.raises(ReportsRefused) as refused:
        await approve(acting, county, school)
    # Then it is refused, saying the school must submit first, and nothing is written
    assert codes(refused.value) == ["NOT_SUBMITTED"]
    assert refused.value.errors[0].field == "tenant_ids.0"
    assert "submits it first" in refused.value.errors[0].message
    assert await report_of(system_session, school) is None


async def test_only_the_parent_approves(tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    await submit(acting, school)
    # When the school approves its own report, or the city approves it over the county's head
    for approver in (school, tree.city):
        with pytest.raises(ReportsRefused) as refused:
            await approve(acting, approver, school)
        # Then both are refused, naming the county as the approver
        assert codes(refused.value) == ["NOT_APPROVER"]
        assert county.name in refused.value.errors[0].message
    # And the other county does not even find the school
    with pytest.raises(ReportsRefused) as refused:
        await approve(acting, tree.counties[1], school)
    assert codes(refused.value) == ["NOT_FOUND"]


async def test_a_county_submits_only_when_every_school_is_approved(tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    first, second = tree.schools[county.code]
    await submit(acting, first)
    await approve(acting, county, first)
    # When the county submits while its second school has not submitted
    with pytest.raises(Conflict) as refused:
        await submit(acting, county)
    # Then it is refused, naming the school that is not approved yet
    assert refused.value.code == "CHILDREN_NOT_APPROVED"
    assert second.name in refused.value.message and first.name not in refused.value.message
    # When the second school is approved too, the county submits
    await submit(acting, second)
    await approve(acting, county, second)
    assert (await submit(acting, county)).state == "SUBMITTED"


async def test_the_city_accepts_once_every_county_is_approved(tree, acting, system_session) -> None:  # type: ignore[no-untyped-def]
    city = tree.city
    first, second = tree.counties
    await approve_county(acting, tree, first)
    await approve(acting, city, first)
    # When the city accepts while the second county is not approved
    async with acting(city) as session:
        with pytest.raises(Conflict) as refused:
            await accept_report(session, tenant_id=city.id, period=PERIOD, actor=actor(city), standard=STANDARD)
    assert refused.value.code == "CHILDREN_NOT_APPROVED" and second.name in refused.value.message
    # When the second county is approved and the city accepts
    await approve_county(acting, tree, second)
    await approve(acting, city, second)
    async with acting(city) as session:
        accepted = await accept_report(session, tenant_id=city.id, period=PERIOD, actor=actor(city), standard=STANDARD)
    # Then the city's report is APPROVED with an ACCEPT event, and its figures are frozen
    assert (accepted.state, accepted.version) == ("APPROVED", 1)
    actions = (await system_session.execute(select(ReportEvent.action).where(ReportEvent.tenant_id == city.id))).scalars().all()
    assert actions == ["ACCEPT"]
    frozen = await system_session.execute(select(func.count()).where(AggregateSnapshot.tenant_id == city.id))
    assert frozen.scalar_one() == len(INDICATORS)
    # And every level's approval state says so
    everyone = [city, *tree.counties, *tree.all_schools()]
    async with acting(city) as session:
        states = await approval_states(session, [(t.id, t.parent_id) for t in everyone], PERIOD)
    assert states[city.id].approval_state is ApprovalState.APPROVED_HERE
    assert {states[t.id].approval_state for t in everyone[1:]} == {ApprovalState.APPROVED_ABOVE}


async def test_a_county_cannot_accept_and_a_city_cannot_submit(tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    async with acting(county) as session:
        with pytest.raises(Conflict) as refused:
            await accept_report(session, tenant_id=county.id, period=PERIOD, actor=actor(county), standard=STANDARD)
    assert refused.value.code == "NOT_ROOT" and tree.city.name in refused.value.message
    with pytest.raises(Conflict) as refused:
        await submit(acting, tree.city)
    assert refused.value.code == "ROOT_ACCEPTS"


async def test_the_city_accepting_queues_a_delivery_to_its_platform(tree, acting, system_session) -> None:  # type: ignore[no-untyped-def]
    city = tree.city
    system_session.add(DeliveryEndpoint(tenant_id=city.id, root_id=city.id, url="https://platform.example.cn/hook", secrets="[]"))
    await system_session.flush()
    for county in tree.counties:
        await approve_county(acting, tree, county)
    await approve(acting, city, *tree.counties)
    # When the city accepts
    async with acting(city) as session:
        await accept_report(session, tenant_id=city.id, period=PERIOD, actor=actor(city), standard=STANDARD)
    # Then a delivery of version 1 was written in the same transaction
    deliveries = (await system_session.execute(select(Delivery))).scalars().all()
    assert [(d.tenant_id, d.period, d.version) for d in deliveries] == [(city.id, PERIOD, 1)]


async def test_the_snapshot_stays_frozen_while_live_data_moves(tree, acting, system_session) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    await make_central(system_session, school)
    await submit(acting, school)
    await approve(acting, county, school)
    async with acting(county) as session:
        before = (await snapshots(session, [school.id], PERIOD))[school.id]
        unchanged = await changes_since_approved(session, school, PERIOD, standard=STANDARD)
    assert unchanged == []
    # When the school opens a standard counselling station after approval (stations are not locked)
    await add_station(system_session, school)
    # Then the approved figures are the same as before
    async with acting(county) as session:
        after = (await snapshots(session, [school.id], PERIOD))[school.id]
        changes = await changes_since_approved(session, school, PERIOD, standard=STANDARD)
    assert after == before
    assert after.figures["STATION_COVERAGE"].value == 0.0
    # And the changes since the approved version show the station, and only what moved
    moved = {c.indicator: c for c in changes}  # type: ignore[union-attr]
    assert moved["STATION_COVERAGE"].approved.value == 0.0 and moved["STATION_COVERAGE"].current.value == 1.0
    assert moved["STATION_COVERAGE"].approved_version == 1
    assert "CENTRE_COVERAGE" not in moved
    # And a tenant with no approved version has no comparison at all
    async with acting(county) as session:
        assert await changes_since_approved(session, county, PERIOD, standard=STANDARD) is None


async def test_reopening_bumps_the_version_and_waits_for_the_parent(tree, acting, system_session) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    await approve_county(acting, tree, county)
    # When the county reopens a school while its own report is submitted to the city
    async with acting(county) as session:
        with pytest.raises(Conflict) as refused:
            await reopen_report(session, tenant_id=school.id, period=PERIOD, actor=actor(county))
    # Then it is refused, naming the county's own report
    assert refused.value.code == "PARENT_LOCKED"
    assert f"{county.name}'s own report" in refused.value.message and "submitted" in refused.value.message
    # When the city approves the county, the county still cannot reopen its school
    await approve(acting, tree.city, county)
    async with acting(county) as session:
        with pytest.raises(Conflict) as refused:
            await reopen_report(session, tenant_id=school.id, period=PERIOD, actor=actor(county))
    assert refused.value.code == "PARENT_LOCKED" and "approved" in refused.value.message
    # When the city reopens the county, then the county reopens the school
    async with acting(tree.city) as session:
        county_report = await reopen_report(session, tenant_id=county.id, period=PERIOD, actor=actor(tree.city))
    async with acting(county) as session:
        reopened = await reopen_report(session, tenant_id=school.id, period=PERIOD, actor=actor(county), comment="补录")
    # Then both are OPEN at version 2, and version 1's snapshots are still there
    assert (county_report.state, county_report.version) == ("OPEN", 2)
    assert (reopened.state, reopened.version, reopened.decided_by) == ("OPEN", 2, None)
    versions = (
        await system_session.execute(select(AggregateSnapshot.version).where(AggregateSnapshot.tenant_id == school.id).distinct())
    ).scalars()
    assert list(versions) == [1]
    # And submitting and approving again freezes version 2 beside version 1
    await submit(acting, school)
    await approve(acting, county, school)
    async with acting(county) as session:
        latest = (await snapshots(session, [school.id], PERIOD))[school.id]
        first = (await snapshots(session, [school.id], PERIOD, version=1))[school.id]
    assert (latest.version, first.version) == (2, 1)


async def test_reopen_needs_an_approved_report_and_the_approver(tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    await submit(acting, school)
    async with acting(county) as session:
        with pytest.raises(Conflict) as refused:
            await reopen_report(session, tenant_id=school.id, period=PERIOD, actor=actor(county))
    assert refused.value.code == "NOT_APPROVED" and "reportReturn" in refused.value.message
    await approve(acting, county, school)
    async with acting(school) as session:
        with pytest.raises(PermissionDenied) as denied:
            await reopen_report(session, tenant_id=school.id, period=PERIOD, actor=actor(school))
    assert denied.value.code == "NOT_APPROVER"


async def test_returning_needs_a_reason_and_an_approved_return_starts_a_new_version(tree, acting, system_session) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    await submit(acting, school)
    # When the county returns it without a reason, it is refused
    async with acting(county) as session:
        with pytest.raises(Invalid) as refused:
            await return_report(session, tenant_id=school.id, period=PERIOD, actor=actor(county), reason="  ")
    assert (refused.value.field, refused.value.code) == ("reason", "REQUIRED")
    # When it returns the submitted report with a reason, the version stays
    async with acting(county) as session:
        returned = await return_report(session, tenant_id=school.id, period=PERIOD, actor=actor(county), reason="热线数字有误")
    assert (returned.state, returned.version, returned.return_reason) == ("RETURNED", 1, "热线数字有误")
    # When the school submits again and the county approves, then returns the approved report
    await submit(acting, school)
    await approve(acting, county, school)
    async with acting(county) as session:
        again = await return_report(session, tenant_id=school.id, period=PERIOD, actor=actor(county), reason="再核对")
    # Then the approved version 1 stays frozen and the returned report is version 2
    assert (again.state, again.version) == ("RETURNED", 2)
    await submit(acting, school)
    await approve(acting, county, school)
    versions = await system_session.execute(
        select(AggregateSnapshot.version).where(AggregateSnapshot.tenant_id == school.id).distinct()
    )
    assert sorted(versions.scalars()) == [1, 2]


async def test_bulk_approval_is_all_or_nothing(tree, acting, system_session) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    first, second = tree.schools[county.code]
    other_school = tree.schools[tree.counties[1].code][0]
    await submit(acting, first)
    # When the county approves a submitted school, one that did not submit, and one not under it
    with pytest.raises(ReportsRefused) as refused:
        await approve(acting, county, first, second, other_school)
    # Then every failure is reported with its place in the list, and nothing is written
    assert [(e.field, e.code) for e in refused.value.errors] == [("tenant_ids.1", "NOT_SUBMITTED"), ("tenant_ids.2", "NOT_FOUND")]
    assert refused.value.errors[0].message.startswith(second.name)
    assert (await report_of(system_session, first)).state == "SUBMITTED"  # type: ignore[union-attr]
    assert (await system_session.execute(select(func.count()).select_from(AggregateSnapshot))).scalar_one() == 0
    # When both schools have submitted, one call approves both (a repeated id counts once)
    await submit(acting, second)
    approved = await approve(acting, county, first, second, first)
    assert [(r.tenant_id, r.state) for r in approved] == [(first.id, "APPROVED"), (second.id, "APPROVED")]


async def test_comments_are_kept_on_own_and_lower_reports_only(tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    async with acting(county) as session:
        await comment_on_report(session, tenant_id=school.id, period=PERIOD, actor=actor(county), comment="请按时报送")
    async with acting(school) as session:
        events = (await report_events(session, [school.id], PERIOD))[school.id]
        with pytest.raises(NotFound):
            await comment_on_report(session, tenant_id=county.id, period=PERIOD, actor=actor(school), comment="收到")
        with pytest.raises(Invalid):
            await comment_on_report(session, tenant_id=school.id, period=PERIOD, actor=actor(school), comment="")
    assert [(e.action, e.comment, e.actor_tenant_id) for e in events] == [("COMMENT", "请按时报送", county.id)]


async def test_bad_period_ids_are_refused(tree, acting) -> None:  # type: ignore[no-untyped-def]
    school = tree.all_schools()[0]
    async with acting(school) as session:
        with pytest.raises(Invalid) as refused:
            await submit_report(session, tenant_id=school.id, period="2025-03", actor=actor(school))
    assert (refused.value.field, refused.value.code) == ("period", "PERIOD_FORMAT")
    async with acting(school) as session:
        with pytest.raises(Invalid) as refused:
            await submit_report(session, tenant_id=school.id, period="2099", actor=actor(school))
    assert refused.value.code == "PERIOD_IN_FUTURE"


async def test_approval_states_take_three_statements_and_agree_with_the_worklist(tree, acting, engine) -> None:  # type: ignore[no-untyped-def]
    county, other = tree.counties
    first, second = tree.schools[county.code]
    await submit(acting, first)
    await approve(acting, county, first)
    await submit(acting, second)
    await submit(acting, tree.schools[other.code][0])
    everyone = [tree.city, *tree.counties, *tree.all_schools()]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "set_config" not in statement:
            statements.append(statement)

    # When the city asks for the approval state of all seven tenants
    async with acting(tree.city) as session:
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            states = await approval_states(session, [(t.id, t.parent_id) for t in everyone], PERIOD)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
        worklists = {t.id: await child_reports(session, t.id, PERIOD) for t in [tree.city, *tree.counties]}
    # Then three statements answered
    assert len(statements) == 3
    got = {t.code: states[t.id].approval_state for t in everyone}
    assert got == {
        tree.city.code: ApprovalState.WAITING_FOR_CHILDREN,
        county.code: ApprovalState.WAITING_FOR_CHILDREN,
        other.code: ApprovalState.WAITING_FOR_CHILDREN,
        first.code: ApprovalState.APPROVED_HERE,
        second.code: ApprovalState.SUBMITTED,
        tree.schools[other.code][0].code: ApprovalState.SUBMITTED,
        tree.schools[other.code][1].code: ApprovalState.READY,
    }
    # And the worklists, computed in SQL, say the same of every child
    for children in worklists.values():
        for child in children:
            assert child.approval_state is states[child.tenant_id].approval_state
            assert child.state is states[child.tenant_id].state
    # And a worklist filters by approval state
    async with acting(county) as session:
        ready = await child_reports(session, county.id, PERIOD, approval=ApprovalState.SUBMITTED)
    assert [r.tenant_id for r in ready] == [second.id]


async def test_a_school_sees_its_own_state_approved_above(tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    await approve_county(acting, tree, county)
    # While the county's report waits for the city, the school's is approved here
    async with acting(school) as session:
        state = (await approval_states(session, [(school.id, county.id)], PERIOD))[school.id]
    assert (state.state, state.approval_state) == (ReportState.APPROVED, ApprovalState.APPROVED_HERE)
    # Once the city approves the county, the school reads APPROVED_ABOVE (its county's row is read for it)
    await approve(acting, tree.city, county)
    async with acting(school) as session:
        state = (await approval_states(session, [(school.id, county.id)], PERIOD))[school.id]
    assert state.approval_state is ApprovalState.APPROVED_ABOVE


async def test_an_unknown_tenant_is_not_found(tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    async with acting(county) as session:
        with pytest.raises(NotFound):
            await return_report(session, tenant_id=uuid.uuid4(), period=PERIOD, actor=actor(county), reason="x")
