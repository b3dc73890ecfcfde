"""Migrations build exactly the schema the models declare, and come down again, on both backends.

`migrate.upgrade` runs Alembic's env.py, which starts its own event loop: these tests are sync.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from runxin.platform.db.migrate import downgrade, upgrade
from runxin.platform.models import Base

REPO = Path(__file__).resolve().parents[2]


async def _inspect(url: str) -> tuple[list[object], set[str], str | None]:
    """The differences between the live schema and the models, the table names, the revision."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def run(sync_conn):  # type: ignore[no-untyped-def]
                context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                tables = set(inspect(sync_conn).get_table_names())
                diff = compare_metadata(context, Base.metadata) if tables - {"alembic_version"} else []
                return diff, tables, context.get_current_revision()

            return await conn.run_sync(run)
    finally:
        await engine.dispose()


def inspect_schema(url: str) -> tuple[list[object], set[str], str | None]:
    return asyncio.run(_inspect(url))


def test_upgrade_matches_models_downgrade_empties_upgrade_again(empty_database_url: str) -> None:
    url = empty_database_url
    model_tables = set(Base.metadata.tables)
    # Given an empty database
    assert inspect_schema(url)[1] == set()
    # When it is migrated to head
    upgrade(url)
    # Then the live schema is exactly what the models declare (types included)
    diff, tables, revision = inspect_schema(url)
    assert diff == [], f"the migrations and the models disagree; write a migration for: {diff}"
    assert tables == model_tables | {"alembic_version"}
    assert revision is not None
    # And upgrading again does nothing
    upgrade(url)
    assert inspect_schema(url)[2] == revision

    # When it is migrated all the way down
    downgrade(url, "base")
    # Then no table is left but Alembic's own
    diff, tables, base_revision = inspect_schema(url)
    assert tables == {"alembic_version"}
    assert base_revision is None

    # When it is migrated up again
    upgrade(url)
    # Then the schema is whole again
    diff, tables, again = inspect_schema(url)
    assert diff == []
    assert tables == model_tables | {"alembic_version"}
    assert again == revision


