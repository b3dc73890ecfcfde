"""Importing a filled-in template into one tenant's subtree: all of the file, or nothing.

Three steps, the first two writing nothing:
1. read: every cell parsed (reading.py);
2. plan: references resolved by key in a few set-based queries (units by code, existing records by
   their natural key), every row checked by its domain's own validate function, duplicate keys and
   locked periods found; every problem is collected;
3. apply, only when nothing was found: new records added and changed ones set through the unit of
   work, flushed together. The session's flush listeners still hold: scoping refuses a record
   outside the caller's subtree, the rollup outbox marks each written tenant, the period lock
   refuses an approved period. A row equal to what is stored is left alone (a re-import changes
   nothing).

Any problem raises `ImportRejected` with every bad cell, so the caller's transaction rolls back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.db.base import Base
from runxin.platform.errors import Invalid, InvalidMany, RunxinError
from runxin.platform.records import record_values
from runxin.platform.reporting.models import Report
from runxin.platform.reporting.rules import LOCKING_STATES
from runxin.platform.spreadsheets.columns import CellError
from runxin.platform.spreadsheets.reading import ParsedSheet, Progress, Row, read_workbook
from runxin.platform.tree.models import Tenant

CHUNK = 500
# Chinese for the domain validators' reason codes (their English messages go alongside).
DOMAIN_ZH = {
    "REQUIRED": "必填，不能为空。",
    "TOO_LONG": "内容过长。",
    "NOT_ALLOWED": "不是可选值。",
    "NEGATIVE": "不能为负数。",
    "TOO_SMALL": "数值过小。",
    "TOO_LARGE": "数值过大。",
    "PHONE_FORMAT": "电话号码格式不正确。",
    "AGE_OUT_OF_RANGE": "按出生日期计算，年龄不在 18 至 75 岁之间。",
    "DATE_IN_FUTURE": "日期不能晚于今天。",
    "EMPLOYED_UNDER_AGE": "入职日期早于年满 18 岁。",
    "STRONG_TEACHER_KIND": "只有专职或兼职心理健康教育教师可以是骨干教师。",
    "QUALIFICATION_UNKNOWN": "资质名称无法识别。",
    "STAFF_CODE_FORMAT": "工号只能由 1 至 32 位字母、数字、“-”或“_”组成。",
    "PERIOD_FORMAT": "统计期间格式不正确，应如 2025、202503、2025T1、2025SY。",
    "PERIOD_IN_FUTURE": "统计期间尚未开始。",
    "COUNT_EXCEEDS_CALLS": "不能超过来电数。",
    "SCHEDULE_REQUIRED": "非 24 小时热线需填写服务时间。",
    "DATES_ORDER": "结束日期早于开始日期。",
    "LEVEL_BELOW_OWNER": "本单位不能记录该级别的培训项目。",
    "CREDITS_WITHOUT_COMPLETION": "未完成培训不能获得学分。",
    "CREDITS_EXCEED_SESSION": "获得学分超过场次学分。",
    "SESSION_NOT_ENDED": "场次尚未结束，不能标记为完成。",
    "ATTENDEE_OUTSIDE_PROGRAMME": "该教师不属于举办单位及其下级。",
    "TENANT_KIND": "该类单位不能登记此类记录。",
    "PERIOD_LOCKED": "该期间的报表已上报或已审核，数据已锁定；请上级退回或重新开放后再改。",
}


class ImportRejected(RunxinError):
    """The file was not imported; `errors` lists every bad cell."""

    code = "IMPORT_REJECTED"

    def __init__(self, errors: list[CellError]) -> None:
        ordered = sorted(errors, key=lambda e: (e.sheet, e.row, len(e.column), e.column, e.code))
        super().__init__(f"{len(ordered)} problem(s) in the file; nothing was imported. First: {ordered[0].message}")
        self.errors = ordered


@dataclass(slots=True)
class ImportResult:
    kind: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: dict[str, list[uuid.UUID]] = field(default_factory=dict)  # type name -> ids, for the audit log


@dataclass(slots=True)
class Plan:
    """What a file would write: new records, records with their changes, and rows already stored."""

    parsed: ParsedSheet
    new: list[Any] = field(default_factory=list)
    changed: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    # (tenant id, period id) -> rows writing it: checked against submitted and approved reports.
    periods: dict[tuple[uuid.UUID, str], list[tuple[Row, str]]] = field(default_factory=dict)

    def error(self, row: Row, key: str, code: str, zh: str, en: str) -> None:
        self.parsed.error(row.number, key, code, zh, en)

    def domain_errors(self, row: Row, exc: Invalid | InvalidMany, fields: dict[str, str], fallback: str) -> None:
        """Report a domain validator's errors on the cells they are about (`fields`: attribute -> column key)."""
        for problem in exc.errors if isinstance(exc, InvalidMany) else [exc]:
            key = fields.get(problem.field or "", problem.field if problem.field in self.parsed.letters else fallback)
            if key in row.failed:
                continue  # the cell itself was already reported
            zh = DOMAIN_ZH.get(problem.code, "数据不符合规则（见英文说明）。")
            self.error(row, key, problem.code, zh, problem.message)

    def keep(self, record: Any, values: dict[str, Any]) -> None:
        """Plan `values` for an existing record: a change if any differs, else unchanged."""
        current = record_values(record)
        changes = {k: v for k, v in values.items() if current.get(k) != v}
        if changes:
            self.changed.append((record, changes))
        else:
            self.unchanged += 1

    def writes_period(self, tenant_id: uuid.UUID, period: str, row: Row, key: str) -> None:
        self.periods.setdefault((tenant_id, period), []).append((row, key))


