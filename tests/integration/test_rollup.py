"""The rollup chain on real databases: marks written with the data, recomputation from children,
agreement with the engine's whole-subtree computation at every level, and the full check."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select, update

from runxin.platform.indicators import TenantRef, compute_indicators
from runxin.platform.indicators.definitions import INDICATORS
from runxin.platform.rollup.full import full_rollup
from runxin.platform.rollup.models import Aggregate, RollupDirty
from runxin.platform.rollup.recompute import recompute_tenant
from runxin.platform.standards import STANDARDS
from runxin.platform.stations.models import Station
from runxin.platform.targets.models import Target
from runxin.platform.tree.models import Tenant
from runxin.tenants.scoping import as_system, bind_principal
from tests.factories.rollup import drain as drain_rollups
from tests.factories.tree import make_tree
from tests.integration.test_indicators import YEAR, add, centre, enrol, hotline, principal_for, profile, staff, station

STANDARD = STANDARDS["2023"]
YEARS = (YEAR,)


async def drain(sessionmaker) -> int:  # type: ignore[no-untyped-def]
    return await drain_rollups(sessionmaker, years=YEARS)


async def stored_cells(session) -> dict:  # type: ignore[no-untyped-def]
    # populate_existing: the fixture session keeps its objects, and a second read must not show the first's
    statement = select(Aggregate).where(Aggregate.year == YEAR).execution_options(populate_existing=True)
    rows = (await session.execute(statement)).scalars().all()
    return {(row.tenant_id, row.indicator): row for row in rows}


async def assert_matches_engine(session, tenants: list[Tenant]) -> None:  # type: ignore[no-untyped-def]
    """Every stored cell equals the engine's computation over the tenant's whole subtree."""
    expected = await compute_indicators(session, [TenantRef.of(t) for t in tenants], year=YEAR, standard=STANDARD)
    stored = await stored_cells(session)
    wrong = []
    for (tenant_id, code), value in expected.items():
        row = stored.get((tenant_id, code))
        if row is None:
            wrong.append((tenant_id, code, "missing"))
            continue
        got = (row.state, row.units_total, row.units_not_reported, round(row.numerator, 6), row.value and round(row.value, 9))
        want = (
            value.state.value,
            value.units_total,
            value.units_not_reported,
            round(value.numerator, 6),
            value.value and round(value.value, 9),
        )
        if got != want:
            wrong.append((tenant_id, code, got, want))
    assert wrong == []


async def generation_of(session, tenant: Tenant) -> tuple[int, int] | None:  # type: ignore[no-untyped-def]
    row = (
        await session.execute(
            select(RollupDirty.generation, RollupDirty.done_generation).where(RollupDirty.tenant_id == tenant.id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def test_a_write_marks_its_own_tenant_in_the_same_transaction(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    school, other = tree.all_schools()
    await system_session.execute(
        update(RollupDirty).values(done_generation=RollupDirty.generation)
    )  # the tree's own marks: settled
    before = await generation_of(system_session, school)

    # When the school writes a station through a scoped session
    async with sessionmaker() as session:
        bind_principal(session, principal_for(school))
        session.add(station(school))
        await session.commit()
    # Then its own row moved one generation on and is pending; the sibling's did not move
    after = await generation_of(system_session, school)
    assert after is not None and after[0] == (before[0] if before else 0) + 1 and after[0] > after[1]
    other_row = await generation_of(system_session, other)
    assert other_row is not None and other_row[0] == other_row[1]

    # When a write is rolled back, its mark goes with it
    async with sessionmaker() as session:
        bind_principal(session, principal_for(school))
        session.add(station(school))
        await session.flush()
        await session.rollback()
    assert await generation_of(system_session, school) == after

    # And a table the indicators do not read (a target) marks nothing
    async with sessionmaker() as session:
        bind_principal(session, principal_for(tree.counties[0]))
        session.add(
            Target(
                tenant_id=school.id,
                indicator="STATION_COVERAGE",
                set_by_id=tree.counties[0].id,
                value=1.0,
                due_date=dt.date(2026, 12, 31),
            )
        )
        await session.commit()
    assert await generation_of(system_session, school) == after


async def test_the_chain_agrees_with_the_engine_at_every_level_and_follows_changes(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given a city of 3 counties and 9 schools with facts in every family, spread at random
    rng = random.Random(20261124)
    tree = await make_tree(system_session, counties=3, schools_per_county=3)
    for county in tree.counties:
        await add(
            system_session, centre(county, volunteers=rng.choice([0, 8])), hotline(county, rng.choice(["ACTIVE", "PLANNED"]))
        )
    first, second = tree.all_schools()[0], tree.all_schools()[-1]
    await add(system_session, profile(first, central_rank=True, independent=True), station(first))
    for school in tree.all_schools()[1:]:
        if rng.random() < 0.8:
            await add(system_session, profile(school, central_rank=rng.random() < 0.6, independent=True))
        if rng.random() < 0.6:
            await add(system_session, station(school, area=rng.choice(["12", "20"])))
        await add(system_session, staff(school, "FULL_TIME", rng.randint(0, 2)), enrol(school, rng.randint(100, 2000)))
    await add(system_session, staff(tree.city, "FULL_TIME", 2))

    # When the workers drain the outbox
    await drain(sessionmaker)
    tenants = [tree.city, *tree.counties, *tree.all_schools()]
    # Then every tenant's stored figures equal the engine's over its whole subtree
    await assert_matches_engine(system_session, tenants)

    city_before = (await stored_cells(system_session))[tree.city.id, "STATION_COVERAGE"]
    city_before = (city_before.numerator, city_before.input_version)

    # When one school's station is suspended (a central school: it must have one) and another gains a station
    await system_session.execute(update(Station).where(Station.tenant_id == first.id).values(status="SUSPENDED"))
    async with sessionmaker() as session:
        bind_principal(session, principal_for(second))
        session.add(station(second))
        await session.commit()
    # (the bulk update above bypassed the unit of work, so it is marked by hand, as tree moves are)
    from runxin.platform.rollup.marking import mark_dirty

    async with sessionmaker() as session:
        as_system(session, "test")
        await mark_dirty(session, {first.id: first.root_id})
        await session.commit()
    runs = await drain(sessionmaker)
    # Then the change climbed to the city (recomputed at a newer input version), and the figures agree again
    assert runs >= 3
    city_after = (await stored_cells(system_session))[tree.city.id, "STATION_COVERAGE"]
    assert city_after.input_version > city_before[1]
    await assert_matches_engine(system_session, tenants)


async def test_recomputing_again_changes_nothing_and_stops_the_climb(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    school = tree.all_schools()[0]
    await add(system_session, profile(school, central_rank=True, independent=True), station(school))
    await drain(sessionmaker)
    before = {key: (row.numerator, row.state, row.input_version) for key, row in (await stored_cells(system_session)).items()}
    county_generation = await generation_of(system_session, tree.counties[0])

    # When the school is recomputed again (a duplicate message), forced past the pending check
    async with sessionmaker() as session:
        as_system(session, "test")
        result = await recompute_tenant(session, school.id, years=YEARS, standard=STANDARD, force=True)
        await session.commit()
    # Then nothing changed and its county was not marked again
    assert result.changed is False
    assert await generation_of(system_session, tree.counties[0]) == county_generation
    after = {key: (row.numerator, row.state, row.input_version) for key, row in (await stored_cells(system_session)).items()}
    assert after == before


async def test_full_rollup_reports_tampered_and_missing_cells_and_repairs_them(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    for school in tree.all_schools():
        await add(system_session, profile(school, central_rank=True, independent=True), station(school))
    await drain(sessionmaker)
    async with sessionmaker() as session:
        as_system(session, "check")
        clean = await full_rollup(session, years=YEARS, standard=STANDARD, repair=False)
    assert clean.mismatches == [] and clean.cells == len(INDICATORS) * (1 + 2 + 4)

    # When one county's cell is tampered with and one school's cell is lost
    county, school = tree.counties[0], tree.all_schools()[-1]
    await system_session.execute(
        update(Aggregate)
        .where(Aggregate.tenant_id == county.id, Aggregate.indicator == "STATION_COVERAGE")
        .values(numerator=0.0, value=0.0)
    )
    from sqlalchemy import delete

    await system_session.execute(
        delete(Aggregate).where(Aggregate.tenant_id == school.id, Aggregate.indicator == "FULL_TIME_TEACHER_COVERAGE")
    )
    async with sessionmaker() as session:
        as_system(session, "check")
        report = await full_rollup(session, years=YEARS, standard=STANDARD, repair=True)
        await session.commit()
    # Then the check names exactly those two cells, and the repair makes the next check clean
    assert sorted((m.tenant_code, m.indicator, m.stored is None) for m in report.mismatches) == sorted(
        [(county.code, "STATION_COVERAGE", False), (school.code, "FULL_TIME_TEACHER_COVERAGE", True)]
    )
    async with sessionmaker() as session:
        as_system(session, "check")
        assert (await full_rollup(session, years=YEARS, standard=STANDARD, repair=False)).mismatches == []
    await assert_matches_engine(system_session, [tree.city, *tree.counties, *tree.all_schools()])


@pytest.mark.parametrize("writes", [1, 5])
async def test_repeated_marks_coalesce_into_one_pending_row(system_session, sessionmaker, writes: int) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    await add(system_session, profile(school, central_rank=True, independent=True))
    await drain(sessionmaker)
    for _ in range(writes):
        async with sessionmaker() as session:
            bind_principal(session, principal_for(school))
            session.add(station(school))
            await session.commit()
    # One row per tenant, however many writes; one recompute each settles it and its ancestors
    # (the first station changes the coverage figures all the way up)
    rows = (await system_session.execute(select(RollupDirty).where(RollupDirty.tenant_id == school.id))).scalars().all()
    assert len(rows) == 1 and rows[0].generation - rows[0].done_generation == writes
    assert await drain(sessionmaker) == 3  # school, county, city


async def test_moving_a_training_session_to_another_year_marks_the_attendees_tenants(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from runxin.platform.training.models import TrainingAttendance, TrainingProgramme, TrainingSession
    from runxin.platform.training.services import update_training_session

    # Given a county session attended by a school's teacher, with everything settled
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county, school = tree.counties[0], tree.all_schools()[0]
    programme = TrainingProgramme(tenant_id=county.id, name="县级培训", level="COUNTY", year=YEAR)
    await add(system_session, programme)
    course = TrainingSession(
        tenant_id=county.id, programme_id=programme.id, title="春季", starts_on=dt.date(YEAR, 3, 1), ends_on=dt.date(YEAR, 3, 2),
        hours=Decimal(12), credits=Decimal(4),
    )  # fmt: skip
    teacher = staff(school, "FULL_TIME")[0]
    await add(system_session, course, teacher)
    await add(
        system_session,
        TrainingAttendance(
            tenant_id=school.id, session_id=course.id, staff_id=teacher.id, credits_awarded=Decimal(4), credit_year=YEAR
        ),
    )
    await drain(sessionmaker)
    settled = await generation_of(system_session, school)

    # When the county moves the session into the next year
    async with sessionmaker() as session:
        bind_principal(session, principal_for(county))
        await update_training_session(
            session, course.id, {"starts_on": dt.date(YEAR + 1, 1, 5), "ends_on": dt.date(YEAR + 1, 1, 6)}
        )
        await session.commit()
    # Then the school, whose teacher's credits moved year, is pending again
    moved = await generation_of(system_session, school)
    assert settled is not None and moved is not None and moved[0] > settled[0] and moved[0] > moved[1]
