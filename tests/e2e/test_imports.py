"""dataImport over HTTP: the GraphQL multipart request spec, the CSRF preflight header, every bad
cell as a userError, a re-import that changes nothing, and the subtree as the limit."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy import func, select

from runxin.platform.audit.models import AuditEvent
from runxin.platform.staffing.models import Staff
from tests.factories.tree import make_tree
from tests.factories.workbooks import filled, teacher

IMPORT = """
mutation ($tenant: String!, $file: Upload!) {
  dataImport(tenantCode: $tenant, file: $file) { kind rows created updated unchanged userErrors { field code message } }
}
"""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def upload(api, tenant, content: bytes, *, code: str | None = None, preflight: bool = True, roles=("ADMIN",)):  # type: ignore[no-untyped-def]
    operations = {"query": IMPORT, "variables": {"tenant": code or tenant.code, "file": None}}
    headers = {"Authorization": f"Bearer {api.token_for(tenant, *roles)}"}
    if preflight:
        headers["GraphQL-Require-Preflight"] = "1"
    return await api.client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("名册.xlsx", content, XLSX)},
        headers=headers,
    )


async def staff_count(system_session) -> int:  # type: ignore[no-untyped-def]
    return (await system_session.execute(select(func.count()).select_from(Staff))).scalar_one()


async def test_upload_imports_reimport_changes_nothing_and_export_reads_back(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a school and a roster of three teachers with zero-led staff numbers
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    content = filled("staff", [teacher("001"), teacher("002"), teacher("003", kind="班主任")])
    # When the school uploads it
    response = await upload(api, school, content)
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["dataImport"]
    # Then three are created
    assert (payload["kind"], payload["rows"], payload["created"], payload["updated"], payload["unchanged"]) == (
        "staff",
        3,
        3,
        0,
        0,
    )
    assert payload["userErrors"] == []
    # And a second upload of the same file changes nothing
    again = (await upload(api, school, content)).json()["data"]["dataImport"]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    # And the export of the school's staff holds the three, staff numbers as text with their zeros
    response = await api.client.get(
        f"/exports/staff.xlsx?tenant={school.code}", headers={"Authorization": f"Bearer {api.token_for(school)}"}
    )
    sheet = load_workbook(io.BytesIO(response.content))["教职工名册"]
    assert sorted(row[1] for row in sheet.iter_rows(min_row=3, values_only=True)) == ["001", "002", "003"]
    # And the export imports back unchanged (it is the template's sheet and columns)
    back = (await upload(api, school, response.content)).json()["data"]["dataImport"]
    assert (back["created"], back["updated"], back["unchanged"], back["userErrors"]) == (0, 0, 3, [])
    # And the import is on the audit record with what it wrote
    events = (await system_session.execute(select(AuditEvent))).scalars().all()
    assert any("dataImport" in json.dumps(e.writes or []) for e in events)


async def test_a_bad_cell_is_a_user_error_naming_its_place_and_nothing_is_written(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    content = filled("staff", [teacher("001"), teacher("002", phone="12345")])
    payload = (await upload(api, school, content)).json()["data"]["dataImport"]
    (error,) = payload["userErrors"]
    assert error["field"] == ["file", "教职工名册", "4", "G"]
    assert error["code"] == "PHONE_FORMAT"
    assert "第4行G列" in error["message"] and "row 4, column G" in error["message"]
    assert payload["created"] == 0 and await staff_count(system_session) == 0


async def test_a_school_cannot_import_into_its_sibling(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    school, sibling = tree.all_schools()
    payload = (await upload(api, school, filled("staff", [teacher("001")]), code=sibling.code)).json()["data"]["dataImport"]
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    payload = (await upload(api, school, filled("staff", [teacher("001", unit_code=sibling.code)]))).json()["data"]["dataImport"]
    assert [e["code"] for e in payload["userErrors"]] == ["UNIT_OUTSIDE"]
    assert await staff_count(system_session) == 0


async def test_multipart_needs_the_preflight_header_and_write_access(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    content = filled("staff", [teacher("001")])
    response = await upload(api, school, content, preflight=False)
    assert response.status_code == 400 and response.json()["errors"][0]["extensions"]["code"] == "CSRF_PREFLIGHT_REQUIRED"
    response = await upload(api, school, content, roles=("VIEWER",))
    assert response.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert await staff_count(system_session) == 0


async def test_a_malformed_multipart_request_is_a_clear_400(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    headers = {"Authorization": f"Bearer {api.token_for(school)}", "GraphQL-Require-Preflight": "1"}
    operations = json.dumps({"query": IMPORT, "variables": {"tenant": school.code, "file": None}})
    # The map names a file part the request does not have
    response = await api.client.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"1": ("a.xlsx", b"x")},
        headers=headers,
    )
    assert response.status_code == 400 and "no such file" in response.json()["errors"][0]["message"]
    # The map points at a variable that does not exist
    response = await api.client.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.other"]})},
        files={"0": ("a.xlsx", b"x")},
        headers=headers,
    )
    assert response.status_code == 400 and "null variables" in response.json()["errors"][0]["message"]
    # A file that is no workbook is a user error naming the file
    payload = (await upload(api, school, b"not a workbook")).json()["data"]["dataImport"]
    assert [e["code"] for e in payload["userErrors"]] == ["FILE_UNREADABLE"]


async def test_a_file_written_into_the_document_is_refused_clearly(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a school; When its user writes a string where the file belongs (no multipart part)
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    body = await api.gql(
        'mutation ($t: String!) { dataImport(tenantCode: $t, file: "roster.xlsx") { created userErrors { field code message } } }',
        {"t": school.code},
        as_=school,
    )
    # Then the answer says to send the file as a multipart part, and nothing is written
    assert "errors" not in body, body
    [error] = body["data"]["dataImport"]["userErrors"]
    assert (error["field"], error["code"]) == (["file"], "FILE_REQUIRED") and "multipart" in error["message"]
    assert await staff_count(system_session) == 0
