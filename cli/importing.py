"""`runxin import FILE.xlsx --tenant CODE`: import a filled-in template, all of it or nothing.

The command acts as an administrator of the tenant: the session is bound to that tenant's principal,
so the import is scoped to its subtree exactly as an upload through the API is. A rich progress bar
follows reading, checking and writing; bad cells are listed with sheet, row, column and the reason.
"""

from __future__ import annotations

import asyncio
import getpass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from runxin.platform.config import Settings
from runxin.platform.db.engine import WRITE_TRANSACTION, make_engine, make_sessionmaker
from runxin.platform.errors import NotFound
from runxin.platform.spreadsheets.importing import ImportRejected, ImportResult, import_workbook
from runxin.platform.tree.models import Tenant
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import ScopedSession, as_system, bind_principal

STAGES = {"read": "读取 reading", "check": "校验 checking", "write": "写入 writing"}
SHOWN = 50  # bad cells printed; the count says how many there were


async def _import(settings: Settings, path: Path, code: str, progress: Progress) -> ImportResult:
    tasks: dict[str, int] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(STAGES[stage], total=max(total, 1))
        progress.update(tasks[stage], completed=done, total=max(total, 1))

    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine, ScopedSession)() as session:
            as_system(session, "import: who is the tenant")
            tenant = (await session.execute(select(Tenant).where(Tenant.code == code.strip()))).scalar_one_or_none()
            if tenant is None:
                raise NotFound(f"No tenant with code {code!r}; give a division (6 digits) or school (10 digits) code.")
            await session.commit()
            bind_principal(
                session,
                Principal(subject=f"cli:{getpass.getuser()}", tenant_id=tenant.id, tenant_path=tenant.path, tenant_kind=tenant.kind,
                          roles=frozenset({"ADMIN"})),
            )  # fmt: skip
            await session.connection(execution_options={WRITE_TRANSACTION: True})
            root = (await session.execute(select(Tenant).where(Tenant.id == tenant.id))).scalar_one()
            try:
                result = await import_workbook(session, root, path.read_bytes(), progress=report)
            except BaseException:
                await session.rollback()
                raise
            await session.commit()
            return result
    finally:
        await engine.dispose()


def run_import(settings: Settings, path: Path, code: str, console: Console) -> bool:
    """Import `path` into tenant `code`; print the counts, or every bad cell. True when imported."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            result = asyncio.run(_import(settings, path, code, progress))
    except ImportRejected as exc:
        table = Table(
            "sheet 工作表", "row 行", "col 列", "header 列名", "code", "reason 原因", title="nothing was imported 未导入任何数据"
        )
        for error in exc.errors[:SHOWN]:
            table.add_row(error.sheet, str(error.row or ""), error.column, error.header, error.code, f"{error.zh}\n{error.en}")
        console.print(table)
        more = f" (first {SHOWN} shown)" if len(exc.errors) > SHOWN else ""
        console.print(f"[red]{len(exc.errors)} problem(s) in {path.name}{more}; fix them and import the file again.[/red]")
        return False
    console.print(
        f"imported {path.name} ({result.kind}): {result.rows:,} rows — {result.created:,} created, "
        f"{result.updated:,} updated, {result.unchanged:,} unchanged"
    )
    return True
