"""Classes, term hours and school activities over HTTP: create, update, read, and every bad input
refused with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from runxin.graphql.ids import encode_id
from runxin.platform.courses.models import ClassTermHours, SchoolActivity, SchoolClass
from runxin.platform.courses.terms import school_year_of
from runxin.platform.schools.models import SchoolProfile
from runxin.platform.staffing.models import Staff
from tests.factories.tree import make_tree

TODAY = dt.date.today()
# The school year under way and its autumn term, which has begun whatever the day (1 September).
YEAR = school_year_of(TODAY)
AUTUMN = f"{YEAR}T1"
LAST_YEAR = YEAR - 1

CLASS_CREATE = """
mutation ($input: SchoolClassCreateInput!) {
  schoolClassCreate(input: $input) {
    schoolClass { id schoolYear grade name homeroomStaffId students healthCommitteeBoys healthCommitteeGirls tenant { code } }
    userErrors { field code message }
  }
}
"""
CLASS_UPDATE = """
mutation ($input: SchoolClassUpdateInput!) {
  schoolClassUpdate(input: $input) {
    schoolClass { id schoolYear grade name homeroomStaffId students healthCommitteeBoys healthCommitteeGirls }
    userErrors { field code message }
  }
}
"""
HOURS = """
mutation ($input: ClassTermHoursRecordInput!) {
  classTermHoursRecord(input: $input) {
    termHours { term teachingWeeks mentalHealthHours classMeetingHours mentalHealthHoursRequired classMeetingHoursRequired }
    userErrors { field code message }
  }
}
"""
ACTIVITY_CREATE = """
mutation ($input: SchoolActivityCreateInput!) {
  schoolActivityCreate(input: $input) {
    schoolActivity { id kind heldOn title participants schoolYear term tenant { code } }
    userErrors { field code message }
  }
}
"""
ACTIVITY_UPDATE = """
mutation ($input: SchoolActivityUpdateInput!) {
  schoolActivityUpdate(input: $input) { schoolActivity { id kind heldOn term } userErrors { field code message } }
}
"""
LIST = """
query ($code: String!, $scope: RecordScope, $year: Int) {
  tenant(code: $code) {
    classes(first: 20, scope: $scope, schoolYear: $year) { nodes { name tenant { code } termHours { term mentalHealthHours } } }
    schoolActivities(first: 20, scope: $scope, schoolYear: $year) { nodes { kind heldOn } }
  }
}
"""


def class_input(school, **fields) -> dict:  # type: ignore[no-untyped-def]
    return {"tenantId": encode_id("Tenant", school.id), "schoolYear": LAST_YEAR, "grade": 1, "name": "一年级(1)班"} | fields


def last_may() -> str:
    return dt.date(LAST_YEAR + 1, 5, 20).isoformat()  # May of the school year before this one: in the past


async def count(system_session, model) -> int:  # type: ignore[no-untyped-def]
    return (await system_session.execute(select(func.count()).select_from(model))).scalar_one()


async def primary_tree(system_session):  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session)
    for school in tree.all_schools():
        system_session.add(SchoolProfile(tenant_id=school.id, category="21", stages="PRIMARY"))
    await system_session.commit()
    return tree


async def test_a_school_records_a_class_its_hours_and_an_activity_and_its_county_reads_them(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a primary school with a homeroom teacher
    tree = await primary_tree(system_session)
    school, county, other = tree.all_schools()[0], tree.counties[0], tree.counties[1]
    teacher = Staff(tenant_id=school.id, kind="HOMEROOM", name="王老师")
    system_session.add(teacher)
    await system_session.commit()
    # When the school records a class with its committee and homeroom teacher
    body = await api.gql(
        CLASS_CREATE,
        {"input": class_input(school, homeroomStaffId=encode_id("Staff", teacher.id), students=45, healthCommitteeBoys=2, healthCommitteeGirls=1)},
        as_=school,
    )
    payload = body["data"]["schoolClassCreate"]
    assert payload["userErrors"] == []
    created = payload["schoolClass"]
    assert (created["schoolYear"], created["grade"], created["name"], created["students"]) == (LAST_YEAR, 1, "一年级(1)班", 45)
    assert created["homeroomStaffId"] == encode_id("Staff", teacher.id) and created["tenant"]["code"] == school.code
    # and its autumn term's hours: 19 weeks at 1 every 2 weeks need 10 hours, and 4 class meetings
    hours = await api.gql(
        HOURS, {"input": {"classId": created["id"], "term": f"{LAST_YEAR}t1 ", "teachingWeeks": 19, "mentalHealthHours": 9, "classMeetingHours": 4}}, as_=school
    )
    recorded = hours["data"]["classTermHoursRecord"]
    assert recorded["userErrors"] == []
    assert recorded["termHours"] == {
        "term": f"{LAST_YEAR}T1", "teachingWeeks": 19, "mentalHealthHours": 9, "classMeetingHours": 4,
        "mentalHealthHoursRequired": 10, "classMeetingHoursRequired": 4,
    }  # fmt: skip
    # and recording the same term again replaces it (one row)
    again = await api.gql(
        HOURS, {"input": {"classId": created["id"], "term": f"{LAST_YEAR}T1", "teachingWeeks": 19, "mentalHealthHours": 10, "classMeetingHours": 4}}, as_=school
    )
    assert again["data"]["classTermHoursRecord"]["termHours"]["mentalHealthHours"] == 10
    assert await count(system_session, ClassTermHours) == 1
    # and a May theme month
    activity = await api.gql(
        ACTIVITY_CREATE,
        {"input": {"tenantId": encode_id("Tenant", school.id), "kind": "THEME_MONTH_MENTAL_HEALTH", "heldOn": last_may(), "title": "5·25心理健康节", "participants": 600}},
        as_=school,
    )
    made = activity["data"]["schoolActivityCreate"]
    assert made["userErrors"] == []
    assert (made["schoolActivity"]["schoolYear"], made["schoolActivity"]["term"]) == (LAST_YEAR, f"{LAST_YEAR}T2")
    # Then the county sees them in its subtree, not among its own; the other county sees nothing
    subtree = (await api.gql(LIST, {"code": county.code, "scope": "SUBTREE"}, as_=county))["data"]["tenant"]
    assert [(n["name"], n["tenant"]["code"], n["termHours"]) for n in subtree["classes"]["nodes"]] == [
        ("一年级(1)班", school.code, [{"term": f"{LAST_YEAR}T1", "mentalHealthHours": 10}])
    ]
    assert [n["kind"] for n in subtree["schoolActivities"]["nodes"]] == ["THEME_MONTH_MENTAL_HEALTH"]
    own = (await api.gql(LIST, {"code": county.code, "scope": "OWN"}, as_=county))["data"]["tenant"]
    assert own["classes"]["nodes"] == [] and own["schoolActivities"]["nodes"] == []
    elsewhere = (await api.gql(LIST, {"code": other.code, "scope": "SUBTREE"}, as_=other))["data"]["tenant"]
    assert elsewhere["classes"]["nodes"] == [] and elsewhere["schoolActivities"]["nodes"] == []
    # and the school year narrows the lists
    narrowed = (await api.gql(LIST, {"code": school.code, "year": YEAR}, as_=school))["data"]["tenant"]
    assert narrowed["classes"]["nodes"] == [] and narrowed["schoolActivities"]["nodes"] == []


async def test_updates_change_only_the_fields_given(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await primary_tree(system_session)
    school = tree.all_schools()[0]
    created = (await api.gql(CLASS_CREATE, {"input": class_input(school, students=40, healthCommitteeBoys=2)}, as_=school))["data"][
        "schoolClassCreate"
    ]["schoolClass"]
    # When only the girls are recorded, and then the students cleared
    first = await api.gql(CLASS_UPDATE, {"input": {"id": created["id"], "healthCommitteeGirls": 2}}, as_=school)
    cleared = await api.gql(CLASS_UPDATE, {"input": {"id": created["id"], "students": None}}, as_=school)
    # Then the rest stays as it was
    assert first["data"]["schoolClassUpdate"]["schoolClass"] | {"id": None} == {
        "id": None, "schoolYear": LAST_YEAR, "grade": 1, "name": "一年级(1)班", "homeroomStaffId": None, "students": 40,
        "healthCommitteeBoys": 2, "healthCommitteeGirls": 2,
    }  # fmt: skip
    assert cleared["data"]["schoolClassUpdate"]["schoolClass"]["students"] is None
    # And an activity moved into October becomes the other theme month once its kind says so
    activity = (
        await api.gql(
            ACTIVITY_CREATE,
            {"input": {"tenantId": encode_id("Tenant", school.id), "kind": "PARENT_TRAINING", "heldOn": last_may(), "title": "家长课堂"}},
            as_=school,
        )
    )["data"]["schoolActivityCreate"]["schoolActivity"]
    october = dt.date(LAST_YEAR, 10, 15).isoformat()
    moved = await api.gql(ACTIVITY_UPDATE, {"input": {"id": activity["id"], "heldOn": october, "kind": "THEME_MONTH_LIFE_HEALTH"}}, as_=school)
    assert moved["data"]["schoolActivityUpdate"] == {
        "schoolActivity": {"id": activity["id"], "kind": "THEME_MONTH_LIFE_HEALTH", "heldOn": october, "term": f"{LAST_YEAR}T1"},
        "userErrors": [],
    }


# (input changes, the field named in the error, its code)
BAD_CLASSES = [
    ({"grade": 13}, "grade", "GRADE_OUT_OF_RANGE"),
    ({"grade": 8}, "grade", "GRADE_NOT_TAUGHT"),  # a primary school
    ({"name": ""}, "name", "REQUIRED"),
    ({"name": "班" * 51}, "name", "TOO_LONG"),
    ({"schoolYear": 1999}, "schoolYear", "TOO_SMALL"),
    ({"schoolYear": YEAR + 2}, "schoolYear", "TOO_LARGE"),
    ({"students": -1}, "students", "NEGATIVE"),
    ({"students": 151}, "students", "TOO_LARGE"),
    ({"healthCommitteeBoys": 21}, "healthCommitteeBoys", "TOO_LARGE"),
    ({"students": 3, "healthCommitteeBoys": 2, "healthCommitteeGirls": 2}, "healthCommitteeBoys", "COMMITTEE_EXCEEDS_STUDENTS"),
    ({"homeroomStaffId": "not-an-id"}, "homeroomStaffId", "ID_MALFORMED"),
    ({"tenantId": "not-an-id"}, "tenantId", "ID_MALFORMED"),
]


@pytest.mark.parametrize(("change", "field", "code"), BAD_CLASSES)
async def test_a_bad_class_is_refused_and_nothing_is_written(api, system_session, change, field, code) -> None:  # type: ignore[no-untyped-def]
    tree = await primary_tree(system_session)
    school = tree.all_schools()[0]
    body = await api.gql(CLASS_CREATE, {"input": class_input(school) | change}, as_=school)
    payload = body["data"]["schoolClassCreate"]
    assert payload["schoolClass"] is None
    assert (field, code) in [(e["field"][-1], e["code"]) for e in payload["userErrors"]], payload["userErrors"]
    assert all(e["message"].endswith((".", ")")) for e in payload["userErrors"])
    assert await count(system_session, SchoolClass) == 0


async def test_class_rules_that_need_other_records(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a class of school A, a teacher of its sibling B, an inactive teacher of A, and a county
    tree = await primary_tree(system_session)
    a, b = tree.schools[tree.counties[0].code]
    county = tree.counties[0]
    sibling_teacher = Staff(tenant_id=b.id, kind="HOMEROOM", name="李老师")
    gone = Staff(tenant_id=a.id, kind="HOMEROOM", name="赵老师", active=False)
    system_session.add_all([sibling_teacher, gone])
    await system_session.commit()
    first = (await api.gql(CLASS_CREATE, {"input": class_input(a)}, as_=a))["data"]["schoolClassCreate"]["schoolClass"]

    async def errors(mutation: str, input: dict, as_=a) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
        body = await api.gql(mutation, {"input": input}, as_=as_)
        payload = next(iter(body["data"].values()))
        return [(e["field"][-1], e["code"]) for e in payload["userErrors"]]

    # A second class of the same name in the same school year
    assert await errors(CLASS_CREATE, class_input(a, name=" 一年级(1)班 ")) == [("name", "DUPLICATE_CLASS_NAME")]
    # A sibling's teacher is not even found by the school; the county finds it, of another school
    assert await errors(CLASS_CREATE, class_input(a, name="一年级(2)班", homeroomStaffId=encode_id("Staff", sibling_teacher.id))) == [
        ("homeroomStaffId", "NOT_FOUND")
    ]
    assert await errors(
        CLASS_CREATE, class_input(a, name="一年级(2)班", homeroomStaffId=encode_id("Staff", sibling_teacher.id)), as_=county
    ) == [("homeroomStaffId", "HOMEROOM_OTHER_SCHOOL")]
    assert await errors(CLASS_UPDATE, {"id": first["id"], "homeroomStaffId": encode_id("Staff", gone.id)}) == [
        ("homeroomStaffId", "HOMEROOM_INACTIVE")
    ]
    # A class belongs to a school, not to a county
    county_class = class_input(county)
    assert await errors(CLASS_CREATE, county_class, as_=county) == [("tenantId", "TENANT_KIND")]
    # Once it has term hours, its school year is fixed
    ok = await errors(HOURS, {"classId": first["id"], "term": f"{LAST_YEAR}T1", "teachingWeeks": 18, "mentalHealthHours": 9, "classMeetingHours": 4})
    assert ok == []
    assert await errors(CLASS_UPDATE, {"id": first["id"], "schoolYear": YEAR}) == [("schoolYear", "CLASS_HAS_TERM_HOURS")]
    # and nothing of the refused writes is there
    assert await count(system_session, SchoolClass) == 1


BAD_HOURS = [
    ({"term": None}, "term", "REQUIRED"),
    ({"term": "2025-1"}, "term", "PERIOD_FORMAT"),
    ({"term": f"{LAST_YEAR}SY"}, "term", "NOT_A_TERM"),
    ({"term": f"{YEAR}T1"}, "term", "TERM_OUTSIDE_SCHOOL_YEAR"),  # the class is of last year
    ({"term": f"{YEAR + 1}T1"}, "term", "PERIOD_IN_FUTURE"),
    ({"teachingWeeks": None}, "teachingWeeks", "REQUIRED"),
    ({"teachingWeeks": 0}, "teachingWeeks", "TOO_SMALL"),
    ({"teachingWeeks": 23}, "teachingWeeks", "TOO_LARGE"),  # the autumn term spans 22 weeks
    ({"mentalHealthHours": -1}, "mentalHealthHours", "NEGATIVE"),
    ({"mentalHealthHours": 96}, "mentalHealthHours", "TOO_LARGE"),  # at most 5 a week of 19
    ({"classMeetingHours": 20}, "classMeetingHours", "TOO_LARGE"),  # at most 1 a week
    ({"classId": encode_id("Station", __import__("uuid").uuid4())}, "classId", "ID_WRONG_TYPE"),
]


@pytest.mark.parametrize(("change", "field", "code"), BAD_HOURS)
async def test_bad_term_hours_are_refused_and_nothing_is_written(api, system_session, change, field, code) -> None:  # type: ignore[no-untyped-def]
    tree = await primary_tree(system_session)
    school = tree.all_schools()[0]
    created = (await api.gql(CLASS_CREATE, {"input": class_input(school)}, as_=school))["data"]["schoolClassCreate"]["schoolClass"]
    good = {"classId": created["id"], "term": f"{LAST_YEAR}T1", "teachingWeeks": 19, "mentalHealthHours": 10, "classMeetingHours": 4}
    body = await api.gql(HOURS, {"input": good | change}, as_=school)
    payload = body["data"]["classTermHoursRecord"]
    assert payload["termHours"] is None
    assert (field, code) in [(e["field"][-1], e["code"]) for e in payload["userErrors"]], payload["userErrors"]
    assert await count(system_session, ClassTermHours) == 0


async def test_teaching_weeks_cannot_run_ahead_of_the_term(api, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a class of the school year under way, in its autumn term (begun on 1 September)
    tree = await primary_tree(system_session)
    school = tree.all_schools()[0]
    created = (await api.gql(CLASS_CREATE, {"input": class_input(school, schoolYear=YEAR)}, as_=school))["data"]["schoolClassCreate"][
        "schoolClass"
    ]
    elapsed = -(-((min(TODAY, dt.date(YEAR + 1, 1, 31)) - dt.date(YEAR, 9, 1)).days + 1) // 7)
    base = {"classId": created["id"], "term": AUTUMN, "mentalHealthHours": 0, "classMeetingHours": 0}
    # When the weeks so far are recorded, then one more
    ok = await api.gql(HOURS, {"input": base | {"teachingWeeks": elapsed}}, as_=school)
    ahead = await api.gql(HOURS, {"input": base | {"teachingWeeks": elapsed + 1}}, as_=school)
    # Then the first is taken, and the second refused unless the term has run its whole length
    assert ok["data"]["classTermHoursRecord"]["userErrors"] == []
    codes = [e["code"] for e in ahead["data"]["classTermHoursRecord"]["userErrors"]]
    assert codes == (["TOO_LARGE"] if elapsed == 22 else ["TEACHING_WEEKS_AHEAD"])


BAD_ACTIVITIES = [
    ({"kind": None}, "kind", "REQUIRED"),
    ({"title": ""}, "title", "REQUIRED"),
    ({"heldOn": (TODAY + dt.timedelta(days=1)).isoformat()}, "heldOn", "DATE_IN_FUTURE"),
    ({"kind": "THEME_MONTH_MENTAL_HEALTH", "heldOn": dt.date(LAST_YEAR + 1, 6, 1).isoformat()}, "heldOn", "THEME_MONTH_MISMATCH"),
    ({"kind": "THEME_MONTH_LIFE_HEALTH", "heldOn": dt.date(LAST_YEAR + 1, 5, 1).isoformat()}, "heldOn", "THEME_MONTH_MISMATCH"),
    ({"kind": "ADAPTATION_TERM_START", "heldOn": dt.date(LAST_YEAR + 1, 8, 28).isoformat()}, "heldOn", "OUTSIDE_TERM"),
    ({"participants": 0}, "participants", "TOO_SMALL"),
    ({"heldOn": "1999-05-01"}, "heldOn", "TOO_EARLY"),
]


@pytest.mark.parametrize(("change", "field", "code"), BAD_ACTIVITIES)
async def test_a_bad_activity_is_refused_and_nothing_is_written(api, system_session, change, field, code) -> None:  # type: ignore[no-untyped-def]
    tree = await primary_tree(system_session)
    school = tree.all_schools()[0]
    good = {"tenantId": encode_id("Tenant", school.id), "kind": "THEME_MONTH_MENTAL_HEALTH", "heldOn": last_may(), "title": "心理健康节"}
    body = await api.gql(ACTIVITY_CREATE, {"input": good | change}, as_=school)
    payload = body["data"]["schoolActivityCreate"]
    assert payload["schoolActivity"] is None
    assert (field, code) in [(e["field"][-1], e["code"]) for e in payload["userErrors"]], payload["userErrors"]
    assert await count(system_session, SchoolActivity) == 0


async def test_writing_needs_the_courses_write_scope_and_reading_its_read_scope(api, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await primary_tree(system_session)
    school = tree.all_schools()[0]
    reader = api.tokens.issue(subject="rx_app", tenant_id=school.id, roles=[], scopes=["tenants:read", "courses:read"], client_id="rx_app")
    writer = api.tokens.issue(subject="rx_mis", tenant_id=school.id, roles=[], scopes=["courses:write"], client_id="rx_mis")
    refused = (await api.post(CLASS_CREATE, {"input": class_input(school)}, token=reader)).json()
    assert refused["data"] is None and "courses:write" in refused["errors"][0]["message"]
    assert await count(system_session, SchoolClass) == 0
    made = await api.gql(CLASS_CREATE, {"input": class_input(school)}, token=writer)
    assert made["data"]["schoolClassCreate"]["userErrors"] == []
    listed = await api.gql(LIST, {"code": school.code}, token=reader)
    assert [n["name"] for n in listed["data"]["tenant"]["classes"]["nodes"]] == ["一年级(1)班"]
    no_scope = api.tokens.issue(subject="rx_x", tenant_id=school.id, roles=[], scopes=["tenants:read"], client_id="rx_x")
    hidden = (await api.post(LIST, {"code": school.code}, token=no_scope)).json()
    assert hidden["data"]["tenant"] is None or hidden["data"]["tenant"]["classes"] is None
    assert "courses:read" in hidden["errors"][0]["message"]
