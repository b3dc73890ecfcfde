"""`runxin import FILE.xlsx --tenant CODE` as an operator runs it: counts on success, every bad cell
and exit 1 on failure with nothing written, and the tenant's subtree as the limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from runxin.platform.staffing.models import Staff
from tests.factories.tree import make_tree
from tests.factories.workbooks import filled, teacher


def runxin_import(tmp_path: Path, database_url: str, file: Path, tenant: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}
    command = [str(Path(sys.executable).with_name("runxin")), "import", str(file), "--tenant", tenant]
    command += ["--database-url", database_url, "--data-dir", str(tmp_path)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)


async def staff(system_session) -> int:  # type: ignore[no-untyped-def]
    return (await system_session.execute(select(func.count()).select_from(Staff))).scalar_one()


async def test_import_then_reimport_then_a_bad_file(database_url, system_session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    county = tree.counties[0]
    school, sibling = tree.schools[county.code]
    good = tmp_path / "roster.xlsx"
    good.write_bytes(filled("staff", [teacher("01", unit_code=school.code), teacher("02", unit_code=sibling.code)]))
    # The county imports its schools' roster
    done = runxin_import(tmp_path, database_url, good, county.code)
    assert done.returncode == 0, done.stderr
    assert "2 created, 0 updated, 0 unchanged" in done.stderr
    assert "写入 writing" in done.stderr  # the progress bar's stages
    again = runxin_import(tmp_path, database_url, good, county.code)
    assert "0 created, 0 updated, 2 unchanged" in again.stderr
    # A school cannot import its sibling's teachers, and a bad cell stops the whole file
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(filled("staff", [teacher("03"), teacher("04", unit_code=sibling.code), teacher("05", phone="123")]))
    refused = runxin_import(tmp_path, database_url, bad, school.code)
    assert refused.returncode == 1
    assert "UNIT_OUTSIDE" in refused.stderr and "PHONE_FORMAT" in refused.stderr and "2 problem(s)" in refused.stderr
    assert await staff(system_session) == 2
    # An unknown tenant is a clear error
    unknown = runxin_import(tmp_path, database_url, good, "369999")
    assert unknown.returncode == 2 and "No tenant" in unknown.stderr