Planner = Callable[[AsyncSession, Tenant, ParsedSheet, dt.date, Plan], Awaitable[None]]


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def load_in(session: AsyncSession, statement_for: Callable[[list[Any]], Any], keys: Iterable[Any]) -> list[Any]:
    """Run `statement_for(chunk)` for chunks of `keys` (an IN list per chunk); all the rows."""
    rows: list[Any] = []
    for batch in chunks(dict.fromkeys(keys)):
        rows.extend((await session.execute(statement_for(batch))).scalars().all())
    return rows


async def units_by_code(session: AsyncSession, root: Tenant, codes: Iterable[str]) -> dict[str, Tenant]:
    """The tenants of `root`'s subtree (root included) with these codes, as the session sees them."""
    found = await load_in(session, lambda batch: select(Tenant).where(Tenant.code.in_(batch)), codes)
    units = {t.code: t for t in found if t.path.startswith(root.path)}
    units[root.code] = root
    return units


def unit_of(
    plan: Plan, row: Row, units: dict[str, Tenant], root: Tenant, kinds: Sequence[str], key: str = "unit_code"
) -> Tenant | None:
    """The row's unit (the importing tenant when the cell is empty), or None after reporting why not."""
    if key in row.failed:
        return None
    code = row.values.get(key)
    unit = root if code is None else units.get(code)
    if unit is None:
        plan.error(
            row, key, "UNIT_OUTSIDE",
            f"代码 {code} 不是 {root.name}（{root.code}）或其下级单位。",
            f"{code} is not {root.name} ({root.code}) or a tenant below it; import each unit's rows into it or its bureau.",
        )  # fmt: skip
        return None
    if unit.kind not in kinds:
        names = {"SCHOOL": "学校", "COUNTY": "区县", "CITY": "市"}
        plan.error(
            row, key, "TENANT_KIND",
            f"{unit.name} 是{names.get(unit.kind, unit.kind)}，此类记录只属于{'或'.join(names.get(k, k) for k in kinds)}。",
            f"{unit.name} is a {unit.kind.lower()}; these records belong to a {' or '.join(k.lower() for k in kinds)}.",
        )  # fmt: skip
        return None
    return unit


def duplicate(plan: Plan, seen: dict[Any, int], key: Any, row: Row, column: str) -> bool:
    """Report a row whose natural key an earlier row of the file already has."""
    first = seen.setdefault(key, row.number)
    if first == row.number:
        return False
    plan.error(
        row,
        column,
        "DUPLICATE_ROW",
        f"与第 {first} 行重复（同一记录只能出现一次）。",
        f"Same record as row {first}; keep one of the two rows.",
    )
    return True


