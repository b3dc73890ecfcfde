"""Creating and moving tenants on real databases: shape and code rules, and a tree that stays whole."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from runxin.platform.errors import Conflict, Invalid
from runxin.platform.staffing.models import Staff
from runxin.platform.tree import services
from runxin.platform.tree.models import ALLOWED_PARENT, Tenant, TenantKind, TenantParentLink
from runxin.platform.tree.services import create_tenant, move_tenant
from runxin.tenants.scoping import as_system
from tests.factories.tree import make_tree

# --- helpers ------------------------------------------------------------------------------------


async def snapshot(sessionmaker) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:  # type: ignore[no-untyped-def]
    """Every tenant and parent link as committed, read through a fresh session."""
    async with sessionmaker() as session:
        as_system(session, "test snapshot")
        tenants = {
            (t.id, t.kind, t.code, t.name, t.parent_id, t.path, t.depth, t.root_id)
            for t in (await session.execute(select(Tenant))).scalars()
        }
        links = {
            (link.tenant_id, link.parent_id, link.valid_from, link.valid_to)
            for link in (await session.execute(select(TenantParentLink))).scalars()
        }
    return tenants, links


async def fresh(sessionmaker, tenant_id: uuid.UUID) -> Tenant:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        as_system(session, "test read")
        return (await session.execute(select(Tenant).where(Tenant.id == tenant_id))).scalar_one()


async def assert_tree_consistent(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    """path, depth and root_id of every node agree with its parent; one open link per child."""
    async with sessionmaker() as session:
        as_system(session, "test tree check")
        nodes = {t.id: t for t in (await session.execute(select(Tenant))).scalars()}
        links = (await session.execute(select(TenantParentLink))).scalars().all()
    for node in nodes.values():
        if node.parent_id is None:
            assert (node.path, node.depth, node.root_id) == (f"/{node.id.hex}/", 0, node.id), node.code
            continue
        parent = nodes[node.parent_id]
        assert node.path == f"{parent.path}{node.id.hex}/", f"{node.code}: path does not follow parent {parent.code}"
        assert node.depth == parent.depth + 1, node.code
        assert node.root_id == parent.root_id, f"{node.code}: root_id differs from parent {parent.code}"
        open_links = [link for link in links if link.tenant_id == node.id and link.valid_to is None]
        assert [link.parent_id for link in open_links] == [node.parent_id], node.code


# --- create_tenant: shapes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "code", "parent"),
    [
        (TenantKind.SCHOOL, "2136900001", "city"),  # a school hangs under a county, not a city
        (TenantKind.COUNTY, "360709", "county"),  # counties do not nest
        (TenantKind.SCHOOL, "2136900002", "school"),
        (TenantKind.SCHOOL, "2136900003", None),
        (TenantKind.COUNTY, "360709", None),
        (TenantKind.CITY, "360900", "county"),
        (TenantKind.PROVINCE, "360000", "city"),
    ],
)
async def test_wrong_shape_is_refused_and_nothing_written(
    system_session, sessionmaker, kind: TenantKind, code: str, parent: str | None  # type: ignore[no-untyped-def]
) -> None:
    # Given a city with one county and one school
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    parents = {"city": tree.city, "county": tree.counties[0], "school": tree.all_schools()[0], None: None}
    before = await snapshot(sessionmaker)
    # When a node is created under a parent of the wrong kind
    with pytest.raises(Invalid) as caught:
        await create_tenant(system_session, kind=kind, code=code, name="错位", parent=parents[parent])
    # Then it is refused on parentId, saying where such a node belongs
    assert (caught.value.field, caught.value.code) == ("parentId", "PARENT_KIND")
    assert "sits under" in caught.value.message
    # And even a caller that commits anyway writes nothing
    await system_session.commit()
    assert await snapshot(sessionmaker) == before


async def test_a_whole_tree_with_a_province_can_be_built(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given a province, a city under it, a county and a school
    province = await create_tenant(system_session, kind=TenantKind.PROVINCE, code="360000", name="江西省", parent=None)
    city = await create_tenant(system_session, kind=TenantKind.CITY, code="360700", name="赣州市", parent=province)
    county = await create_tenant(system_session, kind=TenantKind.COUNTY, code="360702", name="章贡区", parent=city)
    school = await create_tenant(system_session, kind=TenantKind.SCHOOL, code=" 3436000001 ", name=" 一中 ", parent=county)
    await system_session.commit()
    # Then codes and names are stored normalised, and every node knows its root and depth
    stored = await fresh(sessionmaker, school.id)
    assert (stored.code, stored.name, stored.depth, stored.root_id) == ("3436000001", "一中", 3, province.id)
    assert stored.path.startswith(city.path) and city.path.startswith(province.path)
    await assert_tree_consistent(sessionmaker)


# --- create_tenant: codes and names -------------------------------------------------------------


async def test_duplicate_code_is_a_conflict(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given an existing city and school
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    before = await snapshot(sessionmaker)
    # When the same codes are registered again (one with spaces around it)
    for kind, code, parent in (
        (TenantKind.CITY, " 360700 ", None),
        (TenantKind.SCHOOL, school.code, tree.counties[0]),
    ):
        with pytest.raises(Conflict) as caught:
            await create_tenant(system_session, kind=kind, code=code, name="重复", parent=parent)
        # Then it is a conflict on the code field, with a stable reason
        assert (caught.value.field, caught.value.code) == ("code", "CODE_TAKEN")
        assert "already registered" in caught.value.message
    await system_session.commit()
    assert await snapshot(sessionmaker) == before


async def test_duplicate_code_lost_race_is_still_a_conflict(
    system_session, sessionmaker, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    # Given a school code another request registered just after our uniqueness check ran
    # (simulated deterministically: the check sees nothing, as it would mid-race)
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    taken = tree.all_schools()[0].code

    async def nothing_found(_session, _code):  # type: ignore[no-untyped-def]
        return None

    monkeypatch.setattr(services, "get_tenant_by_code_system", nothing_found)
    # When it is registered again
    try:
        await create_tenant(system_session, kind=TenantKind.SCHOOL, code=taken, name="并发", parent=tree.counties[0])
    except Conflict as exc:
        # Then the caller gets the same userError as for a plain duplicate
        assert exc.code == "CODE_TAKEN"
    except Exception as exc:  # noqa: BLE001 - the bug: anything else is masked as an internal error
        raise AssertionError(f"lost race surfaced as {type(exc).__name__}, not Conflict CODE_TAKEN") from exc
    else:
        raise AssertionError("the duplicate code was accepted")


@pytest.mark.parametrize(
    ("kind", "code", "parent", "reason"),
    [
        (TenantKind.CITY, "36070", None, "CODE_FORMAT"),
        (TenantKind.CITY, "360701", None, "CODE_LEVEL"),
        (TenantKind.CITY, "990700", None, "CODE_PROVINCE"),
        (TenantKind.COUNTY, "360802", "city", "CODE_PARENT_MISMATCH"),
        (TenantKind.COUNTY, "36070A", "city", "CODE_FORMAT"),
        (TenantKind.SCHOOL, "9936000001", "county", "CODE_CATEGORY"),
        (TenantKind.SCHOOL, "2144000001", "county", "CODE_PARENT_MISMATCH"),
        (TenantKind.SCHOOL, "213600001", "county", "CODE_FORMAT"),
        (TenantKind.PROVINCE, "360100", None, "CODE_LEVEL"),
    ],
)
async def test_bad_code_is_refused_and_nothing_written(
    system_session, sessionmaker, kind: TenantKind, code: str, parent: str | None, reason: str  # type: ignore[no-untyped-def]
) -> None:
    # Given a city 360700 with a county 360701
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    parents = {"city": tree.city, "county": tree.counties[0], None: None}
    before = await snapshot(sessionmaker)
    # When a tenant with a bad code is created
    with pytest.raises(Invalid) as caught:
        await create_tenant(system_session, kind=kind, code=code, name="坏代码", parent=parents[parent])
    # Then it is refused on the code field with the precise reason
    assert (caught.value.field, caught.value.code) == ("code", reason)
    await system_session.commit()
    assert await snapshot(sessionmaker) == before


async def test_city_code_must_lie_in_its_province(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given the province of Jiangxi (36)
    province = await create_tenant(system_session, kind=TenantKind.PROVINCE, code="360000", name="江西省", parent=None)
    # When Guangzhou (440100) is created under it
    with pytest.raises(Invalid) as caught:
        await create_tenant(system_session, kind=TenantKind.CITY, code="440100", name="广州市", parent=province)
    # Then it is refused like a county outside its city
    assert (caught.value.field, caught.value.code) == ("code", "CODE_PARENT_MISMATCH")


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, " " + "校" * 201])
async def test_bad_name_is_refused_and_nothing_written(system_session, sessionmaker, name: str) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    before = await snapshot(sessionmaker)
    with pytest.raises(Invalid) as caught:
        await create_tenant(system_session, kind=TenantKind.SCHOOL, code="2136990001", name=name, parent=tree.counties[0])
    assert (caught.value.field, caught.value.code) == ("name", "NAME_LENGTH")
    assert "1 to 200 characters" in caught.value.message
    await system_session.commit()
    assert await snapshot(sessionmaker) == before


async def test_longest_name_is_accepted(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    school = await create_tenant(
        system_session, kind=TenantKind.SCHOOL, code="2136990002", name="校" * 200, parent=tree.counties[0]
    )
    await system_session.commit()
    assert (await fresh(sessionmaker, school.id)).name == "校" * 200


# --- move_tenant --------------------------------------------------------------------------------


async def test_move_school_across_counties(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given a city with two counties of one school each
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    county_a, county_b = tree.counties
    school = tree.schools[county_a.code][0]
    # When the school moves to county B
    moved = await move_tenant(system_session, school, county_b)
    await system_session.commit()
    # Then it hangs under county B at the same depth, in the same city
    stored = await fresh(sessionmaker, school.id)
    assert stored.parent_id == county_b.id == moved.parent_id
    assert stored.path == f"{county_b.path}{school.id.hex}/" == moved.path
    assert (stored.depth, stored.root_id) == (2, tree.city.id)
    await assert_tree_consistent(sessionmaker)


async def test_move_school_across_cities_changes_its_root(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given two cities of the same province
    first = await make_tree(system_session, city_code="360700", counties=1, schools_per_county=1)
    second = await make_tree(system_session, city_code="360800", counties=1, schools_per_county=0)
    school = first.all_schools()[0]
    # When a school moves to a county of the other city
    await move_tenant(system_session, school, second.counties[0])
    await system_session.commit()
    # Then its root is the other city
    stored = await fresh(sessionmaker, school.id)
    assert stored.root_id == second.city.id
    assert stored.path.startswith(second.counties[0].path)
    await assert_tree_consistent(sessionmaker)


async def test_move_county_across_cities_carries_its_schools(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given two cities, the first with two counties of two schools
    first = await make_tree(system_session, city_code="360700", counties=2, schools_per_county=2)
    second = await make_tree(system_session, city_code="360800", counties=1, schools_per_county=1)
    county = first.counties[0]
    schools = first.schools[county.code]
    untouched = first.schools[first.counties[1].code]
    # When the county moves to the other city, taking a division code of that city
    await move_tenant(system_session, county, second.city, new_code="360881")
    await system_session.commit()
    # Then the county and every school below it have the other city as root, at unchanged depths
    stored_county = await fresh(sessionmaker, county.id)
    assert (stored_county.root_id, stored_county.depth, stored_county.parent_id) == (second.city.id, 1, second.city.id)
    for school in schools:
        stored = await fresh(sessionmaker, school.id)
        assert stored.root_id == second.city.id
        assert stored.path == f"{stored_county.path}{school.id.hex}/"
        assert stored.depth == 2
    # And the sibling county's schools did not move
    for school in untouched:
        assert (await fresh(sessionmaker, school.id)).root_id == first.city.id
    await assert_tree_consistent(sessionmaker)


async def test_attaching_a_city_under_a_province_re_roots_the_whole_subtree(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given a city tree that was created as a root, and a province added later
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    province = await create_tenant(system_session, kind=TenantKind.PROVINCE, code="360000", name="江西省", parent=None)
    depths = {node.id: node.depth for node in (tree.city, *tree.counties, *tree.all_schools())}
    # When the city is attached under the province
    await move_tenant(system_session, tree.city, province)
    await system_session.commit()
    # Then every node of the city's subtree has the province as root, one level deeper
    for node_id, depth in depths.items():
        stored = await fresh(sessionmaker, node_id)
        assert stored.root_id == province.id, stored.code
        assert stored.depth == depth + 1, stored.code
        assert stored.path.startswith(province.path)
    await assert_tree_consistent(sessionmaker)


async def test_move_across_cities_re_roots_tenant_owned_rows(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given a school with a teacher, in the first of two cities
    first = await make_tree(system_session, city_code="360700", counties=1, schools_per_county=1)
    second = await make_tree(system_session, city_code="360800", counties=1, schools_per_county=0)
    school = first.all_schools()[0]
    system_session.add(Staff(tenant_id=school.id, kind="FULL_TIME", name="随校迁移"))
    await system_session.commit()
    # When the school moves to the other city
    await move_tenant(system_session, school, second.counties[0])
    await system_session.commit()
    # Then its staff row is partitioned under the new city too (RLS and rollups key on root_id)
    async with sessionmaker() as session:
        as_system(session, "test read")
        staff = (await session.execute(select(Staff).where(Staff.tenant_id == school.id))).scalar_one()
    assert staff.root_id == second.city.id


async def test_school_cannot_move_to_another_province(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given a Jiangxi school and a Guangdong county
    jiangxi = await make_tree(system_session, city_code="360700", counties=1, schools_per_county=1)
    guangdong = await make_tree(system_session, city_code="440100", counties=1, schools_per_county=0)
    before = await snapshot(sessionmaker)
    # When the school is moved there
    with pytest.raises(Invalid) as caught:
        await move_tenant(system_session, jiangxi.all_schools()[0], guangdong.counties[0])
    # Then it is refused: its code says Jiangxi
    assert (caught.value.field, caught.value.code) == ("parentId", "CODE_PARENT_MISMATCH")
    await system_session.commit()
    assert await snapshot(sessionmaker) == before


async def test_move_under_own_descendant_is_refused(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given a county with a school
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county, school = tree.counties[0], tree.all_schools()[0]
    before = await snapshot(sessionmaker)
    # When the county is moved under its own school, or under itself
    for new_parent in (school, county):
        with pytest.raises(Invalid) as caught:
            await move_tenant(system_session, county, new_parent)
        # Then it is refused on parentId (the kind rules already forbid it)
        assert caught.value.field == "parentId"
        assert caught.value.code in ("PARENT_KIND", "PARENT_CYCLE")
    await system_session.commit()
    assert await snapshot(sessionmaker) == before


async def test_cycle_guard_holds_even_where_kinds_would_allow(
    system_session, sessionmaker, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    # Given shape rules loosened so that a city may sit under anything (the tree is generic: the
    # cycle check must not lean on today's kinds)
    monkeypatch.setitem(ALLOWED_PARENT, TenantKind.CITY, tuple([None, *TenantKind]))
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    before = await snapshot(sessionmaker)
    # When the city is moved under its own school, its county, or itself
    for new_parent in (tree.all_schools()[0], tree.counties[0], tree.city):
        with pytest.raises(Invalid) as caught:
            await move_tenant(system_session, tree.city, new_parent)
        # Then the cycle is refused
        assert (caught.value.field, caught.value.code) == ("parentId", "PARENT_CYCLE")
    await system_session.commit()
    assert await snapshot(sessionmaker) == before


async def test_move_to_the_same_parent_changes_nothing(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    before = await snapshot(sessionmaker)
    await move_tenant(system_session, tree.all_schools()[0], tree.counties[0])
    await system_session.commit()
    assert await snapshot(sessionmaker) == before


async def test_two_moves_in_one_session_keep_the_tree_whole(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given a city (with its counties and schools loaded in the session) and a new province
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    province = await create_tenant(system_session, kind=TenantKind.PROVINCE, code="360000", name="江西省", parent=None)
    county_a, county_b = tree.counties
    school = tree.schools[county_a.code][0]
    # When, in one unit of work, the city is attached to the province and then a school changes county
    await move_tenant(system_session, tree.city, province)
    await move_tenant(system_session, school, county_b)
    await system_session.commit()
    # Then the tree is still consistent
    await assert_tree_consistent(sessionmaker)
