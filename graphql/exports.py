"""The file routes: lists as .xlsx, the import templates, and (graphql/printing.py) the period report.

    GET /exports/{list}.xlsx?tenant=CODE[&year=2025][&period=2025T1]   Authorization: Bearer <token>
    GET /exports/templates/{kind}.xlsx                  (no data, no token needed)

Each list is GraphQL documents run as the caller (graphql/documents.py), page by page, then written
the bureaus' way (platform/spreadsheets/workbooks.py). The staff, call-count and station lists use
their import template's sheet and columns, so an exported file can be corrected and imported back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from runxin.graphql.documents import DocumentFailed, Runner, caller
from runxin.platform.rollup.years import current_school_year
from runxin.platform.spreadsheets import workbooks
from runxin.platform.spreadsheets.columns import BOOL, CODE, DATE, DECIMAL, INT, TEXT, Column
from runxin.platform.spreadsheets.kinds import CALLS, KINDS, STAFF, STATIONS, Kind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNIT_NAME = Column("unit_name", "单位名称", TEXT, width=24)
COUNTY = Column("county_code", "区县代码", CODE, width=10)
COUNTY_NAME = Column("county_name", "区县名称", TEXT, width=16)
SCHOOL = Column("school_code", "学校标识码", CODE, width=14)
SCHOOL_NAME = Column("school_name", "学校名称", TEXT, width=24)

GAP_LABELS = {
    "PROFILE_NOT_REPORTED": "学校基本情况未填报",
    "NO_STATION": "未建阳光辅导站（心理辅导室）",
    "NO_FULL_TIME_TEACHER": "800 名学生以上未配专职心理健康教育教师",
    "ENROLMENT_NOT_REPORTED": "在校生数未填报",
    "STAFF_RATIO_BELOW_STANDARD": "专职心理教师低于 1:800 师生比",
    "NO_HOTLINE": "未开通心理援助热线",
    "NO_COUNSELLOR": "未配专业心理咨询师",
    "STATION_AREA_BELOW_STANDARD": "辅导室面积不足 18 平方米",
    "STATION_HOURS_BELOW_STANDARD": "辅导室每周开放不足 8 小时",
    "STATION_MISSING_FUNCTION": "辅导室功能不全（个体辅导、心理测评、沙盘）",
    "THEME_MONTH_NOT_HELD": "未开展5月心理健康教育主题月或10月生命健康主题月活动",
    "ADAPTATION_ACTIVITY_MISSING": "学期初或重要考试前未开展入学适应心理讲座（活动）",
    "NO_PARENT_TRAINING": "本学年未对家长开展心理健康知识培训",
}

TENANT = "query Tenant($code: String!) { tenant(code: $code) { code name kind } }"
PAGE_INFO = "pageInfo { hasNextPage endCursor }"
SCHOOLS = f"""
query Schools($code: String!, $year: Int!, $first: Int, $after: String, $gaps: Boolean!) {{
  tenants(under: $code, kind: SCHOOL, first: $first, after: $after) {{ {PAGE_INFO} nodes {{ ...school }} }}
}}
fragment school on Tenant {{
  code name parent {{ code name }}
  schoolProfile @skip(if: $gaps) {{ categoryLabel centralRank smallScale vocational independent modelSchoolLevel }}
  enrolment(schoolYear: $year) @skip(if: $gaps)
  staffCounts @skip(if: $gaps) {{ fullTime partTime hiredCounsellors homeroomTeachers }}
  gaps(year: $year) @include(if: $gaps) {{ code message }}
}}
"""
SCHOOL_SELF = SCHOOLS.replace(
    "tenants(under: $code, kind: SCHOOL, first: $first, after: $after) {" + f" {PAGE_INFO} nodes {{ ...school }} }}",
    "tenant(code: $code) { ...school }",
).replace(", $first: Int, $after: String", "")
STAFF_LIST = f"""
query Staff($code: String!, $first: Int, $after: String) {{
  tenant(code: $code) {{ staff(first: $first, after: $after, scope: SUBTREE) {{ {PAGE_INFO} nodes {{
    tenant {{ code name }} staffCode name kind gender birthDate phone qualifications strongTeacher employedSince active
    personalDataMasked
  }} }} }}
}}
"""
HOTLINES = f"""
query Hotlines($code: String!, $first: Int, $after: String) {{
  tenant(code: $code) {{ hotlines(first: $first, after: $after, scope: SUBTREE) {{ {PAGE_INFO} nodes {{
    tenant {{ code name }} number alwaysOpen schedule status callCounts {{ period calls crisisCalls referrals suppressed }}
  }} }} }}
}}
"""
STATION_LIST = f"""
query Stations($code: String!, $first: Int, $after: String) {{
  tenant(code: $code) {{ stations(first: $first, after: $after, scope: SUBTREE) {{ {PAGE_INFO} nodes {{
    tenant {{ code name }} name kind status openedOn areaM2 weeklyOpenHours individualCounselling assessment sandplay
    appointmentInPerson appointmentPhone appointmentOnline dutyRoster recordsKept shownToNewStudents
  }} }} }}
}}
"""
TRAINING = f"""
query Training($code: String!, $first: Int, $after: String) {{
  tenant(code: $code) {{ trainingSessions(first: $first, after: $after, scope: SUBTREE) {{ {PAGE_INFO} nodes {{
    id tenant {{ code name }} title startsOn endsOn hours credits programme {{ name level year }}
    attendances(first: 100) {{ {PAGE_INFO} nodes {{ tenant {{ code }} staffId completed creditsAwarded }} }}
  }} }} }}
}}
"""
MORE_ATTENDANCE = f"""
query Attendance($id: ID!, $after: String) {{
  node(id: $id) {{ ... on TrainingSession {{ attendances(first: 100, after: $after) {{ {PAGE_INFO}
    nodes {{ tenant {{ code }} staffId completed creditsAwarded }} }} }} }}
}}
"""


@dataclass(frozen=True, slots=True)
class Sheet:
    title: str
    columns: tuple[Column, ...]
    rows: list[list[Any]]


Builder = Callable[[Runner, dict[str, Any], dict[str, Any]], Awaitable[list[Sheet]]]


def _school_rows(node: dict[str, Any]) -> list[Any]:
    parent = node.get("parent") or {}
    return [parent.get("code"), parent.get("name"), node["code"], node["name"]]


async def _schools(runner: Runner, tenant: dict[str, Any], params: dict[str, Any], *, gaps: bool) -> list[dict[str, Any]]:
    variables = {"code": tenant["code"], "year": params["year"], "gaps": gaps}
    if tenant["kind"] == "SCHOOL":
        return [(await runner.data(SCHOOL_SELF, variables))["tenant"]]
    return [node async for node in runner.pages(SCHOOLS, variables, lambda d: d["tenants"])]


async def schools_list(runner: Runner, tenant: dict[str, Any], params: dict[str, Any]) -> list[Sheet]:
    columns = (
        COUNTY, COUNTY_NAME, SCHOOL, SCHOOL_NAME,
        Column("category", "学校类别", TEXT), Column("central_rank", "中心校以上", BOOL), Column("small_scale", "小规模学校", BOOL),
        Column("vocational", "职业学校", BOOL), Column("independent", "独立设置", BOOL), Column("model_level", "特色学校级别", TEXT),
        Column("students", "在校生数", INT), Column("full_time", "专职心理教师", INT), Column("part_time", "兼职心理教师", INT),
        Column("counsellors", "专业心理咨询师", INT), Column("homeroom", "班主任", INT),
    )  # fmt: skip
    rows = []
    for node in await _schools(runner, tenant, params, gaps=False):
        profile, counts = node.get("schoolProfile") or {}, node["staffCounts"]
        rows.append(
            _school_rows(node)
            + [profile.get("categoryLabel"), profile.get("centralRank"), profile.get("smallScale"), profile.get("vocational")]
            + [profile.get("independent"), profile.get("modelSchoolLevel"), node.get("enrolment")]
            + [counts["fullTime"], counts["partTime"], counts["hiredCounsellors"], counts["homeroomTeachers"]]
        )
    return [Sheet("学校名录", columns, rows)]


async def gaps_list(runner: Runner, tenant: dict[str, Any], params: dict[str, Any]) -> list[Sheet]:
    columns = (COUNTY, COUNTY_NAME, SCHOOL, SCHOOL_NAME, Column("gap", "差距代码", CODE, width=30),
               Column("gap_zh", "差距", TEXT, width=40), Column("message", "说明 (English)", TEXT, width=80))  # fmt: skip
    rows = [
        _school_rows(node) + [gap["code"], GAP_LABELS.get(gap["code"], gap["code"]), gap["message"]]
        for node in await _schools(runner, tenant, params, gaps=True)
        for gap in node["gaps"]
    ]
    return [Sheet(f"差距清单（{params['year']}学年）", columns, rows)]


def _template_columns(kind: Kind) -> tuple[Column, ...]:
    # The unit column is filled, so the export imports back into the tenant it came from.
    return (*kind.columns, UNIT_NAME)


async def staff_list(runner: Runner, tenant: dict[str, Any], params: dict[str, Any]) -> list[Sheet]:
    masked = Column("masked", "个人信息已脱敏", BOOL, width=14)
    rows = []
    async for node in runner.pages(STAFF_LIST, {"code": tenant["code"]}, lambda d: (d["tenant"] or {}).get("staff")):
        rows.append(
            [node["tenant"]["code"], node["staffCode"], node["name"], node["kind"], node["gender"], _date(node["birthDate"])]
            + [node["phone"], "、".join(node["qualifications"]), node["strongTeacher"], _date(node["employedSince"])]
            + [node["active"], node["tenant"]["name"], node["personalDataMasked"]]
        )
    return [Sheet(STAFF.sheet, (*_template_columns(STAFF), masked), rows)]


async def hotlines_list(runner: Runner, tenant: dict[str, Any], params: dict[str, Any]) -> list[Sheet]:
    lines_columns = (Column("unit_code", "单位代码", CODE), UNIT_NAME, Column("number", "热线号码", CODE, width=16),
                     Column("always_open", "24小时", BOOL), Column("schedule", "服务时间", TEXT, width=24),
                     Column("status", "状态", TEXT))  # fmt: skip
    suppressed = Column("suppressed", "因人数过少隐去", TEXT, width=20)
    lines, counts = [], []
    async for node in runner.pages(HOTLINES, {"code": tenant["code"]}, lambda d: (d["tenant"] or {}).get("hotlines")):
        unit = node["tenant"]
        lines.append([unit["code"], unit["name"], node["number"], node["alwaysOpen"], node["schedule"], node["status"]])
        for c in node["callCounts"]:
            counts.append(
                [
                    node["number"],
                    c["period"],
                    c["calls"],
                    c["crisisCalls"],
                    c["referrals"],
                    unit["name"],
                    "、".join(c["suppressed"]),
                ]
            )
    return [Sheet("热线", lines_columns, lines), Sheet(CALLS.sheet, (*_template_columns(CALLS), suppressed), counts)]


async def stations_list(runner: Runner, tenant: dict[str, Any], params: dict[str, Any]) -> list[Sheet]:
    keys = [c.key for c in STATIONS.columns[1:]]
    rows = []
    async for node in runner.pages(STATION_LIST, {"code": tenant["code"]}, lambda d: (d["tenant"] or {}).get("stations")):
        camel = {_camel(k): k for k in keys}
        values = {camel[k]: v for k, v in node.items() if k in camel}
        values["opened_on"] = _date(values.get("opened_on"))
        rows.append([node["tenant"]["code"], *(values.get(k) for k in keys), node["tenant"]["name"]])
    return [Sheet(STATIONS.sheet, _template_columns(STATIONS), rows)]


async def training_list(runner: Runner, tenant: dict[str, Any], params: dict[str, Any]) -> list[Sheet]:
    columns = (Column("unit_code", "举办单位代码", CODE), UNIT_NAME, Column("programme", "培训项目", TEXT, width=24),
               Column("level", "项目级别", TEXT), Column("year", "年度", INT), Column("session", "培训场次", TEXT, width=24),
               Column("starts_on", "开始日期", DATE), Column("ends_on", "结束日期", DATE), Column("hours", "学时", DECIMAL),
               Column("credits", "场次学分", DECIMAL), Column("staff_unit", "教师单位代码", CODE), Column("staff_id", "教师编号", CODE, width=30),
               Column("completed", "是否完成", BOOL), Column("credits_awarded", "获得学分", DECIMAL))  # fmt: skip
    rows = []
    async for node in runner.pages(TRAINING, {"code": tenant["code"]}, lambda d: (d["tenant"] or {}).get("trainingSessions")):
        programme = node.get("programme") or {}
        head = [
            node["tenant"]["code"],
            node["tenant"]["name"],
            programme.get("name"),
            programme.get("level"),
            programme.get("year"),
        ]
        head += [node["title"], _date(node["startsOn"]), _date(node["endsOn"]), node["hours"], node["credits"]]
        page = node["attendances"]
        while True:
            for a in page["nodes"]:
                rows.append([*head, a["tenant"]["code"], a["staffId"], a["completed"], a["creditsAwarded"]])
            if not page["pageInfo"]["hasNextPage"]:
                break
            more = await runner.data(MORE_ATTENDANCE, {"id": node["id"], "after": page["pageInfo"]["endCursor"]})
            page = more["node"]["attendances"]
    return [Sheet("培训参训记录", columns, rows)]


# --- reporting completeness: who is missing which figures for a period, and who was late ---

COMPLETENESS = f"""
query Completeness($code: String!, $period: String!, $first: Int, $after: String) {{
  tenant(code: $code) {{ reportingCompleteness(period: $period) {{
    requiredFigures {{ code labelZh }}
    tenant {{ ...entry }}
    descendants(first: $first, after: $after) {{ {PAGE_INFO} nodes {{ ...entry }} }}
  }} }}
}}
fragment entry on TenantCompleteness {{
  tenant {{ code name kind }} deadline {{ lastDay }} missing late
  own {{ required onTime late missing completeness timeliness }} subtree {{ completeness timeliness }}
}}
"""
KIND_ZH = {"CITY": "市", "COUNTY": "县（市、区）", "SCHOOL": "学校", "PROVINCE": "省"}


async def completeness_list(runner: Runner, tenant: dict[str, Any], params: dict[str, Any]) -> list[Sheet]:
    period = params.get("period")
    if not period:
        raise DocumentFailed(400, "BAD_REQUEST", "Say which period: &period=2025T1 (a term), 2025SY (a school year) or 2025.")
    columns = (Column("unit_code", "单位代码", CODE), UNIT_NAME, Column("kind", "单位类型", TEXT),
               Column("last_day", "截止日期", DATE), Column("required", "应报项数", INT), Column("on_time", "按时报送", INT),
               Column("late", "逾期报送", INT), Column("missing", "未报送", INT), Column("completeness", "完整率", DECIMAL),
               Column("timeliness", "及时率", DECIMAL), Column("subtree_completeness", "含下级完整率", DECIMAL),
               Column("subtree_timeliness", "含下级及时率", DECIMAL), Column("missing_figures", "未报送项目", TEXT, width=30),
               Column("late_figures", "逾期报送项目", TEXT, width=30))  # fmt: skip
    variables = {"code": tenant["code"], "period": period}
    first = (await runner.data(COMPLETENESS, {**variables, "first": 1}))["tenant"]["reportingCompleteness"]
    labels = {f["code"]: f["labelZh"] for f in first["requiredFigures"]}

    def row(e: dict[str, Any]) -> list[Any]:
        unit, own, deadline = e["tenant"], e["own"], e["deadline"] or {}
        return [unit["code"], unit["name"], KIND_ZH.get(unit["kind"], unit["kind"]), _date(deadline.get("lastDay")),
                own["required"], own["onTime"], own["late"], own["missing"], own["completeness"], own["timeliness"],
                e["subtree"]["completeness"], e["subtree"]["timeliness"], "、".join(labels[c] for c in e["missing"]),
                "、".join(labels[c] for c in e["late"])]  # fmt: skip

    rows = [row(first["tenant"])]
    async for node in runner.pages(COMPLETENESS, variables, lambda d: d["tenant"]["reportingCompleteness"]["descendants"]):
        rows.append(row(node))
    return [Sheet(f"填报完整性（{period}）", columns, rows)]


LISTS: dict[str, Builder] = {
    "completeness": completeness_list,
    "gaps": gaps_list,
    "schools": schools_list,
    "staff": staff_list,
    "training": training_list,
    "hotlines": hotlines_list,
    "stations": stations_list,
}


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p.title() for p in rest)


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _error(status: int, code: str, message: str) -> JSONResponse:
    return DocumentFailed(status, code, message).response()


def workbook_of(sheets: list[Sheet]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        page = workbook.create_sheet(sheet.title[:31])
        workbooks.start_sheet(page, sheet.columns)
        workbooks.append_rows(page, sheet.columns, sheet.rows)
    return workbooks.to_bytes(workbook)


def attachment(content: bytes, filename: str, media_type: str) -> Response:
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def export_list(request: Request) -> Response:
    name = request.path_params["name"]
    builder = LISTS.get(name)
    if builder is None:
        return _error(404, "NOT_FOUND", f"No list {name!r}; export one of: {', '.join(LISTS)}.")
    code = (request.query_params.get("tenant") or "").strip()
    if not code:
        return _error(400, "BAD_REQUEST", f"Say whose list: /exports/{name}.xlsx?tenant=CODE (a division or school code).")
    year = request.query_params.get("year")
    if year is not None and not (year.isdigit() and 2000 <= int(year) <= 2100):
        return _error(400, "BAD_REQUEST", "year is a school year's first calendar year, e.g. year=2025 for 2025-26.")
    try:
        runner = Runner(request, await caller(request))
        tenant = (await runner.data(TENANT, {"code": code}))["tenant"]
        if tenant is None:
            return _error(404, "NOT_FOUND", f"No tenant {code!r} in your part of the tree.")
        params = {"year": int(year) if year else current_school_year(dt.date.today()), "period": request.query_params.get("period")}
        sheets = await builder(runner, tenant, params)
    except DocumentFailed as exc:
        return exc.response()
    return attachment(workbook_of(sheets), f"{name}-{tenant['code']}.xlsx", XLSX)


async def export_template(request: Request) -> Response:
    name = request.path_params["kind"]
    if name not in KINDS:
        return _error(404, "NOT_FOUND", f"No template {name!r}; the import templates are: {', '.join(KINDS)}.")
    return attachment(workbooks.template(name), f"template-{name}.xlsx", XLSX)


def routes() -> list[Route]:
    from runxin.graphql.printing import period_report

    return [
        Route("/exports/templates/{kind}.xlsx", export_template),
        Route("/exports/{name}.xlsx", export_list),
        Route("/reports/{tenant_code}/{period}.pdf", period_report),
    ]
