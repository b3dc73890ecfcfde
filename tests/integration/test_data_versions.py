"""Data versions on real databases: who writes moves whose version, and nothing else does."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from runxin.platform.audit.models import AuditEvent
from runxin.platform.dataversion import declare_writes, reader_statement, reader_version
from runxin.platform.staffing.models import Staff
from runxin.platform.tree.models import Tenant
from runxin.tenants.scoping import as_system, bind_principal
from tests.factories.tree import Tree, make_tree
from tests.integration.test_scoping import principal_for


async def versions(sessionmaker, tree: Tree) -> dict[str, tuple[int, ...]]:  # type: ignore[no-untyped-def]
    """The version each tenant of the tree reads, by code."""
    tenants: list[Tenant] = [tree.city, *tree.counties, *tree.all_schools()]
    found = {}
    async with sessionmaker() as session:
        as_system(session, "test")
        for tenant in tenants:
            rows = (await session.execute(reader_statement(tenant.path))).all()
            found[tenant.code] = reader_version(tenant.path, rows)
    return found


def moved(before: dict[str, tuple[int, ...]], after: dict[str, tuple[int, ...]]) -> set[str]:
    return {code for code in before if before[code] != after[code]}


async def write_staff_as(sessionmaker, writer: Tenant, school: Tenant, *, commit: bool = True) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        bind_principal(session, principal_for(writer))
        session.add(Staff(tenant_id=school.id, kind="FULL_TIME", name="王老师"))
        if commit:
            await session.commit()
        else:
            await session.flush()
            await session.rollback()


async def test_a_school_write_moves_the_school_and_everything_above_it(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given a city with two counties of two schools
    tree = await make_tree(system_session)
    county_a, _ = tree.counties
    school, sibling = tree.schools[county_a.code]
    before = await versions(sessionmaker, tree)
    # When the school's own user adds a teacher
    await write_staff_as(sessionmaker, school, school)
    # Then the school, its county and the city read a new version; its sibling and the other county do not
    assert moved(before, await versions(sessionmaker, tree)) == {school.code, county_a.code, tree.city.code}


async def test_a_county_write_moves_every_school_under_it(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given the tree
    tree = await make_tree(system_session)
    county_a, county_b = tree.counties
    school = tree.schools[county_a.code][0]
    before = await versions(sessionmaker, tree)
    # When the county bureau writes a record of one of its schools
    await write_staff_as(sessionmaker, county_a, school)
    # Then every reader that may see what the county wrote reads a new version: the county's
    # schools (the county could have written any of them), the county and the city
    after = await versions(sessionmaker, tree)
    assert moved(before, after) == {tree.city.code, county_a.code, *(s.code for s in tree.schools[county_a.code])}
    assert not {county_b.code, *(s.code for s in tree.schools[county_b.code])} & moved(before, after)


async def test_a_rolled_back_write_moves_nothing(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session)
    school = tree.all_schools()[0]
    before = await versions(sessionmaker, tree)
    await write_staff_as(sessionmaker, school, school, commit=False)
    assert moved(before, await versions(sessionmaker, tree)) == set()


async def test_an_audit_row_moves_nothing(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given the tree; When a school's request leaves its audit row
    tree = await make_tree(system_session)
    school = tree.all_schools()[0]
    before = await versions(sessionmaker, tree)
    async with sessionmaker() as session:
        bind_principal(session, principal_for(school))
        connection = await session.connection()
        await connection.execute(
            insert(AuditEvent.__table__).values(
                occurred_at=dt.datetime.now(dt.UTC),
                subject="s",
                tenant_id=school.id,
                tenant_path=school.path,
                document_hash="0" * 64,
                writes=[],
                personal_fields_read=[],
                personal_reads=0,
                masked_reads=0,
                outcome="ok",
                trace_id="0" * 32,
            )
        )
        await session.commit()
    # Then no cached answer is invalidated by it
    assert moved(before, await versions(sessionmaker, tree)) == set()


async def test_a_system_write_that_declares_nothing_moves_everyone(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session)
    before = await versions(sessionmaker, tree)
    async with sessionmaker() as session:
        as_system(session, "a job whose reach is unknown")
        session.add(Staff(tenant_id=tree.all_schools()[0].id, kind="PART_TIME", name="李老师"))
        await session.commit()
    assert moved(before, await versions(sessionmaker, tree)) == set(before)


async def test_a_declared_system_write_moves_the_tenant_and_its_ancestors(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given the tree
    tree = await make_tree(system_session)
    county_a = tree.counties[0]
    before = await versions(sessionmaker, tree)
    # When a job writes the county's figures and says so
    async with sessionmaker() as session:
        as_system(session, "rollup")
        declare_writes(session, [county_a.id])
        session.add(Staff(tenant_id=tree.schools[county_a.code][0].id, kind="PART_TIME", name="赵老师"))
        await session.commit()
    # Then the county and the city read a new version, the county's schools do not (they never read its figures)
    assert moved(before, await versions(sessionmaker, tree)) == {county_a.code, tree.city.code}


async def test_an_autocommit_write_moves_everyone(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # The fixture's system session autocommits: each statement is committed as it runs.
    tree = await make_tree(system_session)
    before = await versions(sessionmaker, tree)
    system_session.add(Staff(tenant_id=tree.all_schools()[0].id, kind="PART_TIME", name="钱老师"))
    await system_session.flush()
    assert moved(before, await versions(sessionmaker, tree)) == set(before)

