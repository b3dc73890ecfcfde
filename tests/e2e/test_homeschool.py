"""Home visits and mentorship over HTTP: a school records and reads its own, the bureaus above are
refused (STUDENT_DATA_STAYS_AT_SCHOOL) and see the indicators instead, and every bad input is
refused with a code that says what to do and nothing written."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select

from runxin.graphql.ids import encode_id
from runxin.graphql.targets.loaders import current_school_year
from runxin.platform.homeschool.models import HomeVisit
from runxin.platform.mentorship.models import MentorAssignment, MentorTeam, MentorTeamMember
from runxin.platform.staffing.models import Staff
from runxin.platform.students.models import StudentFile
from tests.factories.tree import make_tree

TODAY = dt.date.today()
YEAR = current_school_year(TODAY)
VISIT_CREATE = """
mutation ($input: HomeVisitCreateInput!) {
  homeVisitCreate(input: $input) {
    homeVisit { id studentFileId staffId visitedOn mode schoolYear term countsAsHomeVisit tenant { code } }
    userErrors { field code message }
  }
}
"""
VISIT_UPDATE = """
mutation ($input: HomeVisitUpdateInput!) {
  homeVisitUpdate(input: $input) { homeVisit { id mode note } userErrors { field code message } }
}
"""
VISIT_DELETE = "mutation ($input: HomeVisitDeleteInput!) { homeVisitDelete(input: $input) { deletedId userErrors { code } } }"
ASSIGN = """
mutation ($input: MentorAssignmentCreateInput!) {
  mentorAssignmentCreate(input: $input) {
    mentorAssignment { id studentFileId mentorStaffId schoolYear mentorMentees overLimit }
    userErrors { field code message }
  }
}
"""
ASSIGN_UPDATE = """
mutation ($input: MentorAssignmentUpdateInput!) {
  mentorAssignmentUpdate(input: $input) { mentorAssignment { mentorStaffId mentorMentees } userErrors { field code } }
}
"""
ASSIGN_END = "mutation ($input: MentorAssignmentEndInput!) { mentorAssignmentEnd(input: $input) { deletedId userErrors { code } } }"
TEAM_CREATE = """
mutation ($input: MentorTeamCreateInput!) {
  mentorTeamCreate(input: $input) {
    mentorTeam { id studentFileId members { staffId role } }
    userErrors { field code message }
  }
}
"""
TEAM_UPDATE = """
mutation ($input: MentorTeamUpdateInput!) {
  mentorTeamUpdate(input: $input) { mentorTeam { members { staffId role } } userErrors { field code } }
}
"""
TEAM_DELETE = "mutation ($input: MentorTeamDeleteInput!) { mentorTeamDelete(input: $input) { deletedId userErrors { code } } }"
LISTS = """
query ($code: String!) {
  tenant(code: $code) {
    homeVisits(first: 50) { nodes { id mode } }
    mentorAssignments(first: 50) { nodes { id } }
    mentorTeams(first: 50) { nodes { id } }
  }
}
"""
INDICATORS = """
query ($code: String!, $year: Int) {
  tenant(code: $code) { indicators(codes: ["HOME_VISIT_COVERAGE", "STUDENTS_VISITED", "MENTOR_LOAD_WITHIN_LIMIT"], year: $year)
    { indicator state value numerator denominator } }
}
"""


def sid(row) -> str:  # type: ignore[no-untyped-def]
    return encode_id("StudentFile" if isinstance(row, StudentFile) else "Staff", row.id)


async def count(system_session, model) -> int:  # type: ignore[no-untyped-def]
    await system_session.commit()
    return (await system_session.execute(select(func.count()).select_from(model))).scalar_one()


async def school_with_people(system_session, students: int = 2):  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    school, other = tree.all_schools()
    files = [StudentFile(tenant_id=school.id, student_ref=f"S{n}", name=f"学生{n}", gender="FEMALE", grade=7) for n in range(students)]
    staff = {
        kind: Staff(tenant_id=school.id, kind=kind, name=f"{kind}-{uuid.uuid4().hex[:4]}")
        for kind in ("HOMEROOM", "TEACHER", "FULL_TIME", "HIRED_COUNSELLOR")
    }
    stranger = Staff(tenant_id=other.id, kind="TEACHER", name="elsewhere")
    system_session.add_all([*files, *staff.values(), stranger])
    await system_session.commit()
    return tree, school, files, staff, stranger


async def test_a_school_records_visits_and_only_it_reads_them(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a school with two students and a homeroom teacher
    tree, school, files, staff, _ = await school_with_people(system_session)
    county = tree.counties[0]
    # When the school records an in-person visit and a phone contact
    visit = {"studentFileId": sid(files[0]), "staffId": sid(staff["HOMEROOM"]), "visitedOn": TODAY.isoformat(), "mode": "IN_PERSON"}
    body = (await api.gql(VISIT_CREATE, {"input": visit}, as_=school))["data"]["homeVisitCreate"]
    assert body["userErrors"] == []
    created = body["homeVisit"]
    assert (created["studentFileId"], created["schoolYear"], created["countsAsHomeVisit"], created["tenant"]) == (
        sid(files[0]), YEAR, True, {"code": school.code}
    )
    call = (await api.gql(VISIT_CREATE, {"input": visit | {"mode": "PHONE"}}, as_=school))["data"]["homeVisitCreate"]["homeVisit"]
    assert call["countsAsHomeVisit"] is False
    # Then the school lists both
    own = (await api.gql(LISTS, {"code": school.code}, as_=school))["data"]["tenant"]
    assert {n["id"] for n in own["homeVisits"]["nodes"]} == {created["id"], call["id"]}
    # And its county is refused the school's list, and its own, with a reason; node(id:) answers null
    for code in (school.code, county.code):
        refused = await api.gql(LISTS, {"code": code}, as_=county)
        assert {e["extensions"]["code"] for e in refused["errors"]} == {"STUDENT_DATA_STAYS_AT_SCHOOL"}
        assert refused["data"]["tenant"] is None
    node = await api.gql("query ($id: ID!) { node(id: $id) { id } }", {"id": created["id"]}, as_=county)
    assert node["data"]["node"] is None
    # And the county reads the figures instead: one of the school's two students visited, a count
    # the county sees suppressed (1 is below the threshold) and the school itself sees whole
    figures = (await api.gql(INDICATORS, {"code": county.code, "year": YEAR}, as_=county))["data"]["tenant"]["indicators"]
    by_code = {f["indicator"]: f for f in figures}
    assert (by_code["STUDENTS_VISITED"]["state"], by_code["STUDENTS_VISITED"]["value"]) == ("SUPPRESSED", None)
    own_figures = (await api.gql(INDICATORS, {"code": school.code, "year": YEAR}, as_=school))["data"]["tenant"]["indicators"]
    assert {f["indicator"]: f["value"] for f in own_figures}["STUDENTS_VISITED"] == 1.0
    assert (by_code["HOME_VISIT_COVERAGE"]["numerator"], by_code["HOME_VISIT_COVERAGE"]["denominator"]) == (0.0, 1.0)
    # When the school corrects the call's note and deletes it
    changed = (await api.gql(VISIT_UPDATE, {"input": {"id": call["id"], "note": "家长在外地"}}, as_=school))["data"]["homeVisitUpdate"]
    assert changed["homeVisit"]["note"] == "家长在外地"
    deleted = (await api.gql(VISIT_DELETE, {"input": {"id": call["id"]}}, as_=school))["data"]["homeVisitDelete"]
    assert deleted == {"deletedId": call["id"], "userErrors": []}
    assert await count(system_session, HomeVisit) == 1


async def test_bad_visits_are_refused_and_nothing_is_written(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, school, files, staff, stranger = await school_with_people(system_session)
    files[1].active = False
    system_session.add(files[1])
    await system_session.commit()
    good = {"studentFileId": sid(files[0]), "staffId": sid(staff["HOMEROOM"]), "visitedOn": TODAY.isoformat(), "mode": "IN_PERSON"}
    cases = [
        (good | {"visitedOn": (TODAY + dt.timedelta(days=3)).isoformat()}, school, "DATE_IN_FUTURE"),
        (good | {"studentFileId": sid(files[1])}, school, "STUDENT_LEFT"),
        (good | {"staffId": sid(stranger)}, school, "NOT_FOUND"),  # another school's teacher is not found
        (good | {"note": "x" * 2001}, school, "TOO_LONG"),
        (good | {"studentFileId": encode_id("Staff", files[0].id)}, school, "ID_WRONG_TYPE"),
        (good, tree.counties[0], "NOT_FOUND"),  # the county does not find the school's student
    ]
    for values, who, code in cases:
        body = (await api.gql(VISIT_CREATE, {"input": values}, as_=who))["data"]["homeVisitCreate"]
        assert body["homeVisit"] is None and code in {e["code"] for e in body["userErrors"]}, (code, body)
        assert all(e["message"] for e in body["userErrors"])
    assert await count(system_session, HomeVisit) == 0


async def test_mentors_one_per_student_and_year_the_sixteenth_flagged(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a school with 17 students
    tree, school, files, staff, _ = await school_with_people(system_session, students=17)
    teacher = sid(staff["TEACHER"])
    # When one teacher is given 16 of them
    payloads = []
    for file in files[:16]:
        body = (await api.gql(ASSIGN, {"input": {"studentFileId": sid(file), "mentorStaffId": teacher, "schoolYear": YEAR}}, as_=school))
        payloads.append(body["data"]["mentorAssignmentCreate"])
    # Then all 16 are kept (every student has a mentor first), and the last is flagged over the limit
    assert all(p["userErrors"] == [] for p in payloads)
    assert (payloads[14]["mentorAssignment"]["overLimit"], payloads[15]["mentorAssignment"]["overLimit"]) == (False, True)
    assert payloads[15]["mentorAssignment"]["mentorMentees"] == 16
    # And the county's figure shows one mentor over the limit
    figures = (await api.gql(INDICATORS, {"code": tree.counties[0].code, "year": YEAR}, as_=tree.counties[0]))["data"]["tenant"]["indicators"]
    load = next(f for f in figures if f["indicator"] == "MENTOR_LOAD_WITHIN_LIMIT")
    assert (load["numerator"], load["denominator"]) == (0.0, 1.0)
    # When a second mentor is given for the same student and year, a counsellor is made mentor, or the year is far off
    refused = [
        ({"studentFileId": sid(files[0]), "mentorStaffId": sid(staff["HOMEROOM"]), "schoolYear": YEAR}, "MENTOR_ALREADY_ASSIGNED"),
        ({"studentFileId": sid(files[16]), "mentorStaffId": sid(staff["HIRED_COUNSELLOR"]), "schoolYear": YEAR}, "STAFF_KIND"),
        ({"studentFileId": sid(files[16]), "mentorStaffId": teacher, "schoolYear": YEAR + 5}, "TOO_LARGE"),
    ]
    for values, code in refused:
        body = (await api.gql(ASSIGN, {"input": values}, as_=school))["data"]["mentorAssignmentCreate"]
        assert body["mentorAssignment"] is None and [e["code"] for e in body["userErrors"]] == [code], body
    assert await count(system_session, MentorAssignment) == 16
    # When the load is spread: one assignment moves to the homeroom teacher, another ends
    first, second = payloads[0]["mentorAssignment"]["id"], payloads[1]["mentorAssignment"]["id"]
    moved = (await api.gql(ASSIGN_UPDATE, {"input": {"id": first, "mentorStaffId": sid(staff["HOMEROOM"])}}, as_=school))
    assert moved["data"]["mentorAssignmentUpdate"] == {"mentorAssignment": {"mentorStaffId": sid(staff["HOMEROOM"]), "mentorMentees": 1}, "userErrors": []}
    ended = (await api.gql(ASSIGN_END, {"input": {"id": second}}, as_=school))["data"]["mentorAssignmentEnd"]
    assert ended == {"deletedId": second, "userErrors": []}
    # Then the county is refused the list, and the school lists 15
    refused_list = await api.gql(LISTS, {"code": school.code}, as_=tree.counties[0])
    assert refused_list["errors"][0]["extensions"]["code"] == "STUDENT_DATA_STAYS_AT_SCHOOL"
    own = (await api.gql(LISTS, {"code": school.code}, as_=school))["data"]["tenant"]
    assert len(own["mentorAssignments"]["nodes"]) == 15


async def test_mentor_teams_follow_the_rule(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, school, files, staff, stranger = await school_with_people(system_session)
    student = sid(files[0])

    def member(kind: str, role: str) -> dict:
        return {"staffId": sid(staff[kind]), "role": role}

    refused = [
        ([member("HOMEROOM", "HOMEROOM_TEACHER")], "TEAM_TOO_SMALL"),
        ([member("TEACHER", "TEACHER_MOTHER"), member("HIRED_COUNSELLOR", "OTHER")], "TEAM_NEEDS_KEY_MEMBER"),
        ([member("TEACHER", "HOMEROOM_TEACHER"), member("HOMEROOM", "OTHER")], "STAFF_KIND"),
        ([member("HOMEROOM", "HOMEROOM_TEACHER"), member("HOMEROOM", "OTHER")], "DUPLICATE_MEMBER"),
        ([member("HOMEROOM", "HOMEROOM_TEACHER"), {"staffId": sid(stranger), "role": "OTHER"}], "NOT_FOUND"),
    ]
    for members, code in refused:
        body = (await api.gql(TEAM_CREATE, {"input": {"studentFileId": student, "members": members}}, as_=school))["data"]["mentorTeamCreate"]
        assert body["mentorTeam"] is None and code in {e["code"] for e in body["userErrors"]}, (code, body)
    assert (await count(system_session, MentorTeam), await count(system_session, MentorTeamMember)) == (0, 0)
    # When a homeroom teacher and a teacher mother form the team
    members = [member("HOMEROOM", "HOMEROOM_TEACHER"), member("TEACHER", "TEACHER_MOTHER")]
    body = (await api.gql(TEAM_CREATE, {"input": {"studentFileId": student, "members": members}}, as_=school))["data"]["mentorTeamCreate"]
    assert body["userErrors"] == [] and body["mentorTeam"]["members"] == members
    team = body["mentorTeam"]["id"]
    # Then a second team for the student is refused, and the members can be replaced
    again = (await api.gql(TEAM_CREATE, {"input": {"studentFileId": student, "members": members}}, as_=school))["data"]["mentorTeamCreate"]
    assert [e["code"] for e in again["userErrors"]] == ["TEAM_EXISTS"]
    replaced = [member("FULL_TIME", "MENTAL_HEALTH_TEACHER"), member("TEACHER", "TEACHER_MOTHER"), member("HOMEROOM", "HOMEROOM_TEACHER")]
    updated = (await api.gql(TEAM_UPDATE, {"input": {"id": team, "members": replaced}}, as_=school))["data"]["mentorTeamUpdate"]
    assert updated == {"mentorTeam": {"members": replaced}, "userErrors": []}
    shrunk = (await api.gql(TEAM_UPDATE, {"input": {"id": team, "members": replaced[:1]}}, as_=school))["data"]["mentorTeamUpdate"]
    assert [e["code"] for e in shrunk["userErrors"]] == ["TEAM_TOO_SMALL"]
    assert await count(system_session, MentorTeamMember) == 3
    # And the county cannot dissolve it; the school can
    foreign = (await api.gql(TEAM_DELETE, {"input": {"id": team}}, as_=tree.counties[0]))["data"]["mentorTeamDelete"]
    assert foreign["deletedId"] is None and foreign["userErrors"][0]["code"] == "NOT_FOUND"
    own = (await api.gql(TEAM_DELETE, {"input": {"id": team}}, as_=school))["data"]["mentorTeamDelete"]
    assert own == {"deletedId": team, "userErrors": []}
    assert (await count(system_session, MentorTeam), await count(system_session, MentorTeamMember)) == (0, 0)
