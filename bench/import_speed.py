"""How long a 10,000-row roster import takes: a new file, the same file again, and a file changing every row.

    python bench/import_speed.py                               # SQLite in a temporary directory
    python bench/import_speed.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/runxin_import_bench
    python bench/import_speed.py --rows 20000 --kind training

The database must be empty or a throwaway: its tables are dropped and created. A county of 50
schools imports the file in one transaction, as `runxin import` does (session bound to the county's
principal, so the scoping hook, the rollup outbox and the period locks all run). Prints the time
per run and per stage (read, check, write), and the process's CPU time: on a machine shared with
other work the wall time stretches, the CPU time much less (on SQLite it includes the database's).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook

from runxin.platform.db.engine import WRITE_TRANSACTION, make_engine, make_sessionmaker
from runxin.platform.models import Base
from runxin.platform.spreadsheets import workbooks
from runxin.platform.spreadsheets.importing import import_workbook
from runxin.platform.spreadsheets.kinds import KINDS
from runxin.platform.tree.models import Tenant, TenantKind
from runxin.platform.tree.services import create_tenant
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import ScopedSession, as_system, bind_principal

SCHOOLS = 50


def roster(schools: list[str], rows: int, phone: str) -> list[dict]:
    return [
        {"unit_code": schools[i % len(schools)], "staff_code": f"{i:06d}", "name": f"教师{i}", "kind": "专职心理健康教育教师", "gender": "女",
         "birth_date": dt.date(1970 + i % 20, 1 + i % 12, 1 + i % 28), "phone": phone, "qualifications": "教师资格证",
         "employed_since": dt.date(2010, 9, 1), "active": "是"}
        for i in range(rows)
    ]  # fmt: skip


def attendance(schools: list[str], rows: int, credits: int) -> list[dict]:
    session = {"programme": "心理健康教育教师全员培训", "level": "县级", "year": 2025, "starts_on": dt.date(2025, 10, 10),
               "ends_on": dt.date(2025, 10, 12), "hours": 16, "credits": 2}  # fmt: skip
    return [
        {
            **session,
            "session": f"第{i // 500 + 1}期",
            "unit_code": schools[i % len(schools)],
            "staff_code": f"{i:06d}",
            "credits_awarded": credits,
        }
        for i in range(rows)
    ]


def workbook(kind: str, rows: list[dict]) -> bytes:
    spec = KINDS[kind]
    book = load_workbook(io.BytesIO(workbooks.template(kind)))
    sheet = book[spec.sheet]
    keys = [c.key for c in spec.columns]
    for values in rows:
        sheet.append([values.get(k) for k in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def arrange(url: str) -> tuple[Tenant, list[str]]:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    async with make_sessionmaker(engine, ScopedSession)() as session:
        as_system(session, "bench")
        city = await create_tenant(session, kind=TenantKind.CITY, code="360700", name="市", parent=None)
        county = await create_tenant(session, kind=TenantKind.COUNTY, code="360702", name="县", parent=city)
        codes = []
        for n in range(1, SCHOOLS + 1):
            school = await create_tenant(session, kind=TenantKind.SCHOOL, code=f"21360{n:05d}", name=f"校{n}", parent=county)
            codes.append(school.code)
        await session.commit()
    await engine.dispose()
    return county, codes


async def run(url: str, county: Tenant, content: bytes) -> tuple[float, dict[str, float], object]:
    engine = make_engine(url)
    stages: dict[str, float] = {}
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        marks.setdefault(stage, now)
        stages[stage] = now - marks[stage]

    try:
        async with make_sessionmaker(engine, ScopedSession)() as session:
            principal = Principal(
                subject="bench", tenant_id=county.id, tenant_path=county.path, tenant_kind=county.kind, roles=frozenset({"ADMIN"})
            )
            bind_principal(session, principal)
            started, cpu = time.perf_counter(), time.process_time()
            await session.connection(execution_options={WRITE_TRANSACTION: True})
            from sqlalchemy import select

            root = (await session.execute(select(Tenant).where(Tenant.id == county.id))).scalar_one()
            result = await import_workbook(session, root, content, progress=progress)
            await session.commit()
            stages["cpu"] = time.process_time() - cpu
            return time.perf_counter() - started, stages, result
    finally:
        await engine.dispose()


async def main(url: str, rows: int, kind: str) -> None:
    county, schools = await arrange(url)
    print(f"{url.split('://')[0]}: {kind}, {rows:,} rows, county of {len(schools)} schools")
    files = []
    if kind == "training":
        files.append(("roster first (setup)", workbook("staff", roster(schools, rows, "13812345678"))))
        files += [("new", workbook("training", attendance(schools, rows, 2)))]
        files += [("same file again", files[-1][1]), ("every row changed", workbook("training", attendance(schools, rows, 1)))]
    else:
        first = workbook("staff", roster(schools, rows, "13812345678"))
        files += [
            ("new", first),
            ("same file again", first),
            ("every row changed", workbook("staff", roster(schools, rows, "13900000000"))),
        ]
    for label, content in files:
        elapsed, stages, result = await run(url, county, content)
        detail = ", ".join(f"{s} {t:.2f} s" for s, t in stages.items())
        print(
            f"  {label:<22} {elapsed:6.2f} s  ({detail})  created {result.created:,}, updated {result.updated:,}, "  # type: ignore[attr-defined]
            f"unchanged {result.unchanged:,}; file {len(content) / 1e6:.2f} MB"  # type: ignore[attr-defined]
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--kind", choices=("staff", "training"), default="staff")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args.rows, args.kind))
