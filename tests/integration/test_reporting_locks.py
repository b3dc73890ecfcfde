"""Period locks on real databases: a submitted or approved report refuses writes to its tenant's
period-keyed records (PERIOD_LOCKED, naming whose report, its version and who can reopen it), and
reopening lets them through again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from runxin.platform.centres.services import create_centre, record_centre_activity
from runxin.platform.errors import Invalid
from runxin.platform.hotlines.models import HotlineCallCount
from runxin.platform.hotlines.services import create_hotline, record_call_counts
from runxin.platform.reporting.services import reopen_report, return_report
from runxin.platform.schools.services import record_enrolment
from runxin.platform.staffing.services import create_staff
from runxin.platform.training.services import create_programme, create_training_session, register_attendance
from tests.factories.tree import Tree, make_tree
from tests.integration.test_reporting_chain import PERIOD, acting_as, actor, approve, approve_county, submit


@pytest.fixture
def acting(sessionmaker):  # type: ignore[no-untyped-def]
    return acting_as(sessionmaker)


@pytest.fixture
async def tree(system_session) -> Tree:  # type: ignore[no-untyped-def]
    return await make_tree(system_session, counties=1, schools_per_county=2)


async def test_call_counts_are_locked_while_submitted_and_approved_and_free_after_reopening(tree, acting, system_session) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    async with acting(school) as session:
        hotline = await create_hotline(session, tenant_id=school.id, values={"number": "12355", "always_open": True})
        await record_call_counts(session, hotline.id, PERIOD, 10, 1, 0)
    await submit(acting, school)
    # When the school changes its 2025 call counts after submitting
    with pytest.raises(Invalid) as refused:
        async with acting(school) as session:
            await record_call_counts(session, hotline.id, PERIOD, 12, 1, 0)
    # Then it is refused, saying whose report, which version and whom to ask
    assert (refused.value.field, refused.value.code) == ("period", "PERIOD_LOCKED")
    message = refused.value.message
    assert (
        school.name in message and "submitted" in message and "version 1" in message and f"ask {county.name} to return" in message
    )
    # When the county approves it, neither the school nor the county may change them
    await approve(acting, county, school)
    for writer in (school, county):
        with pytest.raises(Invalid) as refused:
            async with acting(writer) as session:
                await record_call_counts(session, hotline.id, PERIOD, 12, 1, 0)
        assert refused.value.code == "PERIOD_LOCKED" and f"ask {county.name} to reopen" in refused.value.message
    # And another period is not locked
    async with acting(school) as session:
        await record_call_counts(session, hotline.id, "202501", 3, 0, 0)
    # When the county reopens the report, the school corrects its counts
    async with acting(county) as session:
        await reopen_report(session, tenant_id=school.id, period=PERIOD, actor=actor(county))
    async with acting(school) as session:
        await record_call_counts(session, hotline.id, PERIOD, 12, 1, 0)
    stored = await system_session.execute(select(HotlineCallCount.calls).where(HotlineCallCount.period == PERIOD))
    assert stored.scalar_one() == 12


async def test_a_returned_report_unlocks_its_data(tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    async with acting(school) as session:
        await record_enrolment(session, school.id, 2025, 600)
    await submit(acting, school, period="2025SY")
    with pytest.raises(Invalid) as refused:
        async with acting(school) as session:
            await record_enrolment(session, school.id, 2025, 640)
    assert (refused.value.field, refused.value.code) == ("school_year", "PERIOD_LOCKED")
    # The school year 2024 is another period
    async with acting(school) as session:
        await record_enrolment(session, school.id, 2024, 580)
    async with acting(county) as session:
        await return_report(session, tenant_id=school.id, period="2025SY", actor=actor(county), reason="人数与学籍系统不符")
    async with acting(school) as session:
        await record_enrolment(session, school.id, 2025, 640)


async def test_a_county_locks_its_own_centre_activity_and_the_city_is_named_to_reopen(tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    async with acting(county) as session:
        centre = await create_centre(
            session,
            tenant_id=county.id,
            values={"name": "辅导中心", "status": "OPERATIONAL", "opening_date": dt.date(2023, 5, 1), "online": True},
        )
        await record_centre_activity(session, centre.id, "2025T1", 4, 1)
    await approve_county(acting, tree, county)  # schools approved, county submitted: 2025 only
    # Other periods of the county are not locked
    async with acting(county) as session:
        await record_centre_activity(session, centre.id, "2025T1", 5, 1)
    # 2025 is
    with pytest.raises(Invalid) as refused:
        async with acting(county) as session:
            await record_centre_activity(session, centre.id, PERIOD, 5, 1)
    assert refused.value.code == "PERIOD_LOCKED" and tree.city.name in refused.value.message


async def test_training_credits_are_locked_by_the_year_they_count_in(tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    async with acting(county) as session:
        programme = await create_programme(
            session, tenant_id=county.id, values={"name": "全员培训", "level": "COUNTY", "year": 2025}
        )
        values = {
            "title": "第一期",
            "starts_on": dt.date(2025, 3, 1),
            "ends_on": dt.date(2025, 3, 2),
            "hours": Decimal(12),
            "credits": Decimal(2),
        }
        training = await create_training_session(session, programme_id=programme.id, values=values)
        teacher = await create_staff(session, tenant_id=school.id, values={"kind": "FULL_TIME", "name": "李老师"})
    await submit(acting, school)
    with pytest.raises(Invalid) as refused:
        async with acting(county) as session:
            await register_attendance(
                session, session_id=training.id, staff_id=teacher.id, completed=True, credits_awarded=Decimal(2)
            )
    assert (refused.value.field, refused.value.code) == ("credit_year", "PERIOD_LOCKED")
    assert school.name in refused.value.message
