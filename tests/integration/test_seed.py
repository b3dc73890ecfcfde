"""Seeding on real databases: counts, codes, root ids, determinism, refusal to seed twice, gaps."""

from __future__ import annotations

import pytest
from sqlalchemy import and_, exists, func, select

from runxin.platform.codes import check_division_code, check_school_code
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.errors import Conflict, Invalid
from runxin.platform.models import Base, tenant_owned_models
from runxin.platform.schools.models import SchoolEnrolment
from runxin.platform.seed import SCALES, seed_database
from runxin.platform.seed.rows import WRITE_ORDER
from runxin.platform.staffing.models import Staff
from runxin.platform.stations.models import Station
from runxin.platform.tree.models import Tenant, TenantParentLink
from runxin.platform.tree.paths import ancestor_ids, child_path, upper_bound
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import ScopedSession, as_system, bind_principal


async def table_counts(sessionmaker) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        as_system(session, "test")
        return {
            model.__tablename__: (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in WRITE_ORDER
        }


async def snapshot(sessionmaker) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    """The identifying columns of the tree and of the people, ordered by id."""
    async with sessionmaker() as session:
        as_system(session, "test")
        tenants = (await session.execute(select(Tenant.id, Tenant.code, Tenant.name, Tenant.path).order_by(Tenant.id))).all()
        staff = (await session.execute(select(Staff.id, Staff.tenant_id, Staff.name, Staff.phone).order_by(Staff.id))).all()
    return {"tenants": [tuple(r) for r in tenants], "staff": [tuple(r) for r in staff]}


async def test_counts_match_the_summary(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given an empty database, when the tiny scale is seeded with a progress callback
    reports: list[tuple[str, int, int]] = []
    summary = await seed_database(sessionmaker, scale="tiny", seed=7, progress=lambda *r: reports.append(r))
    # Then every table holds what the summary says, and the tree has the scale's shape
    assert await table_counts(sessionmaker) == dict(summary.counts)
    tiny = SCALES["tiny"]
    assert summary.counts["tenant"] == tiny.cities + tiny.counties + tiny.schools
    assert summary.counts["tenant_parent_link"] == tiny.counties + tiny.schools
    assert summary.counts["school_profile"] == tiny.schools
    assert all(summary.counts[m.__tablename__] > 0 for m in WRITE_ORDER)
    assert (summary.city_code, summary.county_code) == ("360700", "360702")
    assert summary.school_code.startswith(("21", "31", "34", "36", "51"))
    assert summary.elapsed_seconds > 0
    # And progress reached the end of every table
    finished = {stage for stage, done, total in reports if done == total}
    assert finished >= {m.__tablename__ for m in WRITE_ORDER} | {"generate"}


async def test_codes_pass_the_national_checks(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await seed_database(sessionmaker, scale="tiny", seed=7)
    async with sessionmaker() as session:
        as_system(session, "test")
        tenants = {t.id: t for t in (await session.execute(select(Tenant))).scalars()}
        links = (await session.execute(select(TenantParentLink))).scalars().all()
    for tenant in tenants.values():
        parent = tenants.get(tenant.parent_id) if tenant.parent_id else None
        if tenant.kind == "CITY":
            assert parent is None
            check_division_code(tenant.code, "CITY")
        elif tenant.kind == "COUNTY":
            assert parent is not None and parent.kind == "CITY"
            check_division_code(tenant.code, "COUNTY", parent_code=parent.code)
        else:
            assert parent is not None and parent.kind == "COUNTY"
            check_school_code(tenant.code, province_prefix=parent.code[:2])
        # The materialised path and depth agree with the parent chain.
        assert tenant.path == child_path(parent.path if parent else None, tenant.id)
        assert tenant.depth == (parent.depth + 1 if parent else 0)
    assert {(link.tenant_id, link.parent_id) for link in links} == {
        (t.id, t.parent_id) for t in tenants.values() if t.parent_id is not None
    }
    assert all(link.valid_to is None for link in links)


async def test_every_row_carries_its_city_as_root(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await seed_database(sessionmaker, scale="tiny", seed=3)
    async with sessionmaker() as session:
        as_system(session, "test")
        paths = dict((await session.execute(select(Tenant.id, Tenant.path))).all())
        roots = dict((await session.execute(select(Tenant.id, Tenant.root_id))).all())
        assert all(roots[tid] == ancestor_ids(path)[0] for tid, path in paths.items())
        for model in tenant_owned_models():
            rows = (await session.execute(select(model.tenant_id, model.root_id))).all()
            wrong = [r for r in rows if r.root_id != ancestor_ids(paths[r.tenant_id])[0]]
            assert wrong == [], f"{model.__tablename__}: {len(wrong)} rows with a wrong root_id"


async def test_the_same_seed_gives_the_same_data(sessionmaker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Given the tiny scale seeded into the fixture database and into a second, fresh SQLite file
    await seed_database(sessionmaker, scale="tiny", seed=11)
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'second.db'}")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        second = make_sessionmaker(engine, ScopedSession)
        await seed_database(second, scale="tiny", seed=11)
        # Then both hold the same tenants and staff, ids included
        first_rows, second_rows = await snapshot(sessionmaker), await snapshot(second)
    finally:
        await engine.dispose()
    assert first_rows == second_rows
    assert len(first_rows["tenants"]) == 23


async def test_seeding_twice_is_refused_and_writes_nothing(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await seed_database(sessionmaker, scale="tiny", seed=7)
    before = await table_counts(sessionmaker)
    with pytest.raises(Conflict) as raised:
        await seed_database(sessionmaker, scale="tiny", seed=8)
    assert raised.value.message.startswith("database already seeded: use a fresh database or")
    assert await table_counts(sessionmaker) == before


async def test_unknown_scale_is_invalid(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as raised:
        await seed_database(sessionmaker, scale="planet")
    assert "tiny" in raised.value.message
    assert (await table_counts(sessionmaker))["tenant"] == 0


async def test_the_data_shows_realistic_gaps(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await seed_database(sessionmaker, scale="tiny", seed=7)
    schools = Tenant.kind == "SCHOOL"
    has_full_time = exists().where(Staff.tenant_id == Tenant.id, Staff.kind == "FULL_TIME")
    has_station = exists().where(Station.tenant_id == Tenant.id)
    big_2025 = exists().where(
        SchoolEnrolment.tenant_id == Tenant.id, SchoolEnrolment.school_year == 2025, SchoolEnrolment.students > 800
    )

    async def count(statement) -> int:  # type: ignore[no-untyped-def]
        return (await session.execute(statement)).scalar_one()

    async with sessionmaker() as session:
        as_system(session, "test")
        # Gaps a dashboard must find
        assert await count(select(func.count()).select_from(Station).where(Station.area_m2 < 18)) >= 1
        assert await count(select(func.count()).select_from(Station).where(Station.weekly_open_hours < 8)) >= 1
        assert await count(select(func.count()).select_from(Station).where(Station.sandplay.is_(False))) >= 1
        assert await count(select(func.count()).select_from(Tenant).where(schools, big_2025, ~has_full_time)) >= 1
        assert await count(select(func.count()).select_from(Tenant).where(schools, ~has_station)) >= 1
        # ... beside schools that meet the standard
        assert await count(select(func.count()).select_from(Tenant).where(schools, has_full_time)) >= 1
        standard = and_(Station.area_m2 >= 18, Station.weekly_open_hours >= 8, Station.sandplay)
        assert await count(select(func.count()).select_from(Station).where(standard)) >= 1


async def test_a_county_sees_exactly_its_subtree(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given a seeded city, when its sample county asks for staff through the scoping hook
    summary = await seed_database(sessionmaker, scale="tiny", seed=7)
    async with sessionmaker() as session:
        as_system(session, "test")
        county = (await session.execute(select(Tenant).where(Tenant.code == summary.county_code))).scalar_one()
        in_subtree = select(Tenant.id).where(Tenant.path >= county.path, Tenant.path < upper_bound(county.path))
        expected = (await session.execute(select(func.count()).select_from(Staff).where(Staff.tenant_id.in_(in_subtree)))).scalar_one()
        total = (await session.execute(select(func.count()).select_from(Staff))).scalar_one()
    async with sessionmaker() as session:
        bind_principal(
            session, Principal(subject="t", tenant_id=county.id, tenant_path=county.path, tenant_kind=county.kind)
        )
        seen = (await session.execute(select(func.count()).select_from(Staff))).scalar_one()
    # Then it sees its schools' staff and no one else's
    assert 0 < seen == expected < total
