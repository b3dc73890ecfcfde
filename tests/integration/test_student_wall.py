"""Student-level rows (SchoolPrivate) stay at their school: the ORM wall on both databases, the
row-level-security wall on PostgreSQL, and the one exception (the engine's counting statements)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from runxin.graphql.ids import encode_id
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.db.rls import APP_ROLE
from runxin.platform.errors import NotFound
from runxin.platform.indicators import TenantRef, compute_indicators
from runxin.platform.indicators.facts import COUNTING
from runxin.platform.standards import STANDARDS
from runxin.platform.students.models import StudentFile
from runxin.platform.tree.models import Tenant
from runxin.tenants.scoping import ScopedSession, as_system, bind_principal
from tests.factories.tree import make_tree
from tests.integration.test_rls import Seeded, app_client, as_app, owner_engine, seeded  # noqa: F401 - fixtures
from tests.integration.test_scoping import principal_for


def student(school: Tenant, ref: str) -> StudentFile:
    return StudentFile(tenant_id=school.id, student_ref=ref, name=f"学生{ref}", gender="FEMALE", grade=7)


async def _tree_with_students(system_session):  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    for school in tree.all_schools():
        system_session.add_all([student(school, f"{school.code}-1"), student(school, f"{school.code}-2")])
    await system_session.commit()
    return tree


async def test_only_the_school_reads_its_student_files(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given two students in every school of two counties
    tree = await _tree_with_students(system_session)
    school = tree.all_schools()[0]
    county = tree.counties[0]
    # When the school, its county and its city list student files
    seen = {}
    for tenant in (school, county, tree.city):
        async with sessionmaker() as session:
            bind_principal(session, principal_for(tenant))
            seen[tenant.code] = set((await session.execute(select(StudentFile.student_ref))).scalars())
    # Then the school sees its own two and the bureaus above it see none
    assert seen[school.code] == {f"{school.code}-1", f"{school.code}-2"}
    assert seen[county.code] == set()
    assert seen[tree.city.code] == set()


async def test_counting_statements_count_the_subtree(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given two students in each of the county's two schools (and two more in the other county)
    tree = await _tree_with_students(system_session)
    county = tree.counties[0]
    async with sessionmaker() as session:
        bind_principal(session, principal_for(county))
        # When the county counts with the engine's execution options
        counted = (await session.execute(select(func.count(StudentFile.id)), execution_options=COUNTING)).scalar_one()
        # Then its subtree's four are counted, its sibling's are not, and a plain read still sees none
        plain = (await session.execute(select(func.count(StudentFile.id)))).scalar_one()
    assert (counted, plain) == (4, 0)


async def test_a_bureau_cannot_write_a_schools_student_file(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    async with sessionmaker() as session:
        bind_principal(session, principal_for(tree.counties[0]))
        session.add(student(school, "X1"))
        with pytest.raises(NotFound, match="only the school itself"):
            await session.flush()
    async with sessionmaker() as session:
        as_system(session, "test check")
        assert (await session.execute(select(func.count(StudentFile.id)))).scalar_one() == 0


# --- PostgreSQL row-level security, without the ORM hook ---------------------------------------


@pytest.fixture(scope="module")
def students_seeded(seeded: Seeded) -> Seeded:  # noqa: F811
    import asyncio

    from sqlalchemy.ext.asyncio import create_async_engine

    async def insert() -> None:
        engine = create_async_engine(seeded.url)
        async with engine.begin() as conn:
            for school in seeded.tree.all_schools():
                await conn.execute(
                    text(
                        "INSERT INTO student_file (id, tenant_id, root_id, student_ref, name, gender, grade, class_name,"
                        " four_special, concern_level, active) VALUES (gen_random_uuid(), :t, :r, :ref, '学生', 'MALE', 8,"
                        " '', '', 'NONE', true)"
                    ),
                    {"t": school.id, "r": seeded.tree.city.id, "ref": f"{school.code}-1"},
                )
        await engine.dispose()

    asyncio.run(insert())
    return seeded


@pytest.mark.postgres
async def test_rls_keeps_student_files_to_the_school(students_seeded: Seeded, owner_engine: AsyncEngine) -> None:  # noqa: F811
    school = students_seeded.tree.all_schools()[0]
    county = students_seeded.county_a

    async def refs(path: str, counting: bool = False) -> set[str]:
        async with owner_engine.begin() as conn:
            await as_app(conn, path)
            if counting:
                await conn.execute(text("SELECT set_config('runxin.counting', 'on', true)"))
            return set((await conn.execute(text("SELECT student_ref FROM student_file"))).scalars())

    # The school reads its own row; its county and city read nothing with plain SQL
    assert await refs(school.path) == {f"{school.code}-1"}
    assert await refs(county.path) == set()
    assert await refs(students_seeded.tree.city.path) == set()
    # In counting mode the county reads its own schools' rows, never its sibling county's
    expected = {f"{s.code}-1" for s in students_seeded.tree.schools[county.code]}
    assert await refs(county.path, counting=True) == expected


@pytest.mark.postgres
async def test_rls_refuses_a_bureaus_write_even_when_counting(students_seeded: Seeded, owner_engine: AsyncEngine) -> None:  # noqa: F811
    school = students_seeded.tree.all_schools()[0]
    county = students_seeded.county_a
    async with owner_engine.begin() as conn:
        await as_app(conn, county.path)
        await conn.execute(text("SELECT set_config('runxin.counting', 'on', true)"))
        changed = (await conn.execute(text("UPDATE student_file SET grade = 9 RETURNING id"))).all()
        assert changed == []
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(
                text(
                    "INSERT INTO student_file (id, tenant_id, root_id, student_ref, name, gender, grade, class_name,"
                    " four_special, concern_level, active) VALUES (gen_random_uuid(), :t, :r, 'X', '学生', 'MALE', 8,"
                    " '', '', 'NONE', true)"
                ),
                {"t": school.id, "r": students_seeded.tree.city.id},
            )


# Every other student-level table has the same wall (home visits, mentors, mentor teams).
HOME_SCHOOL_TABLES = ("home_visit", "mentor_assignment", "mentor_team", "mentor_team_member")


@pytest.fixture(scope="module")
def home_school_seeded(students_seeded: Seeded) -> Seeded:
    import asyncio

    from sqlalchemy.ext.asyncio import create_async_engine

    async def insert() -> None:
        engine = create_async_engine(students_seeded.url)
        async with engine.begin() as conn:
            for school in students_seeded.tree.all_schools():
                owned = {"t": school.id, "r": students_seeded.tree.city.id}
                student = (await conn.execute(text("SELECT id FROM student_file WHERE tenant_id = :t"), owned)).scalar_one()
                staff = (
                    await conn.execute(
                        text(
                            "INSERT INTO staff (id, tenant_id, root_id, kind, name, gender, phone, qualifications, strong_teacher, active)"
                            " VALUES (gen_random_uuid(), :t, :r, 'HOMEROOM', '教师', 'FEMALE', '', '', false, true) RETURNING id"
                        ),
                        owned,
                    )
                ).scalar_one()
                ids = {**owned, "s": student, "f": staff}
                await conn.execute(
                    text(
                        "INSERT INTO home_visit (id, tenant_id, root_id, student_file_id, staff_id, visited_on, mode, note,"
                        " school_year, school_month) VALUES (gen_random_uuid(), :t, :r, :s, :f, '2025-10-10', 'IN_PERSON', '', 2025, 2)"
                    ),
                    ids,
                )
                await conn.execute(
                    text(
                        "INSERT INTO mentor_assignment (id, tenant_id, root_id, student_file_id, mentor_staff_id, school_year, note)"
                        " VALUES (gen_random_uuid(), :t, :r, :s, :f, 2025, '')"
                    ),
                    ids,
                )
                team = (
                    await conn.execute(
                        text(
                            "INSERT INTO mentor_team (id, tenant_id, root_id, student_file_id, note)"
                            " VALUES (gen_random_uuid(), :t, :r, :s, '') RETURNING id"
                        ),
                        ids,
                    )
                ).scalar_one()
                await conn.execute(
                    text(
                        "INSERT INTO mentor_team_member (id, tenant_id, root_id, team_id, staff_id, role)"
                        " VALUES (gen_random_uuid(), :t, :r, :m, :f, 'HOMEROOM_TEACHER')"
                    ),
                    {**ids, "m": team},
                )
        await engine.dispose()

    asyncio.run(insert())
    return students_seeded


@pytest.mark.postgres
@pytest.mark.parametrize("table", HOME_SCHOOL_TABLES)
async def test_rls_keeps_home_school_rows_to_the_school(home_school_seeded: Seeded, owner_engine: AsyncEngine, table: str) -> None:  # noqa: F811
    tree = home_school_seeded.tree
    school = tree.all_schools()[0]
    county = home_school_seeded.county_a

    async def owners(path: str, counting: bool = False) -> set:  # type: ignore[type-arg]
        async with owner_engine.begin() as conn:
            await as_app(conn, path)
            if counting:
                await conn.execute(text("SELECT set_config('runxin.counting', 'on', true)"))
            return set((await conn.execute(text(f"SELECT tenant_id FROM {table}"))).scalars())

    # The school reads its own row; the bureaus above read nothing, except counting their own subtree
    assert await owners(school.path) == {school.id}
    assert await owners(county.path) == set()
    assert await owners(tree.city.path) == set()
    assert await owners(county.path, counting=True) == {s.id for s in tree.schools[county.code]}
    # And a bureau cannot change a row even when counting
    async with owner_engine.begin() as conn:
        await as_app(conn, county.path)
        await conn.execute(text("SELECT set_config('runxin.counting', 'on', true)"))
        assert (await conn.execute(text(f"UPDATE {table} SET updated_at = now() RETURNING id"))).all() == []
# --- every student-level table has the school's wall, every institutional one the subtree's ----


@pytest.mark.postgres
async def test_student_level_tables_have_the_school_private_policies(seeded: Seeded, owner_engine: AsyncEngine) -> None:  # noqa: F811
    from runxin.platform.db.base import SchoolPrivate
    from runxin.platform.models import tenant_owned_models

    # Given every table the models declare, split by the mixin of their rows
    private = {m.__tablename__ for m in tenant_owned_models() if issubclass(m, SchoolPrivate)}
    institutional = {m.__tablename__ for m in tenant_owned_models()} - private
    assert {"student_file", "screening_result", "concern_follow_up", "referral"} <= private
    assert {"screening_round", "crisis_plan"} <= institutional
    async with owner_engine.connect() as conn:
        rows = (await conn.execute(text("SELECT tablename, policyname FROM pg_policies WHERE schemaname = current_schema()"))).all()
    policies: dict[str, set[str]] = {}
    for table, name in rows:
        policies.setdefault(table, set()).add(name.removeprefix(f"{table}_"))
    # Then a student-level table has exactly the four own-school policies (no subtree policy,
    # which would OR the school's wall away), and an institutional one none of them
    wrong = sorted(t for t in private if policies.get(t) != {"own_read", "own_insert", "own_update", "own_delete"})
    assert wrong == [], f"use rls.enable_school_private in the migration of: {wrong}"
    leaky = sorted(t for t in institutional if policies.get(t, set()) & {"own_read", "own_insert", "own_update", "own_delete"})
    assert leaky == []


# --- the whole app as the application role: student writes, the refusal, and counting ----------

FILE_CREATE = """
mutation ($input: StudentFileCreateInput!) { studentFileCreate(input: $input) { studentFile { id } userErrors { code } } }"""
ROUND_CREATE = """
mutation ($input: ScreeningRoundCreateInput!) { screeningRoundCreate(input: $input) { screeningRound { id } userErrors { code } } }"""
RESULT_RECORD = """
mutation ($input: ScreeningResultRecordInput!) { screeningResultRecord(input: $input) { screeningResult { level } userErrors { code } } }"""
REFERRAL_CREATE = """
mutation ($input: ReferralCreateInput!) { referralCreate(input: $input) { referral { state } userErrors { code } } }"""
FILES = "query ($c: String!) { tenant(code: $c) { studentFiles(first: 50) { nodes { studentRef } } } }"


@pytest.mark.postgres
async def test_student_records_work_as_the_application_role(seeded: Seeded, app_client) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client, tokens = app_client
    county = seeded.county_a
    school = seeded.tree.schools[county.code][0]

    async def gql(query: str, variables: dict, tenant: Tenant) -> dict:  # type: ignore[type-arg]
        token = tokens.issue(subject=f"user@{tenant.code}", tenant_id=tenant.id, roles=["ADMIN"])
        response = await client.post("/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        return response.json()

    def data(body: dict, field: str) -> dict:  # type: ignore[type-arg]
        assert "errors" not in body, body
        assert body["data"][field]["userErrors"] == [], body
        return body["data"][field]

    school_id = encode_id("Tenant", school.id)
    try:
        # Given a school writing a file, a round, a result and a referral as runxin_app (RLS in force)
        created = data(await gql(FILE_CREATE, {"input": {"tenantId": school_id, "studentRef": "APP-1", "name": "学生", "gender": "MALE",
                                                        "grade": 8}}, school), "studentFileCreate")  # fmt: skip
        student = created["studentFile"]["id"]
        held = data(await gql(ROUND_CREATE, {"input": {"tenantId": school_id, "heldOn": "2025-10-09", "title": "筛查"}}, school),
                    "screeningRoundCreate")  # fmt: skip
        data(await gql(RESULT_RECORD, {"input": {"roundId": held["screeningRound"]["id"], "studentId": student, "level": "SEVERE"}},
                       school), "screeningResultRecord")  # fmt: skip
        data(await gql(REFERRAL_CREATE, {"input": {"studentId": student, "hospital": "医院", "referredOn": "2025-10-20"}}, school),
             "referralCreate")  # fmt: skip
        # Then the school reads its file, and its county is refused
        own = await gql(FILES, {"c": school.code}, school)
        assert "APP-1" in {n["studentRef"] for n in own["data"]["tenant"]["studentFiles"]["nodes"]}
        refused = await gql(FILES, {"c": school.code}, county)
        assert refused["errors"][0]["extensions"]["code"] == "STUDENT_DATA_STAYS_AT_SCHOOL"
        # And the engine, as the county on the application role, counts them (counting statements)
        app_url = seeded.url.replace("://postgres@", f"://{APP_ROLE}@", 1)
        assert app_url != seeded.url
        engine = make_engine(app_url)
        try:
            async with make_sessionmaker(engine, ScopedSession)() as session:
                bind_principal(session, principal_for(county))
                codes = ["STUDENTS_SCREENED", "CONCERN_SEVERE", "REFERRALS_OPEN"]
                values = await compute_indicators(session, [TenantRef.of(county)], year=2025, standard=STANDARDS["2023"], codes=codes)
        finally:
            await engine.dispose()
        assert {code: values[county.id, code].numerator for code in codes} == dict.fromkeys(codes, 1.0)
    finally:
        cleanup = create_async_engine(seeded.url)
        async with cleanup.begin() as conn:
            for table in ("referral", "screening_result", "screening_round"):
                await conn.execute(text(f"DELETE FROM {table} WHERE tenant_id = :t"), {"t": school.id})
            await conn.execute(text("DELETE FROM student_file WHERE student_ref = 'APP-1'"))
        await cleanup.dispose()
