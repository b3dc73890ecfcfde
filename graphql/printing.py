"""GET /reports/{tenantCode}/{period}.pdf: a county's or city's period report, as it is filed upward.

The figures come from GraphQL documents run as the caller (graphql/documents.py): the tenant's own
indicators for the period's school year, each child's with its approval state, the targets in
force with their progress, and the report's own state. platform/printing lays them out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runxin.graphql.documents import DocumentFailed, Runner, caller
from runxin.platform.errors import Invalid
from runxin.platform.periods import parse_period
from runxin.platform.printing.report import ChildRow, Figure, PeriodReport, TargetRow, render
from runxin.platform.rollup.years import current_school_year

FIGURE = "indicator value state numerator denominator"
REPORT = f"""
query PeriodReport($code: String!, $period: String!, $year: Int!, $first: Int, $after: String) {{
  indicatorDefinitions {{ code nameZh valueKind }}
  tenant(code: $code) {{
    code name kind
    report(period: $period) {{ state approvalState version submittedAt submittedBy decidedAt decidedBy returnReason }}
    indicators(year: $year) {{ {FIGURE} }}
    targetProgress {{ indicator value dueDate setBy {{ name }} progress {{ status current {{ {FIGURE} }} }} }}
    children(first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ code name indicators(year: $year) {{ {FIGURE} }} report(period: $period) {{ approvalState }} }}
    }}
  }}
}}
"""
CHILDREN = f"""
query PeriodReportChildren($code: String!, $period: String!, $year: Int!, $first: Int, $after: String) {{
  tenant(code: $code) {{ children(first: $first, after: $after) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ code name indicators(year: $year) {{ {FIGURE} }} report(period: $period) {{ approvalState }} }}
  }} }}
}}
"""


def _figures(values: list[dict[str, Any]], ratio: dict[str, bool]) -> dict[str, Figure]:
    return {
        v["indicator"]: Figure(
            v["indicator"], v["value"], v["state"], v["numerator"], v["denominator"], ratio.get(v["indicator"], True)
        )
        for v in values
    }


def _when(who: str | None, at: str | None) -> str:
    if not at:
        return ""
    return f"{who or ''} {dt.datetime.fromisoformat(at):%Y-%m-%d %H:%M}".strip()


async def period_report(request: Request) -> Response:
    code, period_text = request.path_params["tenant_code"], request.path_params["period"]
    try:
        period = parse_period(period_text)
    except Invalid as exc:
        return DocumentFailed(400, exc.code, exc.message).response()
    year = current_school_year(period.start)
    variables = {"code": code, "period": period.id, "year": year}
    try:
        runner = Runner(request, await caller(request))
        data = await runner.data(REPORT, {**variables, "first": 100, "after": None}, name="PeriodReport")
        tenant = data["tenant"]
        if tenant is None:
            raise DocumentFailed(404, "NOT_FOUND", f"No tenant {code!r} in your part of the tree.")
        if tenant["kind"] not in ("CITY", "COUNTY", "PROVINCE"):
            raise DocumentFailed(
                400, "BAD_REQUEST", "The period report is a bureau's (a city's or a county's); a school files through its county."
            )
        if tenant["report"] is None:
            raise DocumentFailed(
                403, "PERMISSION_DENIED", f"You may not see {tenant['name']}'s report; print your own or a tenant below it."
            )
        children = list(tenant["children"]["nodes"])
        page = tenant["children"]["pageInfo"]
        while page["hasNextPage"]:
            more = (await runner.data(CHILDREN, {**variables, "first": 100, "after": page["endCursor"]}, name="PeriodReport"))[
                "tenant"
            ]
            children += more["children"]["nodes"]
            page = more["children"]["pageInfo"]
    except DocumentFailed as exc:
        return exc.response()
    ratio = {d["code"]: d["valueKind"] == "RATIO" for d in data["indicatorDefinitions"]}
    names = {d["code"]: d["nameZh"] for d in data["indicatorDefinitions"]}
    report = tenant["report"]
    document = PeriodReport(
        code=tenant["code"],
        name=tenant["name"],
        kind=tenant["kind"],
        period=period.id,
        school_year=year,
        state=report["state"],
        approval=report["approvalState"],
        version=report["version"],
        submitted=_when(report["submittedBy"], report["submittedAt"]),
        decided=_when(report["decidedBy"], report["decidedAt"]),
        indicators=names,
        own=_figures(tenant["indicators"], ratio),
        children=[
            ChildRow(c["code"], c["name"], (c["report"] or {}).get("approvalState"), _figures(c["indicators"], ratio))
            for c in children
        ],
        targets=[
            TargetRow(
                indicator=t["indicator"],
                name=names.get(t["indicator"], t["indicator"]),
                target=t["value"],
                due=dt.date.fromisoformat(t["dueDate"]),
                current=_figures([t["progress"]["current"]], ratio)[t["indicator"]] if t["progress"]["current"] else None,
                status=t["progress"]["status"],
                set_by=(t["setBy"] or {}).get("name", ""),
            )
            for t in tenant["targetProgress"]
        ],
    )
    filename = f"report-{tenant['code']}-{period.id}.pdf"
    return Response(
        render(document), media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
