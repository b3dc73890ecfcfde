"""Training over HTTP: programmes, sessions and attendance recorded and read, credit summaries
worked out by hand, statements per batch, and every bad input refused with nothing written."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from runxin.graphql.ids import encode_id
from runxin.platform.staffing.models import Staff
from runxin.platform.training.models import TrainingAttendance, TrainingProgramme, TrainingSession
from tests.e2e.counting import StatementCounter, warm_up
from tests.factories.tree import make_tree

FUTURE = dt.date.today() + dt.timedelta(days=30)
PROGRAMME_CREATE = """
mutation ($input: TrainingProgrammeCreateInput!) {
  trainingProgrammeCreate(input: $input) {
    trainingProgramme { id name level audience year tenant { code } }
    userErrors { field code message }
  }
}
"""
PROGRAMME_UPDATE = """
mutation ($input: TrainingProgrammeUpdateInput!) {
  trainingProgrammeUpdate(input: $input) { trainingProgramme { id name level year } userErrors { field code message } }
}
"""
SESSION_CREATE = """
mutation ($input: TrainingSessionCreateInput!) {
  trainingSessionCreate(input: $input) {
    trainingSession { id title startsOn endsOn hours credits programme { name } tenant { code } }
    userErrors { field code message }
  }
}
"""
SESSION_UPDATE = """
mutation ($input: TrainingSessionUpdateInput!) {
  trainingSessionUpdate(input: $input) { trainingSession { id title credits endsOn } userErrors { field code message } }
}
"""
REGISTER = """
mutation ($input: TrainingAttendanceRegisterInput!) {
  trainingAttendanceRegister(input: $input) {
    trainingAttendance { id staffId completed creditsAwarded session { title } tenant { code } }
    userErrors { field code message }
  }
}
"""
READ = """
query ($code: String!, $scope: RecordScope) {
  tenant(code: $code) {
    trainingProgrammes(first: 10, scope: $scope) {
      nodes {
        name tenant { code }
        sessions(first: 10) { nodes { title credits attendances(first: 10) { nodes { staffId creditsAwarded tenant { code } } } } }
      }
    }
    trainingSessions(first: 10, scope: $scope) { nodes { title programme { name } } }
  }
}
"""
SUMMARY = "creditSummary(year: $year) { year teachers creditsTotal creditsPerTeacher teachersTrained }"


def tid(tenant) -> str:  # type: ignore[no-untyped-def]
    return encode_id("Tenant", tenant.id)


async def rows(system_session, model) -> int:  # type: ignore[no-untyped-def]
    await system_session.commit()  # a fresh snapshot for the count
    return (await system_session.execute(select(func.count()).select_from(model))).scalar_one()


async def add_staff(system_session, tenant, kind: str = "FULL_TIME", *, active: bool = True) -> Staff:  # type: ignore[no-untyped-def]
    staff = Staff(tenant_id=tenant.id, kind=kind, name=f"{kind.lower()}-{uuid.uuid4().hex[:4]}", active=active)
    system_session.add(staff)
    await system_session.commit()
    return staff


async def programme(api, owner, **fields) -> dict:  # type: ignore[no-untyped-def]
    values = {"tenantId": tid(owner), "name": "县级心理健康教师培训", "level": "COUNTY", "year": 2025} | fields
    body = await api.gql(PROGRAMME_CREATE, {"input": values}, as_=owner)
    assert body["data"]["trainingProgrammeCreate"]["userErrors"] == [], body
    return body["data"]["trainingProgrammeCreate"]["trainingProgramme"]


async def session_of(api, owner, programme_id: str, **fields) -> dict:  # type: ignore[no-untyped-def]
    values = {"programmeId": programme_id, "title": "危机干预", "startsOn": "2025-03-01", "endsOn": "2025-03-02", "hours": 12, "credits": 2} | fields
    body = await api.gql(SESSION_CREATE, {"input": values}, as_=owner)
    assert body["data"]["trainingSessionCreate"]["userErrors"] == [], body
    return body["data"]["trainingSessionCreate"]["trainingSession"]


async def register(api, who, session_id: str, staff: Staff, credits: float, completed: bool = True) -> dict:  # type: ignore[no-untyped-def]
    values = {"sessionId": session_id, "staffId": encode_id("Staff", staff.id), "completed": completed, "creditsAwarded": credits}
    return (await api.gql(REGISTER, {"input": values}, as_=who))["data"]["trainingAttendanceRegister"]


async def test_a_county_records_training_and_each_level_reads_it(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a county with a school that has a full-time teacher
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    teacher = await add_staff(system_session, school)
    # When the county records its programme, a session and the teacher's attendance
    created = await programme(api, county, audience="MENTAL_HEALTH_TEACHERS")
    assert (created["level"], created["audience"], created["year"], created["tenant"]) == ("COUNTY", "MENTAL_HEALTH_TEACHERS", 2025, {"code": county.code})
    session = await session_of(api, county, created["id"])
    assert (session["hours"], session["credits"], session["programme"], session["tenant"]) == (12.0, 2.0, {"name": created["name"]}, {"code": county.code})
    payload = await register(api, county, session["id"], teacher, 1.5)
    # Then the attendance belongs to the teacher's school and names the teacher by a Staff id
    assert payload["userErrors"] == []
    attendance = payload["trainingAttendance"]
    assert attendance | {"id": None} == {
        "id": None, "staffId": encode_id("Staff", teacher.id), "completed": True, "creditsAwarded": 1.5,
        "session": {"title": "危机干预"}, "tenant": {"code": school.code},
    }
    # When the registration is sent again with other credits, it replaces the first
    again = await register(api, county, session["id"], teacher, 2)
    assert again["trainingAttendance"]["id"] == attendance["id"] and again["trainingAttendance"]["creditsAwarded"] == 2.0
    assert await rows(system_session, TrainingAttendance) == 1
    # And the county reads programme, sessions and attendance as one tree
    body = await api.gql(READ, {"code": county.code, "scope": "OWN"}, as_=county)
    programmes = body["data"]["tenant"]["trainingProgrammes"]["nodes"]
    assert programmes == [
        {
            "name": "县级心理健康教师培训",
            "tenant": {"code": county.code},
            "sessions": {"nodes": [{"title": "危机干预", "credits": 2.0, "attendances": {"nodes": [
                {"staffId": encode_id("Staff", teacher.id), "creditsAwarded": 2.0, "tenant": {"code": school.code}}
            ]}}]},
        }
    ]
    assert body["data"]["tenant"]["trainingSessions"]["nodes"] == [{"title": "危机干预", "programme": {"name": "县级心理健康教师培训"}}]
    # And the city sees it in its subtree, not among its own; the other county sees nothing
    city_own = await api.gql(READ, {"code": tree.city.code, "scope": "OWN"}, as_=tree.city)
    city_all = await api.gql(READ, {"code": tree.city.code, "scope": "SUBTREE"}, as_=tree.city)
    other = await api.gql(READ, {"code": tree.counties[1].code, "scope": "SUBTREE"}, as_=tree.counties[1])
    assert city_own["data"]["tenant"]["trainingProgrammes"]["nodes"] == []
    assert [p["name"] for p in city_all["data"]["tenant"]["trainingProgrammes"]["nodes"]] == ["县级心理健康教师培训"]
    assert other["data"]["tenant"]["trainingProgrammes"]["nodes"] == other["data"]["tenant"]["trainingSessions"]["nodes"] == []
    # And the school reads its teacher's attendance by id, but not the county's session
    node = await api.gql(
        "query ($id: ID!) { node(id: $id) { ... on TrainingAttendance { creditsAwarded session { title } } } }",
        {"id": attendance["id"]},
        as_=school,
    )
    assert node["data"]["node"] == {"creditsAwarded": 2.0, "session": None}


async def test_updates_change_only_the_fields_given(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    county = tree.counties[0]
    created = await programme(api, county)
    body = await api.gql(PROGRAMME_UPDATE, {"input": {"id": created["id"], "name": "2025 年度培训"}}, as_=county)
    assert body["data"]["trainingProgrammeUpdate"]["trainingProgramme"] == {"id": created["id"], "name": "2025 年度培训", "level": "COUNTY", "year": 2025}
    session = await session_of(api, county, created["id"])
    body = await api.gql(SESSION_UPDATE, {"input": {"id": session["id"], "credits": 3}}, as_=county)
    assert body["data"]["trainingSessionUpdate"]["trainingSession"] == {"id": session["id"], "title": "危机干预", "credits": 3.0, "endsOn": "2025-03-02"}
    # A bad change is refused and keeps the record as it was
    body = await api.gql(SESSION_UPDATE, {"input": {"id": session["id"], "endsOn": "2025-02-01", "title": "改"}}, as_=county)
    errors = body["data"]["trainingSessionUpdate"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["input", "endsOn"], "DATE_ORDER")]
    await system_session.commit()
    stored = (await system_session.execute(select(TrainingSession.title, TrainingSession.ends_on))).one()
    assert tuple(stored) == ("危机干预", dt.date(2025, 3, 2))


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"name": ""}, "name", "REQUIRED"),
        ({"name": "培" * 201}, "name", "TOO_LONG"),
        ({"level": "SCHOOL"}, "level", "LEVEL_BELOW_OWNER"),
        ({"level": None}, "level", "REQUIRED"),
        ({"year": 1999}, "year", "TOO_SMALL"),
        ({"year": 2999}, "year", "TOO_LARGE"),
        ({"tenantId": "x"}, "tenantId", "ID_MALFORMED"),
        ({"tenantId": "OTHER"}, "tenantId", "NOT_FOUND"),
    ],
)
async def test_bad_programme_is_refused_and_nothing_written(api, system_session, change, field, code) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=0)
    county, other = tree.counties
    change = {k: tid(other) if v == "OTHER" else v for k, v in change.items()}
    values = {"tenantId": tid(county), "name": "培训", "level": "COUNTY", "year": 2025} | change
    body = await api.gql(PROGRAMME_CREATE, {"input": values}, as_=county)
    payload = body["data"]["trainingProgrammeCreate"]
    assert payload["trainingProgramme"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], code)]
    assert payload["userErrors"][0]["message"]
    assert await rows(system_session, TrainingProgramme) == 0


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"title": ""}, "title", "REQUIRED"),
        ({"endsOn": "2025-02-28"}, "endsOn", "DATE_ORDER"),
        ({"hours": 0}, "hours", "TOO_SMALL"),
        ({"hours": -2}, "hours", "NEGATIVE"),
        ({"hours": 201}, "hours", "TOO_LARGE"),
        ({"credits": 51}, "credits", "TOO_LARGE"),
        ({"credits": None}, "credits", "REQUIRED"),
        ({"programmeId": "OTHER"}, "programmeId", "NOT_FOUND"),
        ({"programmeId": "TENANT"}, "programmeId", "ID_WRONG_TYPE"),
    ],
)
async def test_bad_session_is_refused_and_nothing_written(api, system_session, change, field, code) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=2, schools_per_county=0)
    county, other = tree.counties
    own = await programme(api, county)
    foreign = await programme(api, other)
    stand_ins = {"OTHER": foreign["id"], "TENANT": tid(county)}
    change = {k: stand_ins.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    values = {"programmeId": own["id"], "title": "危机干预", "startsOn": "2025-03-01", "endsOn": "2025-03-02", "hours": 12, "credits": 2} | change
    body = await api.gql(SESSION_CREATE, {"input": values}, as_=county)
    payload = body["data"]["trainingSessionCreate"]
    assert payload["trainingSession"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], code)]
    assert await rows(system_session, TrainingSession) == 0


@pytest.mark.parametrize(
    ("case", "field", "code"),
    [
        ("credits above the session", "creditsAwarded", "CREDITS_EXCEED_SESSION"),
        ("credits without completion", "creditsAwarded", "CREDITS_WITHOUT_COMPLETION"),
        ("negative credits", "creditsAwarded", "NEGATIVE"),
        ("session not ended", "completed", "SESSION_NOT_ENDED"),
        ("teacher of another county", "staffId", "ATTENDEE_OUTSIDE_PROGRAMME"),
        ("teacher out of sight", "staffId", "NOT_FOUND"),
        ("a tenant id for the teacher", "staffId", "ID_WRONG_TYPE"),
        ("session out of sight", "sessionId", "NOT_FOUND"),
    ],
)
async def test_bad_attendance_is_refused_and_nothing_written(api, system_session, case, field, code) -> None:  # type: ignore[no-untyped-def]
    # Given a county's session worth 2 credits, a future one, and teachers here and in the other county
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    county, other = tree.counties
    teacher = await add_staff(system_session, tree.schools[county.code][0])
    stranger = await add_staff(system_session, tree.schools[other.code][0])
    own = await programme(api, county)
    past = await session_of(api, county, own["id"])
    future = await session_of(api, county, own["id"], startsOn=FUTURE.isoformat(), endsOn=FUTURE.isoformat())
    elsewhere = await session_of(api, other, (await programme(api, other))["id"])
    values = {"sessionId": past["id"], "staffId": encode_id("Staff", teacher.id), "completed": True, "creditsAwarded": 2}
    who = county
    if case == "credits above the session":
        values["creditsAwarded"] = 2.5
    elif case == "credits without completion":
        values |= {"completed": False, "creditsAwarded": 1}
    elif case == "negative credits":
        values["creditsAwarded"] = -1
    elif case == "session not ended":
        values["sessionId"] = future["id"]
    elif case == "teacher of another county":
        values["staffId"], who = encode_id("Staff", stranger.id), tree.city  # the city sees both, the programme is A's
    elif case == "teacher out of sight":
        values["staffId"] = encode_id("Staff", stranger.id)
    elif case == "a tenant id for the teacher":
        values["staffId"] = tid(county)
    elif case == "session out of sight":
        values["sessionId"] = elsewhere["id"]
    body = await api.gql(REGISTER, {"input": values}, as_=who)
    payload = body["data"]["trainingAttendanceRegister"]
    assert payload["trainingAttendance"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], code)]
    assert await rows(system_session, TrainingAttendance) == 0


# --- credits -----------------------------------------------------------------------------------


async def credit_world(api, system_session):  # type: ignore[no-untyped-def]
    """County A: school S1 with teachers T1 (full-time), T2 (part-time), a homeroom teacher and an
    inactive full-time teacher (neither counted); school S2 with T3. County B: S3 with T4; S4 with
    nobody. County A runs sessions in 2025 worth 2 (March) and 3 (October), and one in 2024 worth 4."""
    tree = await make_tree(system_session, counties=2, schools_per_county=2)
    a, b = tree.counties
    s1, s2 = tree.schools[a.code]
    s3, s4 = tree.schools[b.code]
    t1, t2, t3, t4 = (
        await add_staff(system_session, s1),
        await add_staff(system_session, s1, "PART_TIME"),
        await add_staff(system_session, s2),
        await add_staff(system_session, s3, "PART_TIME"),
    )
    homeroom = await add_staff(system_session, s1, "HOMEROOM")
    retired = await add_staff(system_session, s1, active=False)
    p2025 = await programme(api, a)
    p2024 = await programme(api, a, year=2024)
    march = await session_of(api, a, p2025["id"])
    october = await session_of(api, a, p2025["id"], startsOn="2025-10-10", endsOn="2025-10-11", credits=3)
    may_2024 = await session_of(api, a, p2024["id"], startsOn="2024-05-01", endsOn="2024-05-01", credits=4)
    # T1 completes both 2025 sessions (2 + 3); T2 attends March without completing; T3 completes
    # the 2024 session (4); the homeroom and the inactive teacher earn credits that do not count
    for session, staff, credits, completed in [
        (march, t1, 2, True), (october, t1, 3, True), (march, t2, 0, False), (may_2024, t3, 4, True),
        (march, homeroom, 2, True), (march, retired, 2, True),
    ]:
        assert (await register(api, a, session["id"], staff, credits, completed))["userErrors"] == []
    return tree, (s1, s2, s3, s4), t4


def summary(teachers: int, total: float, per: float | None, trained: int, year: int = 2025) -> dict:
    return {"year": year, "teachers": teachers, "creditsTotal": total, "creditsPerTeacher": per, "teachersTrained": trained}


async def test_credit_summaries_worked_out_by_hand(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, (s1, s2, s3, s4), _ = await credit_world(api, system_session)
    a, b = tree.counties
    query = f"query ($code: String!, $year: Int!) {{ tenant(code: $code) {{ {SUMMARY} }} }}"

    async def of(tenant, year=2025, as_=None):  # type: ignore[no-untyped-def]
        body = await api.gql(query, {"code": tenant.code, "year": year}, as_=as_ or tree.city)
        assert "errors" not in body, body
        return body["data"]["tenant"]["creditSummary"]

    # 2025: T1 earned 2 + 3; T2 none (not completed); T3's credits are 2024's; T4 none
    assert await of(s1) == summary(2, 5.0, 2.5, 1)
    assert await of(s2) == summary(1, 0.0, 0.0, 0)
    assert await of(a) == summary(3, 5.0, 5 / 3, 1)
    assert await of(b) == summary(1, 0.0, 0.0, 0)
    assert await of(tree.city) == summary(4, 5.0, 1.25, 1)
    # a school without teachers has no credits per teacher
    assert await of(s4) == summary(0, 0.0, None, 0)
    # 2024: only T3's 4 credits
    assert await of(a, 2024) == summary(3, 4.0, 4 / 3, 1, 2024)
    # the county reads the same figures for its own subtree
    assert await of(a, as_=a) == summary(3, 5.0, 5 / 3, 1)
    # a bad year is refused
    response = await api.post(query, {"code": a.code, "year": 1900}, as_=a)
    assert response.json()["errors"][0]["extensions"]["code"] == "YEAR_OUT_OF_RANGE"


async def test_credit_summaries_of_mixed_depths_take_one_statement_per_depth(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given the city's counties (depth 1) and schools (depth 2) in one list
    tree, (s1, *_), _ = await credit_world(api, system_session)
    query = f"query ($year: Int!) {{ tenants(first: 100) {{ nodes {{ code {SUMMARY} }} }} }}"
    await warm_up(api, tree.city)
    # When the city asks for every tenant's credit summary
    with StatementCounter(api) as counter:
        body = await api.gql(query, {"year": 2025}, as_=tree.city)
    nodes = {n["code"]: n["creditSummary"] for n in body["data"]["tenants"]["nodes"]}
    # Then the figures match the single-tenant ones, from one statement for the list, the check for
    # pending rollups (nothing settles here: no worker runs) and one computation per depth
    assert len(nodes) == 6
    assert nodes[s1.code] == summary(2, 5.0, 2.5, 1)
    assert nodes[tree.counties[0].code] == summary(3, 5.0, 5 / 3, 1)
    assert counter.count == 4, counter.statements


async def test_viewer_cannot_write(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=0)
    county = tree.counties[0]
    values = {"tenantId": tid(county), "name": "培训", "level": "COUNTY", "year": 2025}
    response = await api.post(PROGRAMME_CREATE, {"input": values}, as_=county, roles=("VIEWER",))
    assert response.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert await rows(system_session, TrainingProgramme) == 0


async def test_a_school_reads_its_teachers_credits_from_county_sessions(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree, (s1, *_), _ = await credit_world(api, system_session)
    query = f"query ($code: String!, $year: Int!) {{ tenant(code: $code) {{ {SUMMARY} }} }}"
    body = await api.gql(query, {"code": s1.code, "year": 2025}, as_=s1)
    assert body["data"]["tenant"]["creditSummary"] == summary(2, 5.0, 2.5, 1)


AUDIENCE_READ = """
query ($code: String!) {
  tenant(code: $code) {
    indicators(year: 2025, codes: ["HOMEROOM_TRAINING_COVERAGE", "PRINCIPAL_TRAINING_COVERAGE", "ALL_TEACHER_TRAINING_COVERAGE",
                                   "ALL_TEACHER_CREDITS_PER_TEACHER", "TRAINING_COVERAGE"]) {
      indicator numerator denominator
    }
  }
}
"""


async def test_a_principal_at_homeroom_training_earns_credits_but_is_no_trained_principal(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a county with a school of a homeroom teacher, a principal and a subject teacher
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    homeroom, principal, teacher = [await add_staff(system_session, school, kind) for kind in ("HOMEROOM", "PRINCIPAL", "TEACHER")]
    # When the county runs homeroom-teacher training and registers all three
    made = await programme(api, county, name="班主任心理健康教育培训", audience="HOMEROOM_TEACHERS")
    session = await session_of(api, county, made["id"])
    answers = [await register(api, county, session["id"], who, 2) for who in (homeroom, principal, teacher)]
    # Then every registration is accepted, with its credits and the programme's audience
    assert [a["userErrors"] for a in answers] == [[], [], []]
    body = await api.gql(
        "query ($id: ID!) { node(id: $id) { ... on TrainingAttendance { audience creditsAwarded } } }",
        {"id": answers[1]["trainingAttendance"]["id"]}, as_=county,
    )  # fmt: skip
    assert body["data"]["node"] == {"audience": "HOMEROOM_TEACHERS", "creditsAwarded": 2.0}
    # And only the homeroom teacher counts as trained in their post; all three earned credits
    figures = {v["indicator"]: (v["numerator"], v["denominator"]) for v in (await api.gql(AUDIENCE_READ, {"code": school.code}, as_=county))["data"]["tenant"]["indicators"]}
    assert figures["HOMEROOM_TRAINING_COVERAGE"] == (1, 1)
    assert figures["PRINCIPAL_TRAINING_COVERAGE"] == (0, 1)
    assert figures["ALL_TEACHER_TRAINING_COVERAGE"] == (1, 3)
    assert figures["ALL_TEACHER_CREDITS_PER_TEACHER"] == (6, 3)
    assert figures["TRAINING_COVERAGE"] == (0, 0)  # no mental-health teacher: not applicable, a zero denominator
    # When the county turns the programme into all-staff training
    body = await api.gql(PROGRAMME_UPDATE, {"input": {"id": made["id"], "audience": "ALL_STAFF"}}, as_=county)
    assert body["data"]["trainingProgrammeUpdate"]["userErrors"] == []
    # Then the attendance follows it, and every one of them is trained
    figures = {v["indicator"]: (v["numerator"], v["denominator"]) for v in (await api.gql(AUDIENCE_READ, {"code": school.code}, as_=county))["data"]["tenant"]["indicators"]}
    assert figures["PRINCIPAL_TRAINING_COVERAGE"] == (1, 1) and figures["ALL_TEACHER_TRAINING_COVERAGE"] == (3, 3)
