"""What bench/compare.py prepares in the database: the database itself, PostGraphile's schema, the
login role Runxin runs as, the sample tenants, and putting the station Q4 writes back as it was.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import compare_queries as q

from runxin.graphql.ids import encode_id

SCHEMA_SQL = Path(__file__).resolve().parent / "postgraphile" / "schema.sql"
STATIONS_WRITTEN = 10  # Q4 writes the stations of this many schools in turn
APP_LOGIN = "runxin_compare_app"  # a login role in runxin_app: the application's grants, no BYPASSRLS
_original_hours: dict[str, float] = {}


async def ensure_database(dsn: str) -> None:
    """Create the database of `dsn` when it does not exist (connecting to `postgres` to do so)."""
    parts = urlsplit(dsn)
    name = parts.path.lstrip("/")
    try:
        connection = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    except (OSError, asyncpg.PostgresError) as exc:
        raise SystemExit(
            f"cannot reach PostgreSQL at {parts.hostname}:{parts.port}: {exc}; start it or pass --database-url"
        ) from exc
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    finally:
        await connection.close()


async def apply_pgl_schema(dsn: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
    finally:
        await connection.close()


async def app_role_url(dsn: str, database_url: str) -> str:
    """The URL Runxin serves with: the same database as a login role that is a member of runxin_app."""
    connection = await asyncpg.connect(dsn)
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = 'runxin_app'"):
            raise SystemExit("the role runxin_app is missing: run `runxin db upgrade` on the database first")
        if not await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", APP_LOGIN):
            await connection.execute(f"CREATE ROLE {APP_LOGIN} LOGIN NOSUPERUSER NOBYPASSRLS IN ROLE runxin_app")
    finally:
        await connection.close()
    parts = urlsplit(database_url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{APP_LOGIN}@{host}"))


def current_school_year(today: dt.date | None = None) -> int:
    today = today or dt.date.today()
    return today.year if today.month >= 9 else today.year - 1


async def pick_sample(dsn: str) -> q.Sample:
    """The first city; its county with the most schools; that county's schools with an operational
    station open at least 8 hours a week, most staff first (Q3 reads the first, Q4 writes ten)."""
    connection = await asyncpg.connect(dsn)
    try:
        city = await connection.fetchval("SELECT code FROM tenant WHERE kind = 'CITY' ORDER BY code LIMIT 1")
        if city is None:
            raise SystemExit("the database has no city: seed it with `runxin seed --scale province`")
        county = await connection.fetchval(
            """SELECT c.code FROM tenant c JOIN tenant s ON s.parent_id = c.id
               WHERE c.parent_id = (SELECT id FROM tenant WHERE code = $1) AND s.kind = 'SCHOOL'
               GROUP BY c.code ORDER BY count(*) DESC, c.code LIMIT 1""",
            city,
        )
        rows = await connection.fetch(
            """SELECT DISTINCT ON (s.code) s.code, st.id AS station_id, st.weekly_open_hours AS hours,
                      (SELECT count(*) FROM staff p WHERE p.tenant_id = s.id) AS staff
               FROM tenant s JOIN station st ON st.tenant_id = s.id
               WHERE s.parent_id = (SELECT id FROM tenant WHERE code = $1)
                 AND st.status = 'OPERATIONAL' AND st.weekly_open_hours >= 8
               ORDER BY s.code, st.id""",
            county,
        )
    finally:
        await connection.close()
    if not rows:
        raise SystemExit(f"county {county} has no school with an operational station: reseed the database")
    chosen = sorted(rows, key=lambda row: (-row["staff"], row["code"]))[:STATIONS_WRITTEN]
    stations = []
    for row in chosen:
        hours = float(row["hours"])
        _original_hours[str(row["station_id"])] = hours
        gid = encode_id("Station", row["station_id"])
        stations.append(q.StationPick(school=row["code"], id=str(row["station_id"]), gid=gid, hours=(hours + 1.0, hours)))
    return q.Sample(city=city, county=county, school=chosen[0]["code"], year=current_school_year(), stations=tuple(stations))


async def restore_stations(dsn: str) -> None:
    """Put back the hours Q4 alternated (a run may end on either value)."""
    if not _original_hours:
        return
    connection = await asyncpg.connect(dsn)
    try:
        for station_id, hours in _original_hours.items():
            await connection.execute("UPDATE station SET weekly_open_hours = $2 WHERE id = $1", station_id, Decimal(str(hours)))
    finally:
        await connection.close()


async def pending_rollups(dsn: str) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetchval("SELECT count(*) FROM rollup_dirty WHERE generation > done_generation")
    finally:
        await connection.close()
