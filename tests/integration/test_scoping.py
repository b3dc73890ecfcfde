"""The scoping hook on real databases: subtree only, ancestors by name, nothing without a principal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from runxin.platform.errors import NotFound, ScopeMissing
from runxin.platform.staffing.models import Staff
from runxin.platform.tree.models import Tenant, TenantKind
from runxin.platform.tree.services import move_tenant
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import bind_principal
from tests.factories.tree import make_tree


def principal_for(tenant: Tenant, roles: set[str] | None = None) -> Principal:
    return Principal(
        subject=f"user-of-{tenant.code}",
        tenant_id=tenant.id,
        tenant_path=tenant.path,
        tenant_kind=tenant.kind,
        roles=frozenset(roles or {"ADMIN"}),
    )


async def add_staff(session, school: Tenant, name: str) -> None:  # type: ignore[no-untyped-def]
    session.add(Staff(tenant_id=school.id, kind="FULL_TIME", name=name))
    await session.commit()


async def test_county_sees_its_schools_staff_only(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given two counties with one teacher in each school
    tree = await make_tree(system_session)
    for school in tree.all_schools():
        await add_staff(system_session, school, f"教师{school.code}")
    county_a, county_b = tree.counties
    # When county A lists staff
    async with sessionmaker() as session:
        bind_principal(session, principal_for(county_a))
        names = set((await session.execute(select(Staff.name))).scalars())
        tenants = {t.code for t in (await session.execute(select(Tenant))).scalars()}
    # Then only county A's schools' staff come back, and of the tree it sees its subtree and the city
    assert names == {f"教师{s.code}" for s in tree.schools[county_a.code]}
    assert tenants == {tree.city.code, county_a.code, *(s.code for s in tree.schools[county_a.code])}
    assert county_b.code not in tenants


async def test_school_does_not_see_sibling(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    first, second = tree.all_schools()
    await add_staff(system_session, second, "隔壁老师")
    async with sessionmaker() as session:
        bind_principal(session, principal_for(first))
        assert (await session.execute(select(Staff))).scalars().all() == []
        assert (await session.execute(select(Tenant).where(Tenant.id == second.id))).scalar_one_or_none() is None


async def test_statement_without_principal_fails(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await make_tree(system_session, counties=1, schools_per_county=1)
    async with sessionmaker() as session:
        with pytest.raises(ScopeMissing):
            await session.execute(select(Staff))


async def test_write_outside_subtree_is_refused(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    county_a, county_b = tree.counties
    foreign_school = tree.schools[county_b.code][0]
    async with sessionmaker() as session:
        bind_principal(session, principal_for(county_a))
        session.add(Staff(tenant_id=foreign_school.id, kind="FULL_TIME", name="越权"))
        with pytest.raises(NotFound):
            await session.flush()
    # Nothing was written
    assert (await system_session.execute(select(Staff))).scalars().all() == []


async def test_root_id_is_filled_from_the_tree(system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    staff = Staff(tenant_id=school.id, kind="PART_TIME", name="兼职")
    system_session.add(staff)
    await system_session.commit()
    assert staff.root_id == tree.city.id


async def test_moving_a_school_keeps_history_and_rescopes(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    county_a, county_b = tree.counties
    school = tree.schools[county_a.code][0]
    await add_staff(system_session, school, "随校迁移")
    # When the school moves from county A to county B
    await move_tenant(system_session, school, county_b)
    await system_session.commit()
    # Then county B sees its staff and county A no longer does
    for county, expected in ((county_a, set()), (county_b, {"随校迁移"})):
        async with sessionmaker() as session:
            bind_principal(session, principal_for(county))
            assert set((await session.execute(select(Staff.name))).scalars()) == expected
    from runxin.platform.tree.models import TenantParentLink

    links = (
        await system_session.execute(select(TenantParentLink).where(TenantParentLink.tenant_id == school.id))
    ).scalars().all()
    assert {link.parent_id for link in links} == {county_a.id, county_b.id}
    assert sum(link.valid_to is None for link in links) == 1
    assert TenantKind(school.kind) is TenantKind.SCHOOL