def test_every_models_module_is_in_the_metadata() -> None:
    # Given the metadata that Alembic and the tests use (runxin.platform.models) ...
    code = """
import importlib, json, pathlib, sys
from runxin.platform.models import Base
before = set(Base.metadata.tables)
root = pathlib.Path(sys.argv[1]) / "platform"
for path in sorted(root.rglob("models.py")):
    parts = path.relative_to(root).with_suffix("").parts
    importlib.import_module(".".join(["runxin.platform", *parts]))
print(json.dumps(sorted(set(Base.metadata.tables) - before)))
"""
    # ... when every models.py under platform/ is imported as well (in a fresh interpreter)
    result = subprocess.run([sys.executable, "-c", code, str(REPO)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # Then no table appears that runxin.platform.models left out (Alembic would never see it)
    missing = json.loads(result.stdout.strip().splitlines()[-1])
    assert missing == [], f"import these tables' models in platform/models.py: {missing}"


async def _sql(url: str, statements: list[tuple[str, dict]]) -> list[list[tuple]]:
    from sqlalchemy import text

    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            return [list((await conn.execute(text(sql), params)).all()) if sql.lstrip().upper().startswith("SELECT")
                    else (await conn.execute(text(sql), params)) and [] for sql, params in statements]  # fmt: skip
    finally:
        await engine.dispose()


def test_0012_turns_profile_levels_into_recognitions_and_copies_audiences(empty_database_url: str) -> None:
    import datetime as dt
    import uuid

    url = empty_database_url
    # Given a database at 0010 with a city school's profile of level CITY, a school without one,
    # and an attendance of a homeroom-teacher programme
    upgrade(url, "0010")
    ids = {name: uuid.uuid4() for name in ("city", "county", "school", "plain", "p1", "p2", "prog", "sess", "staff", "att")}
    # Plain SQL at an old revision: values as each driver takes them (SQLite's Uuid is hex text)
    hexes = {k: (v.hex if url.startswith("sqlite") else v) for k, v in ids.items()}
    now = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
    tenant = ("INSERT INTO tenant (id, kind, code, name, parent_id, path, depth, root_id, created_at, updated_at) "
              "VALUES (:id, :kind, :code, '', :parent, :path, :depth, :root, :now, :now)")  # fmt: skip
    owned = "tenant_id, root_id, created_at, updated_at"
    asyncio.run(_sql(url, [
        (tenant, {"id": hexes["city"], "kind": "CITY", "code": "360700", "parent": None, "path": f"/{ids['city'].hex}/", "depth": 0, "root": hexes["city"], "now": now}),
        (tenant, {"id": hexes["county"], "kind": "COUNTY", "code": "360702", "parent": hexes["city"], "path": f"/{ids['city'].hex}/{ids['county'].hex}/", "depth": 1, "root": hexes["city"], "now": now}),
        (tenant, {"id": hexes["school"], "kind": "SCHOOL", "code": "2136000001", "parent": hexes["county"], "path": f"/{ids['city'].hex}/{ids['county'].hex}/{ids['school'].hex}/", "depth": 2, "root": hexes["city"], "now": now}),
        (tenant, {"id": hexes["plain"], "kind": "SCHOOL", "code": "2136000002", "parent": hexes["county"], "path": f"/{ids['city'].hex}/{ids['county'].hex}/{ids['plain'].hex}/", "depth": 2, "root": hexes["city"], "now": now}),
        (f"INSERT INTO school_profile (id, category, stages, central_rank, small_scale, vocational, independent, model_school_level, {owned}) "
         "VALUES (:id, '21', '', true, false, false, true, :level, :t, :r, :now, :now)", {"id": hexes["p1"], "level": "CITY", "t": hexes["school"], "r": hexes["city"], "now": now}),
        (f"INSERT INTO school_profile (id, category, stages, central_rank, small_scale, vocational, independent, model_school_level, {owned}) "
         "VALUES (:id, '21', '', true, false, false, true, 'NONE', :t, :r, :now, :now)", {"id": hexes["p2"], "t": hexes["plain"], "r": hexes["city"], "now": now}),
        (f"INSERT INTO training_programme (id, name, level, audience, year, {owned}) VALUES (:id, '班主任培训', 'COUNTY', 'HOMEROOM_TEACHERS', 2024, :t, :r, :now, :now)",
         {"id": hexes["prog"], "t": hexes["county"], "r": hexes["city"], "now": now}),
        (f"INSERT INTO training_session (id, programme_id, title, starts_on, ends_on, hours, credits, {owned}) VALUES (:id, :p, '一期', '2024-03-01', '2024-03-02', 8, 1, :t, :r, :now, :now)",
         {"id": hexes["sess"], "p": hexes["prog"], "t": hexes["county"], "r": hexes["city"], "now": now}),
        (f"INSERT INTO staff (id, kind, name, gender, phone, qualifications, strong_teacher, active, {owned}) VALUES (:id, 'HOMEROOM', '王老师', 'FEMALE', '', '', false, true, :t, :r, :now, :now)",
         {"id": hexes["staff"], "t": hexes["school"], "r": hexes["city"], "now": now}),
        (f"INSERT INTO training_attendance (id, session_id, staff_id, completed, credits_awarded, credit_year, {owned}) VALUES (:id, :s, :st, true, 1, 2024, :t, :r, :now, :now)",
         {"id": hexes["att"], "s": hexes["sess"], "st": hexes["staff"], "t": hexes["school"], "r": hexes["city"], "now": now}),
    ]))  # fmt: skip
    # When it is migrated to 0012
    upgrade(url, "0012")
    recognitions, audiences = asyncio.run(_sql(url, [
        ("SELECT tenant_id, level, recognised_on, certificate_no, revoked_on FROM model_school_recognition", {}),
        ("SELECT audience FROM training_attendance", {}),
    ]))  # fmt: skip
    # Then the CITY profile became one CITY recognition granted the day the profile was created, the
    # NONE profile none; and the attendance took its programme's audience
    assert [(str(uuid.UUID(str(t))), level, str(day)[:10], cert, revoked) for t, level, day, cert, revoked in recognitions] == [
        (str(ids["school"]), "CITY", "2024-05-01", None, None)
    ]
    assert audiences == [("HOMEROOM_TEACHERS",)]
    # When it is migrated back down
    downgrade(url, "0010")
    levels = asyncio.run(_sql(url, [("SELECT model_school_level FROM school_profile ORDER BY model_school_level", {})]))[0]
    # Then the profiles have their levels again
    assert levels == [("CITY",), ("NONE",)]
