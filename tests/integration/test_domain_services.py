"""Domain services on real databases: create and update through a principal-bound session, invalid
changes leave nothing behind, another county's records are not found, and upserts keep one row."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.centres.models import CentreActivity, CounsellingCentre
from runxin.platform.centres.services import create_centre, record_centre_activity, update_centre
from runxin.platform.errors import Conflict, Invalid, InvalidMany, NotFound, PermissionDenied
from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from runxin.platform.hotlines.services import create_hotline, record_call_counts, update_hotline
from runxin.platform.schools.models import SchoolEnrolment, SchoolProfile
from runxin.platform.schools.services import record_enrolment, upsert_school_profile
from runxin.platform.staffing.models import Staff
from runxin.platform.staffing.services import create_staff, update_staff
from runxin.platform.targets.models import Target
from runxin.platform.targets.services import create_target, update_target
from runxin.platform.training.models import TrainingAttendance, TrainingProgramme, TrainingSession
from runxin.platform.training.services import (
    create_programme,
    create_training_session,
    credit_summary,
    register_attendance,
    update_programme,
    update_training_session,
)
from runxin.platform.tree.models import Tenant
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import bind_principal, principal_of
from tests.e2e.counting import RLS_SCOPE_PREFIX
from tests.factories.tree import Tree, make_tree


def principal_for(tenant: Tenant) -> Principal:
    return Principal(
        subject=f"user-of-{tenant.code}", tenant_id=tenant.id, tenant_path=tenant.path, tenant_kind=tenant.kind, roles=frozenset({"ADMIN"})
    )


@pytest.fixture
async def tree(system_session) -> Tree:  # type: ignore[no-untyped-def]
    return await make_tree(system_session, counties=2, schools_per_county=2)


@pytest.fixture
def acting(sessionmaker):  # type: ignore[no-untyped-def]
    """`async with acting(tenant) as session`: a session bound to a user of `tenant`, committed on exit."""

    @asynccontextmanager
    async def open_as(tenant: Tenant) -> AsyncIterator[AsyncSession]:
        async with sessionmaker() as session:
            bind_principal(session, principal_for(tenant))
            yield session
            await session.commit()

    return open_as


def problem_codes(error: Invalid | InvalidMany) -> set[str]:
    return {e.code for e in error.errors} if isinstance(error, InvalidMany) else {error.code}


# --- create / update / invalid / foreign, the same for every record --------------------------------


@dataclass
class Case:
    name: str
    model: type
    owner: Callable[[Tree], Tenant]
    create: Callable[[AsyncSession, Tree], Awaitable[Any]]
    update: Callable[[AsyncSession, uuid.UUID, Mapping[str, Any]], Awaitable[Any]]
    good_change: dict[str, Any]
    bad_change: dict[str, Any]
    bad_code: str


def county_a(tree: Tree) -> Tenant:
    return tree.counties[0]


def school_a(tree: Tree) -> Tenant:
    return tree.schools[tree.counties[0].code][0]


async def _programme(session: AsyncSession, tree: Tree) -> TrainingProgramme:
    return await create_programme(
        session, tenant_id=county_a(tree).id, values={"name": "全员培训", "level": "COUNTY", "year": 2025}
    )


async def _training_session(session: AsyncSession, tree: Tree) -> TrainingSession:
    programme = await _programme(session, tree)
    values = {"title": "第一期", "starts_on": dt.date(2025, 3, 1), "ends_on": dt.date(2025, 3, 2), "hours": Decimal(12), "credits": Decimal(2)}
    return await create_training_session(session, programme_id=programme.id, values=values)


async def _update_target(session: AsyncSession, target_id: uuid.UUID, changes: Mapping[str, Any]) -> Target:
    # The editor is the caller's own tenant, as the API passes it.
    return await update_target(session, target_id, changes, editor_tenant_id=principal_of(session).tenant_id)  # type: ignore[union-attr]


CASES = [
    Case(
        "centre",
        CounsellingCentre,
        county_a,
        lambda s, t: create_centre(
            s,
            tenant_id=county_a(t).id,
            values={"name": "辅导中心", "status": "OPERATIONAL", "opening_date": dt.date(2023, 5, 1), "online": True},
        ),
        update_centre,
        {"volunteer_team_size": 60},
        {"volunteer_team_size": 10_001, "online": False, "offline": False},
        "TOO_LARGE",
    ),
    Case(
        "county hotline",
        Hotline,
        county_a,
        lambda s, t: create_hotline(s, tenant_id=county_a(t).id, values={"number": "0797 8123456", "always_open": True}),
        update_hotline,
        {"status": "ACTIVE"},
        {"number": "8123456"},  # no area code
        "PHONE_FORMAT",
    ),
    Case(
        "school hotline",
        Hotline,
        school_a,
        lambda s, t: create_hotline(s, tenant_id=school_a(t).id, values={"number": "13812345678", "schedule": "周一至周五 8:00-17:00"}),
        update_hotline,
        {"always_open": True},
        {"schedule": "", "always_open": False},
        "SCHEDULE_REQUIRED",
    ),
    Case(
        "staff",
        Staff,
        school_a,
        lambda s, t: create_staff(s, tenant_id=school_a(t).id, values={"kind": "FULL_TIME", "name": "李老师", "birth_date": dt.date(1990, 1, 1)}),
        update_staff,
        {"qualifications": "psy_degree, TEACHER_CERT"},
        {"kind": "HOMEROOM", "strong_teacher": True},
        "STRONG_TEACHER_KIND",
    ),
    Case(
        "programme",
        TrainingProgramme,
        county_a,
        _programme,
        update_programme,
        {"audience": "ALL_STAFF"},
        {"level": "SCHOOL"},
        "LEVEL_BELOW_OWNER",
    ),
    Case(
        "training session",
        TrainingSession,
        county_a,
        _training_session,
        update_training_session,
        {"credits": Decimal(3)},
        {"ends_on": dt.date(2025, 2, 1)},
        "DATE_ORDER",
    ),
    Case(
        "target",
        Target,
        lambda t: t.city,
        lambda s, t: create_target(
            s,
            setter_tenant_id=t.city.id,
            scope_tenant_id=county_a(t).id,
            values={"indicator": "FULL_TIME_TEACHER_COVERAGE", "value": 0.8, "due_date": dt.date(2025, 12, 31)},
        ),
        _update_target,
        {"value": 1.0},
        {"value": 1.5},
        "TOO_LARGE",
    ),
]


def _columns(record: Any) -> dict[str, Any]:
    return {c.key: getattr(record, c.key) for c in record.__mapper__.column_attrs if c.key not in ("created_at", "updated_at")}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_create_and_update(case: Case, tree: Tree, acting) -> None:  # type: ignore[no-untyped-def]
    # Given a record created by a user of its owner
    async with acting(case.owner(tree)) as session:
        record = await case.create(session, tree)
        record_id = record.id
    # When a good change is applied
    async with acting(case.owner(tree)) as session:
        await case.update(session, record_id, case.good_change)
    # Then it is stored, and the record belongs to the tree of its tenant
    async with acting(case.owner(tree)) as session:
        stored = (await session.execute(select(case.model).where(case.model.id == record_id))).scalar_one()
        for field, value in case.good_change.items():
            expected = "PSY_DEGREE,TEACHER_CERT" if field == "qualifications" else value
            assert getattr(stored, field) == expected
        assert stored.root_id == tree.city.id


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_invalid_update_leaves_the_record_unchanged(case: Case, tree: Tree, acting) -> None:  # type: ignore[no-untyped-def]
    async with acting(case.owner(tree)) as session:
        record = await case.create(session, tree)
        record_id, before = record.id, _columns(record)
    # When a bad change is sent
    async with acting(case.owner(tree)) as session:
        with pytest.raises((Invalid, InvalidMany)) as caught:
            await case.update(session, record_id, case.bad_change)
        assert case.bad_code in problem_codes(caught.value)
    # Then a fresh session reads the record as it was
    async with acting(case.owner(tree)) as session:
        stored = (await session.execute(select(case.model).where(case.model.id == record_id))).scalar_one()
        assert _columns(stored) == before


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_a_record_of_another_county_is_not_found(case: Case, tree: Tree, acting) -> None:  # type: ignore[no-untyped-def]
    async with acting(case.owner(tree)) as session:
        record_id = (await case.create(session, tree)).id
    county_b = tree.counties[1]
    async with acting(county_b) as session:
        with pytest.raises(NotFound):
            await case.update(session, record_id, case.good_change)


# --- upserts ----------------------------------------------------------------------------------


async def count(acting, tenant: Tenant, model: type) -> int:  # type: ignore[no-untyped-def]
    async with acting(tenant) as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_centre_activity_upsert_keeps_one_row_per_period(tree: Tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = county_a(tree)
    async with acting(county) as session:
        centre = await create_centre(session, tenant_id=county.id, values={"name": "辅导中心", "online": True})
    # When the same period is recorded twice (the second time in another spelling)
    async with acting(county) as session:
        await record_centre_activity(session, centre.id, "2025t1", 3, 1)
    async with acting(county) as session:
        activity = await record_centre_activity(session, centre.id, "2025T1", 5, 2)
    # Then one row holds the second values, under the canonical period id
    assert await count(acting, county, CentreActivity) == 1
    assert (activity.period, activity.guidance_visits, activity.trainings_delivered) == ("2025T1", 5, 2)
    # And a bad period or count is refused with every problem at once
    async with acting(county) as session:
        with pytest.raises(InvalidMany) as caught:
            await record_centre_activity(session, centre.id, "202513", -1, 1)
    assert problem_codes(caught.value) == {"PERIOD_FORMAT", "NEGATIVE"}
    # And another county does not find the centre
    async with acting(tree.counties[1]) as session:
        with pytest.raises(NotFound):
            await record_centre_activity(session, centre.id, "2025T1", 1, 1)


async def test_call_counts_upsert_keeps_one_row_per_period(tree: Tree, acting) -> None:  # type: ignore[no-untyped-def]
    school = school_a(tree)
    async with acting(school) as session:
        hotline = await create_hotline(session, tenant_id=school.id, values={"number": "12355", "always_open": True})
    async with acting(school) as session:
        await record_call_counts(session, hotline.id, "202601", 10, 1, 1)
    async with acting(school) as session:
        counts = await record_call_counts(session, hotline.id, "202601", 12, 2, 1)
    assert await count(acting, school, HotlineCallCount) == 1
    assert (counts.calls, counts.crisis_calls, counts.referrals) == (12, 2, 1)
    async with acting(school) as session:
        with pytest.raises(Invalid) as caught:
            await record_call_counts(session, hotline.id, "202601", 12, 13, 1)
    assert caught.value.code == "COUNT_EXCEEDS_CALLS"
    # The stored counts are unchanged
    async with acting(school) as session:
        stored = (await session.execute(select(HotlineCallCount))).scalar_one()
        assert (stored.calls, stored.crisis_calls) == (12, 2)
    async with acting(tree.schools[tree.counties[0].code][1]) as session:
        with pytest.raises(NotFound):
            await record_call_counts(session, hotline.id, "202601", 1, 0, 0)


async def test_school_profile_upsert_defaults_from_the_code(system_session, acting) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=2, category="36")
    school, sibling = tree.schools[tree.counties[0].code]
    foreign = tree.schools[tree.counties[1].code][0]
    # When the school saves its profile twice, naming its sibling as cluster centre the second time
    async with acting(school) as session:
        first = await upsert_school_profile(session, school.id, {"stages": "vocational", "central_rank": True})
    assert (first.category, first.vocational, first.stages) == ("36", True, "VOCATIONAL")
    async with acting(school) as session:
        await upsert_school_profile(session, school.id, {"cluster_centre_id": sibling.id})
    # Then one profile holds both
    async with acting(school) as session:
        stored = (await session.execute(select(SchoolProfile))).scalar_one()
        assert (stored.stages, stored.cluster_centre_id) == ("VOCATIONAL", sibling.id)
    # And the model-school level is no longer the profile's to set: its recognitions give it
    async with acting(school) as session:
        with pytest.raises(Invalid) as refused:
            await upsert_school_profile(session, school.id, {"model_school_level": "CITY"})
        assert (refused.value.field, refused.value.code) == ("model_school_level", "READ_ONLY")
    # And a cluster centre of another county, a category that differs from the code, or the
    # school itself are refused
    async with acting(school) as session:
        with pytest.raises(InvalidMany) as caught:
            await upsert_school_profile(session, school.id, {"cluster_centre_id": foreign.id, "category": "21"})
        assert problem_codes(caught.value) == {"CLUSTER_CENTRE_INVALID", "CATEGORY_MISMATCH"}
        with pytest.raises(Invalid) as one:
            await upsert_school_profile(session, school.id, {"cluster_centre_id": school.id})
        assert one.value.code == "CLUSTER_CENTRE_INVALID"
    # And another county does not find the school
    async with acting(tree.counties[1]) as session:
        with pytest.raises(NotFound):
            await upsert_school_profile(session, school.id, {"central_rank": False})


async def test_a_profile_belongs_to_a_school(tree: Tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = county_a(tree)
    async with acting(county) as session:
        with pytest.raises(Invalid) as caught:
            await upsert_school_profile(session, county.id, {})
    assert caught.value.code == "TENANT_KIND"


async def test_enrolment_upsert_keeps_one_row_per_school_year(tree: Tree, acting) -> None:  # type: ignore[no-untyped-def]
    school = school_a(tree)
    async with acting(school) as session:
        await record_enrolment(session, school.id, 2025, 900)
    async with acting(county_a(tree)) as session:  # the county may correct it
        await record_enrolment(session, school.id, 2025, 950)
    async with acting(school) as session:
        await record_enrolment(session, school.id, 2024, 880)
    async with acting(school) as session:
        rows = (await session.execute(select(SchoolEnrolment.school_year, SchoolEnrolment.students))).all()
        assert sorted(map(tuple, rows)) == [(2024, 880), (2025, 950)]
    async with acting(school) as session:
        with pytest.raises(Invalid) as caught:
            await record_enrolment(session, school.id, 2025, 20_001)
    assert caught.value.code == "TOO_LARGE"
    async with acting(tree.counties[1]) as session:
        with pytest.raises(NotFound):
            await record_enrolment(session, school.id, 2025, 1)


# --- training attendance and credits ----------------------------------------------------------------


async def test_attendance_upsert_and_credit_summary(tree: Tree, acting) -> None:  # type: ignore[no-untyped-def]
    county, school = county_a(tree), school_a(tree)
    async with acting(school) as session:
        teacher = await create_staff(session, tenant_id=school.id, values={"kind": "FULL_TIME", "name": "王老师"})
        absent = await create_staff(session, tenant_id=school.id, values={"kind": "PART_TIME", "name": "赵老师"})
    async with acting(county) as session:
        training = await _training_session(session, tree)
        later = await create_training_session(
            session,
            programme_id=training.programme_id,
            values={"title": "第二期", "starts_on": dt.date(2026, 1, 5), "ends_on": dt.date(2026, 1, 5), "hours": 4, "credits": 1},
        )
    # When the county registers the teacher twice for the same session, then for a 2026 session
    async with acting(county) as session:
        await register_attendance(session, session_id=training.id, staff_id=teacher.id, completed=False, credits_awarded=Decimal(0))
    async with acting(county) as session:
        attendance = await register_attendance(
            session, session_id=training.id, staff_id=teacher.id, completed=True, credits_awarded=Decimal(2)
        )
        await register_attendance(session, session_id=later.id, staff_id=teacher.id, completed=True, credits_awarded=Decimal(1))
    # Then one row per session and teacher, owned by the teacher's school
    assert attendance.tenant_id == school.id
    assert await count(acting, county, TrainingAttendance) == 2
    # And the school sees its teachers' credits per year, from sessions the county ran
    async with acting(school) as session:
        assert await credit_summary(session, [teacher.id, absent.id], 2025) == {teacher.id: Decimal(2), absent.id: Decimal(0)}
        assert await credit_summary(session, [teacher.id], 2026) == {teacher.id: Decimal(1)}
    # And another county's principal sees no credits of these teachers
    async with acting(tree.counties[1]) as session:
        assert await credit_summary(session, [teacher.id], 2025) == {teacher.id: Decimal(0)}
    # And more credits than the session gives are refused, leaving the registration as it was
    async with acting(county) as session:
        with pytest.raises(Invalid) as caught:
            await register_attendance(session, session_id=training.id, staff_id=teacher.id, completed=True, credits_awarded=Decimal(3))
    assert caught.value.code == "CREDITS_EXCEED_SESSION"
    async with acting(school) as session:
        assert await credit_summary(session, [teacher.id], 2025) == {teacher.id: Decimal(2)}


async def test_credit_summary_is_one_query(tree: Tree, acting, engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    statements: list[str] = []

    def log(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", log)
    try:
        async with acting(county_a(tree)) as session:
            await credit_summary(session, [uuid.uuid4() for _ in range(50)], 2025)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", log)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT") and not s.startswith(RLS_SCOPE_PREFIX)]) == 1


async def test_an_attendee_outside_the_programme_owner_is_refused(tree: Tree, acting) -> None:  # type: ignore[no-untyped-def]
    county_b_school = tree.schools[tree.counties[1].code][0]
    async with acting(county_b_school) as session:
        outsider = await create_staff(session, tenant_id=county_b_school.id, values={"kind": "FULL_TIME", "name": "外县老师"})
    async with acting(county_a(tree)) as session:
        training = await _training_session(session, tree)
    # The city sees both, but county A's programme is for county A's teachers
    async with acting(tree.city) as session:
        with pytest.raises(Invalid) as caught:
            await register_attendance(session, session_id=training.id, staff_id=outsider.id, completed=True, credits_awarded=Decimal(1))
    assert caught.value.code == "ATTENDEE_OUTSIDE_PROGRAMME"
    # County A does not even see the teacher
    async with acting(county_a(tree)) as session:
        with pytest.raises(NotFound):
            await register_attendance(session, session_id=training.id, staff_id=outsider.id, completed=True, credits_awarded=Decimal(1))


# --- targets ------------------------------------------------------------------------------------


async def test_only_the_setter_changes_a_target(tree: Tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = county_a(tree)
    values = {"indicator": "TRAINING_COVERAGE", "value": 1, "due_date": dt.date(2026, 12, 31)}
    async with acting(tree.city) as session:
        target = await create_target(session, setter_tenant_id=tree.city.id, scope_tenant_id=county.id, values=values)
    assert (target.tenant_id, target.set_by_id) == (county.id, tree.city.id)
    # The county sees the city's target for it but may not change it
    async with acting(county) as session:
        with pytest.raises(PermissionDenied):
            await update_target(session, target.id, {"value": 0.5}, editor_tenant_id=county.id)
    # Nor may anyone move it to another setter
    async with acting(tree.city) as session:
        with pytest.raises(Invalid) as caught:
            await update_target(session, target.id, {"set_by_id": county.id}, editor_tenant_id=tree.city.id)
    assert caught.value.code == "READ_ONLY"


async def test_a_target_scope_lies_under_its_setter(tree: Tree, acting) -> None:  # type: ignore[no-untyped-def]
    county, county_b = tree.counties
    values = {"indicator": "TRAINING_COVERAGE", "value": 1, "due_date": dt.date(2026, 12, 31)}
    async with acting(tree.city) as session:
        with pytest.raises(Invalid) as caught:
            await create_target(session, setter_tenant_id=county.id, scope_tenant_id=county_b.id, values=values)
    assert caught.value.code == "SCOPE_OUTSIDE_SETTER"
    async with acting(county) as session:
        with pytest.raises(NotFound):
            await create_target(session, setter_tenant_id=county.id, scope_tenant_id=county_b.id, values=values)


# --- concurrency and normalisation ---------------------------------------------------------------


async def test_a_concurrent_insert_is_a_conflict_and_a_retry_updates(tree: Tree, sessionmaker, acting) -> None:  # type: ignore[no-untyped-def]
    school = school_a(tree)
    async with sessionmaker() as racer, sessionmaker() as other:
        bind_principal(racer, principal_for(school))
        bind_principal(other, principal_for(school))
        lookup = racer.execute
        calls = 0

        async def execute_then_let_the_other_insert(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            result = await lookup(*args, **kwargs)
            calls += 1
            if calls == 1:  # right after the upsert's lookup found nothing
                await record_enrolment(other, school.id, 2025, 700)
                await other.commit()
            return result

        racer.execute = execute_then_let_the_other_insert  # type: ignore[method-assign]
        # When both insert enrolment for the same school year
        with pytest.raises(Conflict) as caught:
            await record_enrolment(racer, school.id, 2025, 710)
        assert caught.value.code == "CONCURRENT_WRITE"
        await racer.rollback()
        # Then sending it again updates the row the other one inserted
        await record_enrolment(racer, school.id, 2025, 710)
        await racer.commit()
    async with acting(school) as session:
        assert (await session.execute(select(SchoolEnrolment.students))).scalars().all() == [710]


async def test_phone_numbers_are_stored_normalised(tree: Tree, acting) -> None:  # type: ignore[no-untyped-def]
    county = county_a(tree)
    async with acting(county) as session:
        hotline = await create_hotline(session, tenant_id=county.id, values={"number": "０７９７－８１２３ ４５６", "always_open": True})
        staff = await create_staff(session, tenant_id=county.id, values={"kind": "FULL_TIME", "name": "中心老师", "phone": "138 1234 5678"})
    assert (hotline.number, staff.phone) == ("0797-8123456", "13812345678")