async def check_locks(session: AsyncSession, plan: Plan) -> None:
    """Report every row that writes a period whose report is submitted or approved."""
    if not plan.periods:
        return
    tenant_ids = {t for t, _ in plan.periods}
    periods = {p for _, p in plan.periods}
    # A system statement, as the flush-time lock check reads it: the report may be a school's that
    # its county is importing for, and the state of a report is not itself personal data.
    reports = (
        await session.execute(
            select(Report.tenant_id, Report.period, Report.state, Report.version)
            .where(
                Report.tenant_id.in_(tenant_ids), Report.period.in_(periods), Report.state.in_([s.value for s in LOCKING_STATES])
            )
            .execution_options(system=True)
        )
    ).all()
    for report in reports:
        for row, key in plan.periods.get((report.tenant_id, report.period), []):
            state = "已审核" if report.state == "APPROVED" else "已上报"
            plan.error(
                row, key, "PERIOD_LOCKED",
                f"{report.period} 期间的报表{state}（第 {report.version} 版），数据已锁定；请上级退回或重新开放报表后再导入。",
                f"The report for {report.period} is {report.state.lower()} (version {report.version}), so its data are locked; "
                "ask the bureau above to return or reopen it, then import again.",
            )  # fmt: skip


async def import_workbook(
    session: AsyncSession,
    root: Tenant,
    content: bytes,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
    expect_kind: str | None = None,
) -> ImportResult:
    """Import the template file `content` into `root`'s subtree, flushing (the caller commits)."""
    from runxin.platform.spreadsheets.planners import PLANNERS

    today = today or dt.date.today()
    parsed = read_workbook(content, progress=progress)
    if parsed.kind is None:
        raise ImportRejected(parsed.errors)
    plan = Plan(parsed)
    if expect_kind is not None and parsed.kind.name != expect_kind:
        raise ImportRejected([CellError(parsed.sheet, 0, "", "", "WRONG_TEMPLATE", f"这是“{parsed.kind.sheet}”，不是所需的模板。",
                                        f"This is the {parsed.kind.title} template, not the {expect_kind} one.")])  # fmt: skip
    if progress is not None:
        progress("check", 0, len(parsed.rows))
    await PLANNERS[parsed.kind.name](session, root, parsed, today, plan)
    await check_locks(session, plan)
    if parsed.errors:
        raise ImportRejected(parsed.errors)
    if progress is not None:
        progress("check", len(parsed.rows), len(parsed.rows))
    return await apply(session, plan, progress)


async def apply(session: AsyncSession, plan: Plan, progress: Progress | None) -> ImportResult:
    assert plan.parsed.kind is not None
    result = ImportResult(plan.parsed.kind.name, len(plan.parsed.rows), len(plan.new), len(plan.changed), plan.unchanged)
    total = len(plan.new) + len(plan.changed)
    done = 0
    if progress is not None:
        progress("write", 0, total)
    # Parents before children: the models declare no relationships, so the unit of work cannot
    # order inserts across tables by itself (a session before its attendance).
    order = {table.name: index for index, table in enumerate(Base.metadata.sorted_tables)}
    by_table: dict[str, list[Any]] = {}
    for record in plan.new:
        by_table.setdefault(record.__tablename__, []).append(record)
    for table in sorted(by_table, key=order.__getitem__):
        for batch in chunks(by_table[table], 2_000):
            session.add_all(batch)
            await _flush(session, plan)
            done += len(batch)
            if progress is not None:
                progress("write", done, total)
    for record, changes in plan.changed:
        for key, value in changes.items():
            setattr(record, key, value)
    await _flush(session, plan)
    if progress is not None:
        progress("write", total, total)
    for record in [*plan.new, *(r for r, _ in plan.changed)]:
        result.written.setdefault(type(record).__name__, []).append(record.id)
    return result


async def _flush(session: AsyncSession, plan: Plan) -> None:
    try:
        await session.flush()
    except (Invalid, InvalidMany) as exc:
        # A listener refused the write (a period locked since the check, a record outside the scope).
        problems = exc.errors if isinstance(exc, InvalidMany) else [exc]
        sheet = plan.parsed.sheet
        raise ImportRejected(
            [
                CellError(sheet, 0, "", "", p.code, DOMAIN_ZH.get(p.code, "写入被拒绝（见英文说明）。"), p.message)
                for p in problems
            ]
        ) from exc
