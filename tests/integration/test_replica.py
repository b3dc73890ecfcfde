"""Oversight reads on a real streaming replica: routed there, read-your-writes, a true stamp, and RLS.

A throwaway primary and hot standby (tests/pgcluster.py: initdb, pg_basebackup -R, two free
ports) carry a tiny seeded deployment. The API runs as the application role `runxin_app` on both.
To tell which server answered, the test pauses WAL replay on the standby: a change committed on
the primary is then visible there and not on the replica.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from rich.console import Console
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from runxin.cli.seeding import run_seed
from runxin.graphql.app import create_app
from runxin.graphql.ids import encode_id
from runxin.platform.config import Settings
from runxin.tenants.tokens import TokenService, load_or_create_key
from tests.conftest import IN_CI
from tests.integration.test_broker import reachable
from tests.pgcluster import Pair, postgres_bin, primary_and_standby

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # 30-40 s: two servers, a seed, the app

DATABASE = "runxin_replica"
APP_ROLE = "runxin_app"


async def sql(url: str, statement: str, params: dict | None = None) -> list:  # type: ignore[type-arg]
    engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(statement), params or {})
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


@dataclass
class Cluster:
    pair: Pair
    city_code: str
    county_codes: list[str]

    @property
    def primary(self) -> str:
        return self.pair.primary_url(DATABASE)

    @property
    def standby(self) -> str:
        return self.pair.standby_url(DATABASE)

    async def caught_up(self) -> None:
        """Wait until the standby has replayed everything the primary has written."""
        target = (await sql(self.primary, "SELECT pg_current_wal_lsn()"))[0][0]
        for _ in range(400):
            done = (await sql(self.standby, "SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)", {"lsn": target}))[0][0]
            if done:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the standby did not replay up to {target} in 20 s")

    async def pause_replay(self) -> None:
        await sql(self.standby, "SELECT pg_wal_replay_pause()")
        for _ in range(400):
            if (await sql(self.standby, "SELECT pg_get_wal_replay_pause_state()"))[0][0] == "paused":
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the standby did not pause its replay")

    async def resume_replay(self) -> None:
        await sql(self.standby, "SELECT pg_wal_replay_resume()")
        await self.caught_up()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    bindir = postgres_bin()
    if bindir is None:
        message = "PostgreSQL server binaries (initdb, pg_basebackup) not found"
        if IN_CI:
            pytest.fail(message + ": CI must run the replica test (install postgresql, or set RUNXIN_TEST_PG_BIN).")
        pytest.skip(message + ": install postgresql or set RUNXIN_TEST_PG_BIN.")
    with primary_and_standby(bindir) as pair:
        admin = pair.primary_url("postgres")
        asyncio.run(sql(admin, f'CREATE DATABASE "{DATABASE}"'))
        url = pair.primary_url(DATABASE)
        # Migrated and seeded as the owner, with the rollups settled (what `runxin seed` does).
        settings = Settings.from_env(env_file=None, data_dir=pair.root / "seed-data", database_url=url)
        run_seed(settings, "tiny", 7, Console(file=io.StringIO()))
        asyncio.run(sql(url, f"ALTER ROLE {APP_ROLE} LOGIN"))
        rows = asyncio.run(
            sql(
                url,
                "SELECT t.code, p.code FROM tenant t JOIN tenant p ON p.id = t.parent_id "
                "WHERE t.kind = 'SCHOOL' AND p.kind = 'COUNTY' ORDER BY p.code, t.code",
            )
        )
        city = asyncio.run(sql(url, "SELECT code FROM tenant WHERE kind = 'CITY'"))[0][0]
        counties = sorted({county for _, county in rows})
        cluster = Cluster(pair, city, counties)
        asyncio.run(cluster.caught_up())
        yield cluster


@dataclass
class Api:
    client: httpx.AsyncClient
    tokens: TokenService
    tenant_ids: dict[str, uuid.UUID]
    runtime: Any = None

    async def gql(self, query: str, tenant_code: str, subject: str, variables: dict | None = None) -> dict:  # type: ignore[type-arg]
        token = self.tokens.issue(subject=subject, tenant_id=self.tenant_ids[tenant_code], roles=["ADMIN"])
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


@pytest.fixture
async def api(cluster: Cluster, tmp_path) -> AsyncIterator[Api]:  # type: ignore[no-untyped-def]
    """The app as runxin_app, reads of oversight queries on the standby, marks in the process."""
    settings = Settings.from_env(
        env_file=None,
        data_dir=tmp_path / "data",
        database_url=cluster.pair.primary_url(DATABASE, APP_ROLE),
        database_replica_url=cluster.pair.standby_url(DATABASE, APP_ROLE),
    )
    ids = {code: tenant_id for code, tenant_id in await sql(cluster.primary, "SELECT code, id FROM tenant")}
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://runxin.test") as client:
        assert app.state.runtime.replica is not None
        tokens = TokenService(load_or_create_key(settings.key_path), settings.token_issuer, settings.token_audience, 600)
        yield Api(client, tokens, ids, app.state.runtime)


TENANT_NAME = "query ($code: String!) { tenant(code: $code) { code name } }"
STAFF_NAMES = "query ($code: String!) { tenant(code: $code) { staff(first: 100) { nodes { name } } } }"
CHILD_FIGURES = """
query ($code: String!) {
  tenant(code: $code) {
    children(first: 100) { nodes { code indicators(codes: ["FULL_TIME_TEACHER_COVERAGE"]) { numerator denominator asOf } } }
  }
}
"""
FIGURE = """
query ($code: String!) { tenant(code: $code) { indicators(codes: ["FULL_TIME_TEACHER_COVERAGE"]) { numerator denominator asOf } } }
"""
STAFF_CREATE = """
mutation ($input: StaffCreateInput!) { staffCreate(input: $input) { staff { name } userErrors { field code message } } }
"""


async def rename_on_primary(cluster: Cluster, code: str, name: str) -> None:
    await sql(cluster.primary, "UPDATE tenant SET name = :name WHERE code = :code", {"name": name, "code": code})


async def test_oversight_reads_go_to_the_replica_and_personal_reads_to_the_primary(cluster: Cluster, api: Api) -> None:
    county = cluster.county_codes[0]
    before = (await api.gql(TENANT_NAME, county, "city-officer", {"code": county}))["tenant"]["name"]
    # Given replay paused, and a change committed on the primary by someone else
    await cluster.pause_replay()
    try:
        await rename_on_primary(cluster, county, "改名后的县")
        # When the city reads the tenant (an oversight read)
        seen = (await api.gql(TENANT_NAME, county, "city-officer", {"code": county}))["tenant"]["name"]
        # Then it is answered by the replica: the old name
        assert seen == before
        # And a document that also touches staff (personal data) is answered by the primary
        mixed = "query ($code: String!) { tenant(code: $code) { name staff(first: 1) { nodes { name } } } }"
        assert (await api.gql(mixed, county, "city-officer", {"code": county}))["tenant"]["name"] == "改名后的县"
    finally:
        await cluster.resume_replay()
        await rename_on_primary(cluster, county, before)
        await cluster.caught_up()
    # And once replayed, the replica shows it too
    assert (await api.gql(TENANT_NAME, county, "city-officer", {"code": county}))["tenant"]["name"] == before


async def test_a_caller_reads_its_own_write_and_others_read_the_replica(cluster: Cluster, api: Api) -> None:
    # Given an independent school of the first county without a full-time teacher, as the county sees it
    county = cluster.county_codes[0]
    children = (await api.gql(CHILD_FIGURES, county, "county-officer", {"code": county}))["tenant"]["children"]["nodes"]
    candidates = [c for c in children if c["indicators"][0]["denominator"] == 1 and c["indicators"][0]["numerator"] == 0]
    assert candidates, f"the tiny seed has no independent school without a full-time teacher under {county}: {children}"
    school = candidates[0]["code"]
    stored = candidates[0]["indicators"][0]
    await cluster.pause_replay()
    try:
        # When the school, with replay paused, adds a full-time teacher
        written_before = dt.datetime.now(dt.UTC)
        created = await api.gql(
            STAFF_CREATE,
            school,
            "school-officer",
            {"input": {"tenantId": encode_id("Tenant", api.tenant_ids[school]), "kind": "FULL_TIME", "name": "新专职教师"}},
        )
        assert created["staffCreate"]["userErrors"] == []
        # Then the school's own next oversight read sees its write (the primary, from raw records)
        own = (await api.gql(FIGURE, school, "school-officer", {"code": school}))["tenant"]["indicators"][0]
        assert own["numerator"] == 1
        assert dt.datetime.fromisoformat(own["asOf"]) >= written_before
        # And its personal-data read sees the new teacher
        names = {
            n["name"]
            for n in (await api.gql(STAFF_NAMES, school, "school-officer", {"code": school}))["tenant"]["staff"]["nodes"]
        }
        assert "新专职教师" in names
        # While the city, which wrote nothing, reads the replica: the figure before the write, with its
        # stamp from before the write (true: that is what the records said then)
        city_view = (await api.gql(FIGURE, school, "city-officer", {"code": school}))["tenant"]["indicators"][0]
        assert city_view["numerator"] == 0
        assert city_view["asOf"] == stored["asOf"]
        assert dt.datetime.fromisoformat(city_view["asOf"]) < written_before
    finally:
        await cluster.resume_replay()
    # When the replica has replayed the write (and then stops replaying, so its data stays as of a
    # known time while the clock goes on), the city sees the write there too. No worker runs here,
    # so the school is still pending: the figure is computed from the replica's raw records and
    # stamped with the replica's replay time, not with the clock.
    await cluster.pause_replay()
    try:
        replayed_at = (await sql(cluster.standby, "SELECT pg_last_xact_replay_timestamp()"))[0][0]
        await asyncio.sleep(0.5)
        after = (await api.gql(FIGURE, school, "city-officer", {"code": school}))["tenant"]["indicators"][0]
        assert after["numerator"] == 1
        assert written_before <= dt.datetime.fromisoformat(after["asOf"]) <= replayed_at
        # And the school's mark is spent: its reads go back to the replica (a change replay has not
        # reached is invisible to it)
        await rename_on_primary(cluster, school, "仅主库可见")
        assert (await api.gql(TENANT_NAME, school, "school-officer", {"code": school}))["tenant"]["name"] != "仅主库可见"
    finally:
        await cluster.resume_replay()


async def test_row_level_security_holds_on_the_replica(cluster: Cluster, api: Api) -> None:
    county_a, county_b = cluster.county_codes[:2]
    standby_app = cluster.pair.standby_url(DATABASE, APP_ROLE)
    paths = dict(await sql(cluster.primary, "SELECT code, path FROM tenant"))
    # Given the application role on the standby, scoped to county A, with plain SQL
    engine = create_async_engine(standby_app, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT pg_is_in_recovery()"))).scalar() is True
            await conn.execute(text("SELECT set_config('runxin.tenant_path', :p, true)"), {"p": paths[county_a]})
            seen = set((await conn.execute(text("SELECT path FROM tenant WHERE kind = 'SCHOOL'"))).scalars())
            staff_tenants = set(
                (await conn.execute(text("SELECT t.path FROM staff s JOIN tenant t ON t.id = s.tenant_id"))).scalars()
            )
        # Then it sees county A's schools and staff only
        assert seen and all(path.startswith(paths[county_a]) for path in seen)
        assert staff_tenants and all(path.startswith(paths[county_a]) for path in staff_tenants)
        # And with no setting it sees nothing at all
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM staff"))).scalar() == 0
            assert (await conn.execute(text("SELECT count(*) FROM tenant"))).scalar() == 0
        # And it cannot write there (a standby is read-only)
        async with engine.connect() as conn:
            with pytest.raises(DBAPIError, match="read-only"):
                await conn.execute(text("UPDATE tenant SET name = 'x'"))
    finally:
        await engine.dispose()
    # And through the API, on the replica (replay paused: a rename on the primary stays unseen), the
    # list of tenants county A gets holds its own subtree and nothing of county B
    school_a = next(code for code, path in paths.items() if path.startswith(paths[county_a]) and code != county_a)
    await cluster.pause_replay()
    try:
        await rename_on_primary(cluster, school_a, "仅主库可见")
        nodes = (await api.gql("{ tenants(first: 100) { nodes { code name } } }", county_a, "county-a-officer"))["tenants"][
            "nodes"
        ]
        names = {n["code"]: n["name"] for n in nodes}
        assert names[school_a] != "仅主库可见"
        assert names and all(paths[code].startswith(paths[county_a]) for code in names)
        assert not any(paths[code].startswith(paths[county_b]) for code in names)
        assert (await api.gql(TENANT_NAME, county_a, "county-a-officer", {"code": county_b}))["tenant"] is None
    finally:
        await cluster.resume_replay()


REDIS_URL = os.environ.get("RUNXIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@asynccontextmanager
async def app_process(cluster: Cluster, data_dir, namespace: str) -> AsyncIterator[Api]:  # type: ignore[no-untyped-def]
    """One API process of several behind a load balancer: same database, replica, Redis and keys."""
    settings = Settings.from_env(
        env_file=None,
        data_dir=data_dir,
        database_url=cluster.pair.primary_url(DATABASE, APP_ROLE),
        database_replica_url=cluster.pair.standby_url(DATABASE, APP_ROLE),
        redis_url=REDIS_URL,
        queue_namespace=namespace,
    )
    ids = {code: tenant_id for code, tenant_id in await sql(cluster.primary, "SELECT code, id FROM tenant")}
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://runxin.test") as client:
        tokens = TokenService(load_or_create_key(settings.key_path), settings.token_issuer, settings.token_audience, 600)
        yield Api(client, tokens, ids, app.state.runtime)


async def test_read_your_writes_holds_across_api_processes_through_redis(cluster: Cluster, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if not reachable(REDIS_URL):
        if IN_CI:
            pytest.fail(f"Redis not reachable at {REDIS_URL}: CI must run this test.")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: start it, or set RUNXIN_TEST_REDIS_URL.")
    namespace = f"test-{uuid.uuid4().hex[:8]}-"
    county = cluster.county_codes[1]
    # Given two API processes sharing Redis (and the signing keys), with replay paused
    async with app_process(cluster, tmp_path, namespace) as one, app_process(cluster, tmp_path, namespace) as other:
        before = (await other.gql(TENANT_NAME, county, "county-officer", {"code": county}))["tenant"]["name"]
        school = next(
            code
            for code, _ in await sql(
                cluster.primary,
                "SELECT t.code, 1 FROM tenant t JOIN tenant p ON p.id = t.parent_id WHERE p.code = :c",
                {"c": county},
            )
        )
        await cluster.pause_replay()
        try:
            # When the county writes through one process
            created = await one.gql(
                STAFF_CREATE,
                county,
                "county-officer",
                {"input": {"tenantId": encode_id("Tenant", one.tenant_ids[school]), "kind": "PART_TIME", "name": "跨进程"}},
            )
            assert created["staffCreate"]["userErrors"] == []
            await rename_on_primary(cluster, county, "跨进程可见")
            # Then its next oversight read, through the other process, goes to the primary
            seen = (await other.gql(TENANT_NAME, county, "county-officer", {"code": county}))["tenant"]["name"]
            assert seen == "跨进程可见"
            # While another caller's read through that process is still served by the replica
            assert (await other.gql(TENANT_NAME, county, "city-officer", {"code": county}))["tenant"]["name"] == before
        finally:
            await cluster.resume_replay()
            await rename_on_primary(cluster, county, before)
            await cluster.caught_up()
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = client.keys(f"{namespace}runxin:rw:*")
        assert keys, "the write left no mark in Redis"
        assert all(0 < client.ttl(key) <= 600 for key in keys)
        client.delete(*keys)
    finally:
        client.close()


async def test_unreachable_marks_never_fail_a_write_and_send_reads_to_the_primary(cluster: Cluster, api: Api) -> None:
    from runxin.platform.db.replica import RedisWriteMarks

    # Given the marks in a Redis that is not there (nothing listens on port 1)
    router = api.runtime.replica
    router.marks = RedisWriteMarks("redis://127.0.0.1:1/0")
    county = cluster.county_codes[0]
    school = next(iter(code for code in api.tenant_ids if code.startswith("21")))
    before = (await api.gql(TENANT_NAME, county, "city-officer", {"code": county}))["tenant"]["name"]
    await cluster.pause_replay()
    try:
        # When a school writes, the write succeeds (it is committed: its response must not fail)
        created = await api.gql(
            STAFF_CREATE,
            school,
            "school-officer",
            {"input": {"tenantId": encode_id("Tenant", api.tenant_ids[school]), "kind": "PART_TIME", "name": "无标记"}},
        )
        assert created["staffCreate"]["userErrors"] == []
        # And every oversight read goes to the primary, since no mark can be consulted
        await rename_on_primary(cluster, county, "只在主库")
        assert (await api.gql(TENANT_NAME, county, "city-officer", {"code": county}))["tenant"]["name"] == "只在主库"
    finally:
        await cluster.resume_replay()
        await rename_on_primary(cluster, county, before)
        await cluster.caught_up()
