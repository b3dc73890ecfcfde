"""PostgreSQL row-level security, the second wall: it holds without the ORM hook.

The database is migrated from empty to head as the owner (postgres); every check then runs as the
application role `runxin_app` (SET LOCAL ROLE inside the transaction: a non-superuser role that does
not own the tables is subject to RLS), with plain text SQL the scoping hook never sees.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from runxin.graphql.app import create_app
from runxin.graphql.ids import encode_id
from runxin.platform.config import Settings
from runxin.platform.db.engine import make_engine, make_sessionmaker
from runxin.platform.db.migrate import downgrade, upgrade
from runxin.platform.models import tenant_owned_models
from runxin.platform.staffing.models import Staff
from runxin.platform.tree.models import Tenant
from runxin.tenants.scoping import ScopedSession, as_system
from runxin.tenants.tokens import TokenService, load_or_create_key
from tests.conftest import POSTGRES_ADMIN_URL, _admin_sql
from tests.factories.tree import Tree, make_tree

pytestmark = pytest.mark.postgres

APP_ROLE = "runxin_app"


@dataclass
class Seeded:
    url: str
    tree: Tree

    @property
    def county_a(self) -> Tenant:
        return self.tree.counties[0]

    @property
    def county_b(self) -> Tenant:
        return self.tree.counties[1]

    def staff_names(self, county: Tenant) -> set[str]:
        return {f"教师{school.code}" for school in self.tree.schools[county.code]}


async def _seed(url: str) -> Tree:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine, ScopedSession)() as session:
            as_system(session, "test seed")
            tree = await make_tree(session, city_code="360700", counties=2, schools_per_county=2)
            for school in tree.all_schools():
                session.add(Staff(tenant_id=school.id, kind="FULL_TIME", name=f"教师{school.code}"))
            await session.commit()
            return tree
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def seeded(request: pytest.FixtureRequest) -> Iterator[Seeded]:
    """An empty database migrated to head by the owner, then two counties with a teacher per school."""
    # The session database is not used; asking for it applies the skip-locally, fail-in-CI rule.
    request.getfixturevalue("postgres_url")
    name = f"runxin_rls_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin_sql(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield Seeded(url=url, tree=asyncio.run(_seed(url)))
    finally:
        asyncio.run(_admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def owner_engine(seeded: Seeded) -> AsyncIterator[AsyncEngine]:
    # One pooled connection: the reuse case below must get the very same server session back.
    engine = create_async_engine(seeded.url, pool_size=1, max_overflow=0)
    yield engine
    await engine.dispose()


async def as_app(conn: AsyncConnection, path: str | None = None) -> None:
    """Act as the application role for the rest of this transaction, scoped to `path` if given."""
    await conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
    if path is not None:
        await conn.execute(text("SELECT set_config('runxin.tenant_path', :path, true)"), {"path": path})


async def names(conn: AsyncConnection) -> set[str]:
    return set((await conn.execute(text("SELECT name FROM staff"))).scalars())


async def test_app_role_sees_only_the_subtree_of_its_setting(seeded: Seeded, owner_engine: AsyncEngine) -> None:
    # Given the application role scoped to county A
    async with owner_engine.begin() as conn:
        await as_app(conn, seeded.county_a.path)
        # When it reads staff and tenants with text SQL (no ORM hook)
        staff = await names(conn)
        tenants = set((await conn.execute(text("SELECT code FROM tenant"))).scalars())
    # Then it sees county A's staff only, and its subtree plus its ancestor (the city) of the tree
    assert staff == seeded.staff_names(seeded.county_a)
    assert tenants == {seeded.tree.city.code, seeded.county_a.code, *(s.code for s in seeded.tree.schools[seeded.county_a.code])}


async def test_a_school_sees_its_county_but_not_its_sibling(seeded: Seeded, owner_engine: AsyncEngine) -> None:
    school, sibling = seeded.tree.schools[seeded.county_a.code]
    async with owner_engine.begin() as conn:
        await as_app(conn, school.path)
        tenants = set((await conn.execute(text("SELECT code FROM tenant"))).scalars())
        staff = await names(conn)
    assert tenants == {seeded.tree.city.code, seeded.county_a.code, school.code}
    assert staff == {f"教师{school.code}"}
    assert sibling.code not in tenants


async def test_no_setting_sees_nothing(seeded: Seeded) -> None:
    # Given a brand-new connection on which nobody set the scope
    engine = create_async_engine(seeded.url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await as_app(conn)
            # Then the application role sees no row of any tenant table
            assert await names(conn) == set()
            assert (await conn.execute(text("SELECT count(*) FROM tenant"))).scalar_one() == 0
            # (A model whose table is missing is the business of the policy check below.)
            for model in tenant_owned_models():
                if (await conn.execute(text("SELECT to_regclass(:t)"), {"t": model.__tablename__})).scalar_one() is not None:
                    assert (await conn.execute(text(f"SELECT count(*) FROM {model.__tablename__}"))).scalar_one() == 0
    finally:
        await engine.dispose()


async def test_a_reused_pooled_connection_fails_closed(seeded: Seeded, owner_engine: AsyncEngine) -> None:
    # Given a pooled connection that served county A, its transaction committed
    async with owner_engine.begin() as conn:
        await as_app(conn, seeded.county_a.path)
        first_backend = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert await names(conn) == seeded.staff_names(county=seeded.county_a)
    # When the pool hands the same connection to a new transaction that sets no scope
    async with owner_engine.begin() as conn:
        await as_app(conn)
        assert (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one() == first_backend
        # Then the old setting is gone (reset to '', which the policies read as NULL) and nothing is seen
        assert (await conn.execute(text("SELECT current_setting('runxin.tenant_path', true)"))).scalar_one() == ""
        assert await names(conn) == set()


async def test_system_setting_sees_every_tenant(seeded: Seeded, owner_engine: AsyncEngine) -> None:
    async with owner_engine.begin() as conn:
        await as_app(conn)
        await conn.execute(text("SELECT set_config('runxin.system', 'on', true)"))
        assert await names(conn) == seeded.staff_names(seeded.county_a) | seeded.staff_names(seeded.county_b)


async def test_insert_into_another_subtree_is_refused(seeded: Seeded, owner_engine: AsyncEngine) -> None:
    foreign_school = seeded.tree.schools[seeded.county_b.code][0]
    own_school = seeded.tree.schools[seeded.county_a.code][0]
    insert = text(
        "INSERT INTO staff (id, tenant_id, root_id, kind, name, gender, phone, qualifications, strong_teacher, active, "
        "created_at, updated_at) VALUES (:id, :tenant, :root, 'FULL_TIME', '越权', '', '', '', false, true, now(), now())"
    )
    # Given the application role scoped to county A, when it inserts a teacher for county B's school
    async with owner_engine.connect() as conn, conn.begin():
        await as_app(conn, seeded.county_a.path)
        # Then the policy's WITH CHECK refuses the row
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(insert, {"id": uuid.uuid4(), "tenant": foreign_school.id, "root": seeded.tree.city.id})
    # And a tenant outside the subtree cannot be created either
    async with owner_engine.connect() as conn, conn.begin():
        await as_app(conn, seeded.county_a.path)
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(
                text(
                    "INSERT INTO tenant (id, kind, code, name, parent_id, path, depth, root_id, created_at, updated_at) "
                    "VALUES (:id, 'SCHOOL', '2136999999', '越权', :parent, :path, 2, :root, now(), now())"
                ),
                {
                    "id": uuid.uuid4(),
                    "parent": seeded.county_b.id,
                    "path": seeded.county_b.path + uuid.uuid4().hex + "/",
                    "root": seeded.tree.city.id,
                },
            )
    # And a row of its own cannot be moved to county B by an update
    async with owner_engine.connect() as conn, conn.begin():
        await as_app(conn, seeded.county_a.path)
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(
                text("UPDATE staff SET tenant_id = :foreign WHERE tenant_id = :own"),
                {"foreign": foreign_school.id, "own": own_school.id},
            )
    # While an insert inside the subtree passes (rolled back: the module's data stays as seeded)
    async with owner_engine.connect() as conn, conn.begin() as transaction:
        await as_app(conn, seeded.county_a.path)
        await conn.execute(insert, {"id": uuid.uuid4(), "tenant": own_school.id, "root": seeded.tree.city.id})
        await transaction.rollback()


async def test_update_and_delete_of_another_subtree_touch_nothing(seeded: Seeded, owner_engine: AsyncEngine) -> None:
    foreign = [s.id for s in seeded.tree.schools[seeded.county_b.code]]
    async with owner_engine.connect() as conn, conn.begin() as transaction:
        await as_app(conn, seeded.county_a.path)
        updated = await conn.execute(text("UPDATE staff SET name = 'x' WHERE tenant_id = ANY(:ids)"), {"ids": foreign})
        deleted = await conn.execute(text("DELETE FROM staff WHERE tenant_id = ANY(:ids)"), {"ids": foreign})
        # A school reads its county's row but may not change it
        await as_app(conn, seeded.tree.schools[seeded.county_a.code][0].path)
        renamed = await conn.execute(text("UPDATE tenant SET name = 'x' WHERE id = :id"), {"id": seeded.county_a.id})
        await transaction.rollback()
    assert (updated.rowcount, deleted.rowcount, renamed.rowcount) == (0, 0, 0)
    # And county B's staff are all still there, unchanged
    async with owner_engine.begin() as conn:
        await as_app(conn, seeded.county_b.path)
        assert await names(conn) == seeded.staff_names(seeded.county_b)


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE staff DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE staff NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY staff_subtree ON staff",
        "DROP TABLE staff",
        "ALTER TABLE tenant ADD COLUMN x integer",
        "UPDATE audit_event SET subject = 'x'",
        "DELETE FROM audit_event",
    ],
)
async def test_app_role_cannot_change_the_wall(seeded: Seeded, owner_engine: AsyncEngine, statement: str) -> None:
    async with owner_engine.connect() as conn, conn.begin():
        await as_app(conn)
        with pytest.raises(DBAPIError, match="must be owner|permission denied"):
            await conn.execute(text(statement))


async def test_app_role_has_no_bypass_and_owns_nothing(seeded: Seeded, owner_engine: AsyncEngine) -> None:
    async with owner_engine.connect() as conn:
        role = (await conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE})).one()
        owned = (
            await conn.execute(
                text("SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = :r)"),
                {"r": APP_ROLE},
            )
        ).scalar_one()
    assert tuple(role) == (False, False)
    assert owned == 0


async def test_every_tenant_owned_table_has_forced_rls_and_a_policy(seeded: Seeded, owner_engine: AsyncEngine) -> None:
    # Given every tenant-owned table the models declare, and the tenant table itself
    tables = {model.__tablename__ for model in tenant_owned_models()} | {Tenant.__tablename__}
    async with owner_engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                    "(SELECT count(*) FROM pg_policies p WHERE p.schemaname = n.nspname AND p.tablename = c.relname) "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relname = ANY(:tables)"
                ),
                {"tables": sorted(tables)},
            )
        ).all()
        views = (await conn.execute(text("SELECT count(*) FROM pg_views WHERE schemaname = current_schema()"))).scalar_one()
    found = {name: (enabled, forced, policies) for name, enabled, forced, policies in rows}
    # Then each has RLS enabled and forced and at least one policy (a new one needs a migration)
    missing = sorted(t for t in tables if t not in found or found[t][:2] != (True, True) or found[t][2] < 1)
    assert missing == [], f"add these tables to a row-level-security migration (see 0004): {missing}"
    # And no view exists that could read around the policies (one would need security_invoker)
    assert views == 0


# --- the whole app as the application role ----------------------------------------------------

STAFF_LIST = "query ($code: String!) { tenant(code: $code) { staff(first: 50, scope: SUBTREE) { nodes { name } } } }"
STAFF_CREATE = """
mutation ($input: StaffCreateInput!) {
  staffCreate(input: $input) { staff { name tenant { code } } userErrors { field code message } }
}
"""


@pytest.fixture
async def app_client(seeded: Seeded, tmp_path) -> AsyncIterator[tuple[httpx.AsyncClient, TokenService]]:  # type: ignore[no-untyped-def]
    """The Starlette app connected as runxin_app (a login role for the test; trust auth needs no password)."""
    await _admin_sql(f"ALTER ROLE {APP_ROLE} LOGIN")
    app_url = seeded.url.replace("://postgres@", f"://{APP_ROLE}@", 1)
    assert app_url != seeded.url
    settings = Settings.from_env(env_file=None, data_dir=tmp_path / "data", database_url=app_url)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://runxin.test") as client:
        yield client, TokenService(load_or_create_key(settings.key_path), settings.token_issuer, settings.token_audience, 600)


async def test_the_api_works_as_the_application_role(seeded: Seeded, app_client) -> None:  # type: ignore[no-untyped-def]
    client, tokens = app_client

    async def gql(query: str, variables: dict, tenant: Tenant) -> dict:  # type: ignore[type-arg]
        token = tokens.issue(subject=f"user@{tenant.code}", tenant_id=tenant.id, roles=["ADMIN"])
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    county_a, county_b = seeded.county_a, seeded.county_b
    # Given the app connected as runxin_app: county A reads its staff through the ORM (and RLS)
    data = await gql(STAFF_LIST, {"code": county_a.code}, county_a)
    assert {n["name"] for n in data["tenant"]["staff"]["nodes"]} == seeded.staff_names(county_a)
    # And county B's tenant is simply not there for county A
    assert (await gql(STAFF_LIST, {"code": county_b.code}, county_a))["tenant"] is None
    # When a school of county A creates a teacher (a write transaction after the read transaction)
    school = seeded.tree.schools[county_a.code][0]
    created = await gql(
        STAFF_CREATE,
        {"input": {"tenantId": encode_id("Tenant", school.id), "kind": "PART_TIME", "name": "新来的老师", "gender": "FEMALE"}},
        school,
    )
    assert created["staffCreate"]["userErrors"] == []
    assert created["staffCreate"]["staff"] == {"name": "新来的老师", "tenant": {"code": school.code}}
    try:
        # Then the county sees it, and county B does not
        data = await gql(STAFF_LIST, {"code": county_a.code}, county_a)
        assert "新来的老师" in {n["name"] for n in data["tenant"]["staff"]["nodes"]}
        data = await gql(STAFF_LIST, {"code": county_b.code}, county_b)
        assert {n["name"] for n in data["tenant"]["staff"]["nodes"]} == seeded.staff_names(county_b)
    finally:
        await _delete_staff_named(seeded.url, "新来的老师")


async def _delete_staff_named(url: str, name: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM staff WHERE name = :name"), {"name": name})
    finally:
        await engine.dispose()


def test_downgrade_to_0003_removes_the_wall_and_upgrade_restores_it(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("postgres_url")
    name = f"runxin_rls_down_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin_sql(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    async def state() -> tuple[int, int, int]:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return tuple(  # type: ignore[return-value]
                    (
                        await conn.execute(
                            text(
                                "SELECT (SELECT count(*) FROM pg_policies WHERE schemaname = current_schema()), "
                                "(SELECT count(*) FROM pg_class WHERE relrowsecurity OR relforcerowsecurity), "
                                "(SELECT count(*) FROM pg_proc WHERE proname LIKE 'runxin_scope_%')"
                            )
                        )
                    ).one()
                )
        finally:
            await engine.dispose()

    try:
        upgrade(url)
        policies, secured, functions = asyncio.run(state())
        assert policies >= len(tenant_owned_models()) + 1 and secured >= len(tenant_owned_models()) + 1 and functions == 3
        # When 0004 is undone, no policy, no RLS flag and no helper function is left
        downgrade(url, "0003")
        assert asyncio.run(state()) == (0, 0, 0)
        # And it comes back whole
        upgrade(url)
        assert asyncio.run(state()) == (policies, secured, functions)
    finally:
        asyncio.run(_admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_the_audit_log_is_walled_by_tenant_path(seeded: Seeded, owner_engine: AsyncEngine) -> None:
    # Given one audit event acted by each county (written in the system scope, as the owner)
    county_a, county_b = seeded.county_a, seeded.county_b
    async with owner_engine.begin() as conn:
        await conn.execute(text("SELECT set_config('runxin.system', 'on', true)"))
        for county in (county_a, county_b):
            await conn.execute(
                text(
                    "INSERT INTO audit_event (id, occurred_at, subject, tenant_id, tenant_path, operation_type, operation_name, "
                    "document_hash, writes, personal_fields_read, personal_reads, masked_reads, outcome, client_ip, "
                    "user_agent, trace_id) VALUES (:id, now(), :subject, :tenant, :path, 'query', 'probe', :hash, '[]', '[]', 0, "
                    "0, 'ok', '127.0.0.1', 'test', :trace)"
                ),
                {"id": uuid.uuid4(), "subject": f"auditor@{county.code}", "tenant": county.id, "path": county.path,
                 "hash": "0" * 64, "trace": uuid.uuid4().hex},
            )
    try:
        # When the application role, scoped to county A, reads the log with text SQL
        async with owner_engine.begin() as conn:
            await as_app(conn, county_a.path)
            subjects = set((await conn.execute(text("SELECT subject FROM audit_event WHERE operation_name = 'probe'"))).scalars())
            # Then it sees county A's event only, and cannot forge an event for county B
            assert subjects == {f"auditor@{county_a.code}"}
            with pytest.raises(DBAPIError, match="row-level security"):
                await conn.execute(
                    text(
                        "INSERT INTO audit_event (id, occurred_at, subject, tenant_id, tenant_path, operation_type, operation_name, "
                        "document_hash, writes, personal_fields_read, personal_reads, masked_reads, outcome, client_ip, "
                        "user_agent, trace_id) VALUES (:id, now(), 'forger', :tenant, :path, 'query', 'probe', :hash, '[]', '[]', 0, "
                        "0, 'ok', '127.0.0.1', 'test', :trace)"
                    ),
                    {"id": uuid.uuid4(), "tenant": county_b.id, "path": county_b.path, "hash": "0" * 64, "trace": uuid.uuid4().hex},
                )
        # And with no scope, nothing
        async with owner_engine.begin() as conn:
            await as_app(conn)
            assert (await conn.execute(text("SELECT count(*) FROM audit_event"))).scalar_one() == 0
        # And the table is forced like the tenant-owned ones
        async with owner_engine.connect() as conn:
            flags = (await conn.execute(text("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'audit_event'"))).one()
        assert tuple(flags) == (True, True)
    finally:
        async with owner_engine.begin() as conn:
            await conn.execute(text("SELECT set_config('runxin.system', 'on', true)"))
            await conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER ALL"))
            await conn.execute(text("DELETE FROM audit_event WHERE operation_name = 'probe'"))
            await conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER ALL"))


async def test_data_versions_are_raised_only_along_the_writers_own_chain(seeded: Seeded, owner_engine: AsyncEngine) -> None:
    from runxin.platform.dataversion import raise_statement

    school = seeded.tree.schools[seeded.county_a.code][0]
    sibling = seeded.tree.schools[seeded.county_a.code][1]
    # Given the application role scoped to a school: it raises its own chain (itself, county, city)
    async with owner_engine.begin() as conn:
        await as_app(conn, school.path)
        await conn.execute(raise_statement("postgresql", [school.path], own=school.id))
        # and reads every counter (they carry no record)
        assert (await conn.execute(text("SELECT count(*) FROM data_version"))).scalar_one() >= 3
    # When the same school tries to raise its sibling's counter, or the epoch that only jobs raise
    for chains, own in (([sibling.path], None), ([], None)):
        async with owner_engine.connect() as conn, conn.begin():
            await as_app(conn, school.path)
            # Then the policy refuses the row
            with pytest.raises(DBAPIError, match="row-level security"):
                await conn.execute(raise_statement("postgresql", chains, own=own))
