"""Student files, screening, follow-ups, referrals and crisis plans over HTTP: the school writes and
reads them, bad input is refused with nothing written, and every other tenant (the county above,
an API client of another tenant) is refused student-level data while still seeing the round."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from runxin.graphql.ids import encode_id
from runxin.platform.audit.models import AuditEvent
from runxin.platform.staffing.models import Staff
from runxin.platform.students.care import Referral, ScreeningResult
from runxin.platform.students.models import StudentFile
from tests.factories.tree import make_tree

FILE = "id studentRef name gender birthDate grade className fourSpecial concernLevel active"
CREATE = f"""
mutation ($input: StudentFileCreateInput!) {{
  studentFileCreate(input: $input) {{ studentFile {{ {FILE} }} userErrors {{ field code message }} }}
}}"""
UPDATE = f"""
mutation ($input: StudentFileUpdateInput!) {{
  studentFileUpdate(input: $input) {{ studentFile {{ {FILE} }} userErrors {{ field code message }} }}
}}"""
FILES = f"query ($c: String!) {{ tenant(code: $c) {{ studentFiles(first: 50) {{ nodes {{ {FILE} }} }} }} }}"
NODE = "query ($i: ID!) { node(id: $i) { id ... on StudentFile { name } } }"
ROUND = """
mutation ($input: ScreeningRoundCreateInput!) {
  screeningRoundCreate(input: $input) { screeningRound { id schoolYear heldOn } userErrors { field code message } }
}"""
RESULT = """
mutation ($input: ScreeningResultRecordInput!) {
  screeningResultRecord(input: $input) { screeningResult { level student { concernLevel } } userErrors { field code message } }
}"""
ROUNDS = """
query ($c: String!, $s: RecordScope) { tenant(code: $c) { screeningRounds(first: 10, scope: $s) { nodes { id title } } } }"""
GRID = """
query ($c: String!) { tenant(code: $c) { screeningRounds(first: 10) { nodes { studentsScreened counts { grade level students } } } } }"""
FOLLOW = """
mutation ($input: ConcernFollowUpCreateInput!) {
  concernFollowUpCreate(input: $input) { followUp { id open staff { name } } userErrors { field code message } }
}"""
REFER = """
mutation ($input: ReferralCreateInput!) {
  referralCreate(input: $input) { referral { id state } userErrors { field code message } }
}"""
REFERRAL_UPDATE = """
mutation ($input: ReferralUpdateInput!) {
  referralUpdate(input: $input) { referral { state certificateReceivedOn } userErrors { field code message } }
}"""
INDICATORS = """
query ($c: String!, $codes: [String!]) { tenant(code: $c) { indicators(codes: $codes, year: 2025) { indicator value state } } }"""


def file_input(school, ref: str, **change) -> dict:  # type: ignore[no-untyped-def]
    return {
        "tenantId": encode_id("Tenant", school.id),
        "studentRef": ref,
        "name": "李小明",
        "gender": "MALE",
        "grade": 8,
        "className": "八(3)班",
        "birthDate": "2012-05-01",
        **change,
    }


async def open_file(api, school, ref: str, **change) -> dict:  # type: ignore[no-untyped-def]
    body = await api.gql(CREATE, {"input": file_input(school, ref, **change)}, as_=school)
    assert body["data"]["studentFileCreate"]["userErrors"] == []
    return body["data"]["studentFileCreate"]["studentFile"]


def errors_of(body: dict, field: str) -> list[tuple[str, str]]:
    return [(e["field"][-1] if e["field"] else None, e["code"]) for e in body["data"][field]["userErrors"]]


async def test_the_school_keeps_its_files_and_the_read_is_audited(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    # When the school opens a file (four special categories given in any case and order)
    created = await open_file(api, school, "S-001", fourSpecial=["PSYCHOLOGICAL", "FAMILY"])
    # Then it lists it, and the read is recorded as a personal-data read of that file
    listed = await api.gql(FILES, {"c": school.code}, as_=school)
    assert listed["data"]["tenant"]["studentFiles"]["nodes"] == [created]
    assert created["fourSpecial"] == ["PSYCHOLOGICAL", "FAMILY"] and created["concernLevel"] == "NONE"
    event = (await system_session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))).scalar_one()
    assert event.personal_reads == 1 and event.personal_fields_read[0]["type"] == "StudentFile"
    assert "name" in event.personal_fields_read[0]["fields"]


async def test_bad_files_are_refused_with_nothing_written(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    await open_file(api, school, "S-001")
    bad = await api.gql(CREATE, {"input": file_input(school, "S 002", grade=13, gender="UNDISCLOSED")}, as_=school)
    assert sorted(errors_of(bad, "studentFileCreate")) == [
        ("gender", "NOT_ALLOWED"),
        ("grade", "GRADE_OUT_OF_RANGE"),
        ("studentRef", "STUDENT_REF_FORMAT"),
    ]
    taken = await api.gql(CREATE, {"input": file_input(school, "S-001")}, as_=school)
    assert errors_of(taken, "studentFileCreate") == [("studentRef", "STUDENT_REF_TAKEN")]
    assert (await system_session.execute(select(func.count()).select_from(StudentFile))).scalar_one() == 1


async def test_a_bureau_and_another_tenants_client_are_refused(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    school, sibling = tree.all_schools()
    county = tree.counties[0]
    created = await open_file(api, school, "S-001")
    # When the county asks for the school's files, by list and by id
    listed = (await api.post(FILES, {"c": school.code}, as_=county)).json()
    by_id = await api.gql(NODE, {"i": created["id"]}, as_=county)
    # Then the list is refused, saying why, and the id answers null
    assert listed["errors"][0]["extensions"]["code"] == "STUDENT_DATA_STAYS_AT_SCHOOL"
    assert listed["data"] is None or listed["data"]["tenant"] is None
    assert by_id["data"]["node"] is None
    # And neither the county nor the sibling school may write a file for the school
    for writer in (county, sibling):
        body = await api.gql(CREATE, {"input": file_input(school, "S-009")}, as_=writer)
        assert errors_of(body, "studentFileCreate")[0][1] in ("STUDENT_DATA_STAYS_AT_SCHOOL", "NOT_FOUND")

    # And an API client of the county with every student scope is refused too; the school's own client is not
    def client(tenant, *scopes):  # type: ignore[no-untyped-def]
        return api.tokens.issue(subject="rx_c", tenant_id=tenant.id, roles=[], scopes=list(scopes), client_id="rx_c")

    county_client = client(county, "tenants:read", "students:read", "students:write")
    refused = (await api.post(FILES, {"c": school.code}, token=county_client)).json()
    assert refused["errors"][0]["extensions"]["code"] == "STUDENT_DATA_STAYS_AT_SCHOOL"
    assert (await api.gql(NODE, {"i": created["id"]}, token=county_client))["data"]["node"] is None
    unscoped = (await api.post(FILES, {"c": school.code}, token=client(school, "tenants:read", "staff:read"))).json()
    assert "students:read" in unscoped["errors"][0]["message"]
    own = await api.gql(FILES, {"c": school.code}, token=client(school, "tenants:read", "students:read"))
    assert [n["studentRef"] for n in own["data"]["tenant"]["studentFiles"]["nodes"]] == ["S-001"]
    # And the school's own VIEWER (institutional data only) reads no child's file
    viewer = (await api.post(FILES, {"c": school.code}, as_=school, roles=("VIEWER",))).json()
    assert viewer["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert (await api.gql(NODE, {"i": created["id"]}, as_=school, roles=("VIEWER",)))["data"]["node"] is None
    updated = await api.gql(UPDATE, {"input": {"id": created["id"], "grade": 9}}, as_=county)
    assert errors_of(updated, "studentFileUpdate") == [("id", "NOT_FOUND")]


async def test_screening_sets_concern_and_the_grid_stays_at_school(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school, county = tree.all_schools()[0], tree.counties[0]
    students = [await open_file(api, school, f"S-{n}", grade=7 + n % 2) for n in range(3)]
    early = await api.gql(
        ROUND, {"input": {"tenantId": encode_id("Tenant", school.id), "heldOn": "2025-10-10", "title": "秋季筛查"}}, as_=school
    )
    round_id = early["data"]["screeningRoundCreate"]["screeningRound"]["id"]
    assert early["data"]["screeningRoundCreate"]["screeningRound"]["schoolYear"] == 2025
    mismatch = await api.gql(
        ROUND,
        {"input": {"tenantId": encode_id("Tenant", school.id), "heldOn": "2025-10-10", "schoolYear": 2024, "title": "x"}},
        as_=school,
    )
    assert errors_of(mismatch, "screeningRoundCreate") == [("schoolYear", "ROUND_YEAR_MISMATCH")]
    levels = ["SEVERE", "MILD", "NONE"]
    for student, level in zip(students, levels, strict=True):
        body = await api.gql(RESULT, {"input": {"roundId": round_id, "studentId": student["id"], "level": level}}, as_=school)
        assert body["data"]["screeningResultRecord"]["screeningResult"]["student"]["concernLevel"] == level
    # The school sees its grid; the county sees the round but not the grid
    grid = (await api.gql(GRID, {"c": school.code}, as_=school))["data"]["tenant"]["screeningRounds"]["nodes"][0]
    assert grid["studentsScreened"] == 3
    # (grade 7 SEVERE, grade 8 MILD, grade 7 NONE)
    assert sorted((c["grade"], c["level"], c["students"]) for c in grid["counts"]) == [
        (7, "NONE", 1),
        (7, "SEVERE", 1),
        (8, "MILD", 1),
    ]
    rounds = await api.gql(ROUNDS, {"c": county.code, "s": "SUBTREE"}, as_=county)
    assert [n["title"] for n in rounds["data"]["tenant"]["screeningRounds"]["nodes"]] == ["秋季筛查"]
    withheld = (await api.gql(GRID, {"c": school.code}, as_=county))["data"]["tenant"]["screeningRounds"]["nodes"]
    assert withheld == [{"studentsScreened": None, "counts": None}]
    # And the school's own indicators count its students (the county's are another engineer's suppression)
    values = await api.gql(
        INDICATORS,
        {"c": school.code, "codes": ["STUDENTS_SCREENED", "CONCERN_SEVERE", "SCREENING_DONE", "CONCERN_FOLLOWED"]},
        as_=school,
    )
    got = {v["indicator"]: v["value"] for v in values["data"]["tenant"]["indicators"]}
    assert got["STUDENTS_SCREENED"] == 3 and got["CONCERN_SEVERE"] == 1
    # No profile: the school-unit ratios are not reported rather than guessed
    assert got["SCREENING_DONE"] is None and got["CONCERN_FOLLOWED"] is None
    assert (await system_session.execute(select(func.count()).select_from(ScreeningResult))).scalar_one() == 3


async def test_a_teacher_follows_at_most_two_and_a_return_needs_a_certificate(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    teacher = Staff(tenant_id=school.id, kind="HOMEROOM", name="王老师")
    counsellor = Staff(tenant_id=school.id, kind="HIRED_COUNSELLOR", name="赵咨询师")
    system_session.add_all([teacher, counsellor])
    await system_session.commit()
    students = [await open_file(api, school, f"S-{n}", concernLevel="MODERATE") for n in range(3)]
    calm = await open_file(api, school, "S-calm")

    async def follow(student, staff) -> dict:  # type: ignore[no-untyped-def]
        variables = {"input": {"studentId": student["id"], "staffId": encode_id("Staff", staff.id), "startedOn": "2025-10-01"}}
        return await api.gql(FOLLOW, variables, as_=school)

    for student in students[:2]:
        assert errors_of(await follow(student, teacher), "concernFollowUpCreate") == []
    third = await follow(students[2], teacher)
    assert errors_of(third, "concernFollowUpCreate") == [("staffId", "FOLLOWER_LIMIT")]
    assert "end one of their follow-ups" in third["data"]["concernFollowUpCreate"]["userErrors"][0]["message"]
    assert errors_of(await follow(students[2], counsellor), "concernFollowUpCreate") == [("staffId", "NOT_A_TEACHER")]
    assert errors_of(await follow(calm, teacher), "concernFollowUpCreate")[0][1] in ("NOT_OF_CONCERN", "FOLLOWER_LIMIT")

    referral = await api.gql(
        REFER, {"input": {"studentId": students[0]["id"], "hospital": "市第三人民医院", "referredOn": "2025-10-08"}}, as_=school
    )
    referral_id = referral["data"]["referralCreate"]["referral"]["id"]
    again = await api.gql(
        REFER, {"input": {"studentId": students[0]["id"], "hospital": "x", "referredOn": "2025-10-09"}}, as_=school
    )
    assert errors_of(again, "referralCreate") == [("studentId", "REFERRAL_OPEN")]

    async def move(**change) -> dict:  # type: ignore[no-untyped-def]
        return await api.gql(REFERRAL_UPDATE, {"input": {"id": referral_id, **change}}, as_=school)

    assert errors_of(await move(state="RETURNED", certificateReceivedOn="2025-11-01"), "referralUpdate") == [
        ("state", "TRANSITION_NOT_ALLOWED")
    ]
    assert errors_of(await move(state="IN_TREATMENT"), "referralUpdate") == []
    no_certificate = await move(state="RETURNED")
    assert errors_of(no_certificate, "referralUpdate") == [("certificateReceivedOn", "CERTIFICATE_REQUIRED")]
    assert "certificateReceivedOn" in no_certificate["data"]["referralUpdate"]["userErrors"][0]["message"]
    assert (await system_session.execute(select(Referral.state))).scalar_one() == "IN_TREATMENT"
    returned = await move(state="RETURNED", certificateReceivedOn="2025-11-20")
    assert returned["data"]["referralUpdate"]["referral"] == {"state": "RETURNED", "certificateReceivedOn": "2025-11-20"}
    assert errors_of(await move(state="CLOSED"), "referralUpdate") == [("state", "TRANSITION_NOT_ALLOWED")]
    assert dt.date.today() >= dt.date(2025, 11, 20)
