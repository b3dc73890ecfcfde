"""Exports over HTTP: each list as .xlsx, read back with openpyxl (codes as text, leading zeros
kept, dates as dates), the templates, and a school that cannot export its sibling's data."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from runxin.graphql.ids import encode_id
from runxin.platform.audit.models import AuditEvent
from runxin.platform.rollup.years import current_school_year
from runxin.platform.spreadsheets.kinds import KINDS
from tests.factories.tree import make_tree

STAFF_CREATE = "mutation ($input: StaffCreateInput!) { staffCreate(input: $input) { userErrors { code message } } }"
HOTLINE_CREATE = (
    "mutation ($input: HotlineCreateInput!) { hotlineCreate(input: $input) { hotline { id } userErrors { code message } } }"
)
CALLS = (
    "mutation ($input: HotlineCallCountsRecordInput!) { hotlineCallCountsRecord(input: $input) { userErrors { code message } } }"
)
PROFILE = "mutation ($input: SchoolProfileUpdateInput!) { schoolProfileUpdate(input: $input) { userErrors { code message } } }"
ENROL = "mutation ($input: EnrolmentRecordInput!) { enrolmentRecord(input: $input) { userErrors { code message } } }"
STATION_CREATE = "mutation ($input: StationCreateInput!) { stationCreate(input: $input) { userErrors { code message } } }"


async def export(api, path: str, tenant) -> tuple[int, object]:  # type: ignore[no-untyped-def]
    response = await api.client.get(path, headers={"Authorization": f"Bearer {api.token_for(tenant)}"})
    if response.status_code != 200:
        return response.status_code, response.json()
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    return 200, load_workbook(io.BytesIO(response.content))


async def arrange(api, system_session):  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    county = tree.counties[0]
    school, sibling = tree.schools[county.code]
    for owner, code, name in ((school, "0042", "张三"), (sibling, "0007", "李四")):
        body = await api.gql(
            STAFF_CREATE,
            {"input": {"tenantId": encode_id("Tenant", owner.id), "kind": "FULL_TIME", "name": name, "staffCode": code,
                       "birthDate": "1985-04-02", "phone": "13812345678"}},
            as_=owner,
        )  # fmt: skip
        assert body["data"]["staffCreate"]["userErrors"] == []
    body = await api.gql(
        HOTLINE_CREATE,
        {"input": {"tenantId": encode_id("Tenant", county.id), "number": "0797-8123456", "alwaysOpen": True, "status": "ACTIVE"}},
        as_=county,
    )
    hotline = body["data"]["hotlineCreate"]["hotline"]["id"]
    body = await api.gql(
        CALLS, {"input": {"hotlineId": hotline, "period": "202503", "calls": 40, "crisisCalls": 9, "referrals": 6}}, as_=county
    )
    assert body["data"]["hotlineCallCountsRecord"]["userErrors"] == []
    body = await api.gql(
        STATION_CREATE,
        {"input": {"tenantId": encode_id("Tenant", school.id), "name": "阳光辅导站", "areaM2": 12, "weeklyOpenHours": 10,
                   "openedOn": "2024-09-01"}},
        as_=school,
    )  # fmt: skip
    assert body["data"]["stationCreate"]["userErrors"] == []
    body = await api.gql(PROFILE, {"input": {"tenantId": encode_id("Tenant", school.id), "centralRank": True}}, as_=school)
    assert body["data"]["schoolProfileUpdate"]["userErrors"] == []
    year = current_school_year(dt.date.today())
    body = await api.gql(
        ENROL, {"input": {"tenantId": encode_id("Tenant", school.id), "schoolYear": year, "students": 1200}}, as_=school
    )
    assert body["data"]["enrolmentRecord"]["userErrors"] == []
    return tree, county, school, sibling


def rows(sheet) -> list[list[object]]:  # type: ignore[no-untyped-def]
    return [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]


async def test_staff_export_keeps_codes_as_text_and_dates_as_dates(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given two schools of a county, each with a teacher whose staff number starts with zeros
    _, county, school, sibling = await arrange(api, system_session)
    # When the county exports its staff
    status, workbook = await export(api, f"/exports/staff.xlsx?tenant={county.code}", county)
    assert status == 200
    sheet = workbook["教职工名册"]
    # Then the headers are Chinese over English, and codes are text cells with their zeros
    assert [c.value for c in sheet[1]][:4] == ["单位代码", "工号", "姓名", "类别"]
    assert [c.value for c in sheet[2]][:4] == ["unit_code", "staff_code", "name", "kind"]
    by_code = {r[1]: r for r in rows(sheet)}
    assert set(by_code) == {"0042", "0007"}
    row = sheet[3]
    assert row[1].data_type == "s" and row[1].number_format == "@"
    assert row[0].value in (school.code, sibling.code) and isinstance(row[0].value, str)
    # And dates are dates, enums are their Chinese labels
    assert by_code["0042"][5] == dt.datetime(1985, 4, 2)
    assert by_code["0042"][3] == "专职心理健康教育教师"
    # And the export's documents ran as the caller, on the audit record with the personal data they read
    events = (await system_session.execute(select(AuditEvent).where(AuditEvent.operation_name == "Staff"))).scalars().all()
    assert [(e.subject, e.personal_reads) for e in events] == [(f"user@{county.code}", 2)]


async def test_a_school_cannot_export_its_siblings_data(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given two sibling schools
    _, _, school, sibling = await arrange(api, system_session)
    # When one school asks for its sibling's staff, it is refused with nothing disclosed
    status, body = await export(api, f"/exports/staff.xlsx?tenant={sibling.code}", school)
    assert status == 404 and "李四" not in str(body)
    # And its own export holds only its own teacher
    status, workbook = await export(api, f"/exports/staff.xlsx?tenant={school.code}", school)
    assert [r[1] for r in rows(workbook["教职工名册"])] == ["0042"]
    # And without a token nothing is exported
    response = await api.client.get(f"/exports/staff.xlsx?tenant={school.code}")
    assert response.status_code == 401


async def test_hotline_gap_school_and_station_lists(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, county, school, _ = await arrange(api, system_session)
    # The county's hotline keeps its leading zero; its call counts are on the import sheet
    status, workbook = await export(api, f"/exports/hotlines.xlsx?tenant={county.code}", county)
    assert rows(workbook["热线"])[0][2] == "0797-8123456"
    assert rows(workbook["热线来电统计"])[0][:5] == ["0797-8123456", "202503", 40, 9, 6]
    # The gap list names the small room
    status, workbook = await export(api, f"/exports/gaps.xlsx?tenant={county.code}", county)
    gaps = rows(workbook.worksheets[0])
    assert "STATION_AREA_BELOW_STANDARD" in {r[4] for r in gaps if r[2] == school.code}, gaps
    assert {r[2] for r in gaps} <= {s.code for s in tree.schools[county.code]}
    # The school list has every school of the county, codes as text
    status, workbook = await export(api, f"/exports/schools.xlsx?tenant={county.code}", county)
    assert sorted(r[2] for r in rows(workbook["学校名录"])) == sorted(s.code for s in tree.schools[county.code])
    # Stations: the school's room with its area and opening date
    status, workbook = await export(api, f"/exports/stations.xlsx?tenant={county.code}", county)
    (station,) = rows(workbook["辅导站情况"])
    assert (station[0], station[1], station[4], station[5]) == (school.code, "阳光辅导站", dt.datetime(2024, 9, 1), 12)
    # Training: an empty list is a workbook with headers only
    status, workbook = await export(api, f"/exports/training.xlsx?tenant={county.code}", county)
    assert status == 200 and rows(workbook.worksheets[0]) == []


async def test_unknown_list_and_missing_tenant_are_clear_errors(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    status, body = await export(api, "/exports/nothing.xlsx?tenant=360701", tree.city)
    assert status == 404 and "gaps" in body["errors"][0]["message"]
    status, body = await export(api, "/exports/staff.xlsx", tree.city)
    assert status == 400 and "tenant=CODE" in body["errors"][0]["message"]


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_templates_have_two_header_rows_text_codes_and_drop_downs(api, kind: str) -> None:  # type: ignore[no-untyped-def]
    response = await api.client.get(f"/exports/templates/{kind}.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    spec = KINDS[kind]
    sheet = workbook[spec.sheet]
    assert [c.value for c in sheet[1]] == [c.zh for c in spec.columns]
    assert [c.value for c in sheet[2]] == [c.key for c in spec.columns]
    for index, column in enumerate(spec.columns):
        if column.kind == "code":
            assert sheet.column_dimensions[column.letter(index)].number_format == "@"
    if any(c.kind in ("choice", "bool") for c in spec.columns):
        assert sheet.data_validations.dataValidation


async def test_a_school_exports_its_own_row_and_gaps(api, system_session) -> None:  # type: ignore[no-untyped-def]
    _, _, school, _ = await arrange(api, system_session)
    status, workbook = await export(api, f"/exports/schools.xlsx?tenant={school.code}", school)
    assert [(r[2], r[10]) for r in rows(workbook["学校名录"])] == [(school.code, 1200)]
    status, workbook = await export(api, f"/exports/gaps.xlsx?tenant={school.code}", school)
    assert status == 200
    assert {r[2] for r in rows(workbook.worksheets[0])} == {school.code}
    assert "STATION_AREA_BELOW_STANDARD" in {r[4] for r in rows(workbook.worksheets[0])}


async def test_a_masked_export_is_masked_and_cannot_be_imported_back(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a county viewer, whom the default policy shows descendants' staff masked
    _, county, _, _ = await arrange(api, system_session)
    response = await api.client.get(
        f"/exports/staff.xlsx?tenant={county.code}", headers={"Authorization": f"Bearer {api.token_for(county, 'VIEWER')}"}
    )
    sheet = load_workbook(io.BytesIO(response.content))["教职工名册"]
    exported = {r[1]: r for r in rows(sheet)}
    # Then names are masked, phones and birth dates left out, and the sheet says so
    assert exported["0042"][2] == "张**" and exported["0042"][5] is None and exported["0042"][6] is None
    assert exported["0042"][-1] == "是"
    # And importing that file back is refused cell by cell, writing nothing
    operations = {
        "query": "mutation ($t: String!, $f: Upload!) { dataImport(tenantCode: $t, file: $f) { created userErrors { code field } } }",
        "variables": {"t": county.code, "f": None},
    }
    upload = await api.client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": '{"0": ["variables.f"]}'},
        files={"0": ("staff.xlsx", response.content)},
        headers={"Authorization": f"Bearer {api.token_for(county)}", "GraphQL-Require-Preflight": "1"},
    )
    payload = upload.json()["data"]["dataImport"]
    assert {e["code"] for e in payload["userErrors"]} == {"MASKED_VALUE"} and payload["created"] == 0
