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
