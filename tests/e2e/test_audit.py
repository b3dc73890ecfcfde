"""The audit log over HTTP: every operation of a signed-in principal leaves one event saying who,
what (operation, document hash, records written, personal fields disclosed), when, from where and
under which trace; auditors read their own subtree's events and nothing else."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from runxin.platform.audit.models import AuditEvent
from tests.e2e.test_staffing import CREATE, valid_input
from tests.factories.tree import make_tree

LIST_STAFF = "query StaffList($code: String!) { tenant(code: $code) { staff(first: 20) { nodes { id name phone } } } }"
EVENTS = """
query Events($personalOnly: Boolean, $subject: String) {
  auditEvents(last: 100, personalOnly: $personalOnly, subject: $subject) {
    nodes {
      id occurredAt subject clientId tenant { code } operationType operationName documentHash
      writes { mutation recordType records } personalFieldsRead { fields records } maskedReads
      outcome clientIp userAgent traceId
    }
  }
}
"""


async def events(system_session) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list((await system_session.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars())


async def last_event(system_session) -> AuditEvent:  # type: ignore[no-untyped-def]
    return (await events(system_session))[-1]


@pytest.fixture
async def world(api, system_session):  # type: ignore[no-untyped-def]
    """A city, two counties with a school each, and a staff member at the first county's school."""
    tree = await make_tree(system_session, counties=2, schools_per_county=1)
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    body = await api.gql(CREATE, {"input": valid_input(school)}, as_=school)
    staff_id = body["data"]["staffCreate"]["staff"]["id"]
    return {"tree": tree, "county": county, "school": school, "sibling": tree.counties[1], "staff_id": staff_id}


async def test_a_county_admin_reading_school_staff_unmasked_is_recorded(api, world, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a county ADMIN, whom policy lets read its schools' staff in full
    county, school = world["county"], world["school"]
    # When it lists the school's staff
    response = await api.post(LIST_STAFF, {"code": school.code}, as_=county)
    assert response.json()["data"]["tenant"]["staff"]["nodes"][0]["phone"] == "13812345678"
    # Then the event names the personal fields read and whose they were
    event = await last_event(system_session)
    staff_uuid = str(decode(world["staff_id"]))
    assert event.subject == f"user@{county.code}" and event.tenant_id == county.id and event.tenant_path == county.path
    assert (event.operation_type, event.operation_name, event.outcome) == ("query", "StaffList", "ok")
    # only the fields the document names: it did not ask for gender or birthDate
    assert event.personal_fields_read == [{"type": "Staff", "fields": ["name", "phone"], "ids": [staff_uuid]}]
    assert (event.personal_reads, event.masked_reads) == (1, 0)
    assert event.client_ip == "127.0.0.1" and event.user_agent.startswith("python-httpx")


def decode(global_id: str):  # type: ignore[no-untyped-def]
    from runxin.graphql.ids import decode_id

    return decode_id(global_id)[1]


async def test_a_masked_read_records_no_personal_fields(api, world, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a county VIEWER, whom policy shows staff masked
    body = await api.gql(LIST_STAFF, {"code": world["school"].code}, as_=world["county"], roles=("VIEWER",))
    assert body["data"]["tenant"]["staff"]["nodes"][0]["phone"] is None
    # Then its event holds no personal read, only the count of masked ones
    event = await last_event(system_session)
    assert (event.personal_fields_read, event.personal_reads, event.masked_reads) == ([], 0, 1)


async def test_a_mutation_records_its_name_and_the_created_id(api, world, system_session) -> None:  # type: ignore[no-untyped-def]
    # The fixture's staffCreate, as the school
    event = [e for e in await events(system_session) if e.operation_type == "mutation"][-1]
    assert event.outcome == "ok"
    assert event.writes == [{"field": "staffCreate", "type": "Staff", "ids": [str(decode(world["staff_id"]))]}]
    assert event.tenant_id == world["school"].id


async def test_a_failed_mutation_records_user_errors(api, world, system_session) -> None:  # type: ignore[no-untyped-def]
    body = await api.gql(CREATE, {"input": valid_input(world["school"], phone="12")}, as_=world["school"])
    assert body["data"]["staffCreate"]["userErrors"]
    event = await last_event(system_session)
    assert (event.operation_type, event.outcome, event.writes) == ("mutation", "user_errors", [])


async def test_the_hash_is_of_the_text_and_neither_text_nor_variables_are_stored(api, world, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a mutation whose variables carry personal data
    secret_name, secret_phone = "欧阳秘密", "139 8765 4321"
    await api.gql(CREATE, {"input": valid_input(world["school"], name=secret_name, phone=secret_phone)}, as_=world["school"])
    event = await last_event(system_session)
    # Then the hash is SHA-256 of the document text
    assert event.document_hash == hashlib.sha256(CREATE.encode()).hexdigest()
    # And no column of the row holds the text, the variables or the personal values
    row = json.dumps({c.key: str(getattr(event, c.key)) for c in AuditEvent.__table__.columns}, ensure_ascii=False)
    for needle in (secret_name, "13987654321", "139 8765 4321", "staffCreate(input", "StaffCreateInput", "birthDate\": \"1988"):
        assert needle not in row, needle


async def test_a_city_auditor_sees_the_countys_events(api, world) -> None:  # type: ignore[no-untyped-def]
    county, city = world["county"], world["tree"].city
    await api.gql(LIST_STAFF, {"code": world["school"].code}, as_=county)
    body = await api.gql(EVENTS, {"personalOnly": True}, as_=city, roles=("AUDITOR",))
    nodes = body["data"]["auditEvents"]["nodes"]
    mine = [n for n in nodes if n["subject"] == f"user@{county.code}"]
    assert mine, nodes
    assert mine[-1]["tenant"]["code"] == county.code
    assert mine[-1]["personalFieldsRead"] == [{"fields": ["Staff.name", "Staff.phone"], "records": [world["staff_id"]]}]
    assert mine[-1]["operationType"] == "QUERY" and mine[-1]["outcome"] == "OK"
    # and the school's own write, further down the tree
    everything = (await api.gql(EVENTS, as_=city, roles=("AUDITOR",)))["data"]["auditEvents"]["nodes"]
    assert any(w["mutation"] == "staffCreate" and w["records"] == [world["staff_id"]] for n in everything for w in n["writes"])


async def test_a_county_auditor_sees_neither_the_city_nor_a_sibling(api, world) -> None:  # type: ignore[no-untyped-def]
    county, sibling, city = world["county"], world["sibling"], world["tree"].city
    # Given activity at the city, the sibling county and the county's own school
    await api.gql("{ viewer { subject } }", as_=city)
    await api.gql("{ viewer { subject } }", as_=sibling)
    # When the county's auditor reads the log
    nodes = (await api.gql(EVENTS, as_=county, roles=("AUDITOR",)))["data"]["auditEvents"]["nodes"]
    # Then it sees its subtree's events only
    subjects = {n["subject"] for n in nodes}
    assert f"user@{world['school'].code}" in subjects
    assert not subjects & {f"user@{city.code}", f"user@{sibling.code}"}
    # and a filter cannot reach outside either
    other = await api.gql(EVENTS, {"subject": f"user@{city.code}"}, as_=county, roles=("AUDITOR",))
    assert other["data"]["auditEvents"]["nodes"] == []


@pytest.mark.parametrize("role", ["DATA_OFFICER", "VIEWER"])
async def test_roles_without_audit_read_are_refused(api, world, system_session, role) -> None:  # type: ignore[no-untyped-def]
    body = (await api.post(EVENTS, as_=world["county"], roles=(role,))).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    # and the refusal is itself on record
    assert (await last_event(system_session)).outcome == "refused"


async def test_the_trace_id_comes_from_traceparent_or_is_made_up(api, world, system_session) -> None:  # type: ignore[no-untyped-def]
    token = api.token_for(world["county"], "ADMIN")
    headers = {"Authorization": f"Bearer {token}"}
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    given = await api.client.post(
        "/graphql", json={"query": "{ viewer { subject } }"}, headers={**headers, "traceparent": f"00-{trace}-00f067aa0ba902b7-01"}
    )
    assert given.headers["x-trace-id"] == trace
    assert (await last_event(system_session)).trace_id == trace
    made = await api.client.post("/graphql", json={"query": "{ viewer { subject } }"}, headers={**headers, "traceparent": "garbage"})
    assert len(made.headers["x-trace-id"]) == 32 and made.headers["x-trace-id"] != trace
    assert (await last_event(system_session)).trace_id == made.headers["x-trace-id"]


async def test_x_forwarded_for_counts_only_behind_a_trusted_proxy(api, world, system_session) -> None:  # type: ignore[no-untyped-def]
    token = api.token_for(world["county"], "ADMIN")
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": "203.0.113.9, 198.51.100.7"}
    await api.client.post("/graphql", json={"query": "{ viewer { subject } }"}, headers=headers)
    assert (await last_event(system_session)).client_ip == "127.0.0.1"  # RUNXIN_TRUST_PROXY is off
    api.app.state.runtime.settings = api.app.state.runtime.settings.replace(trust_proxy=True)
    await api.client.post("/graphql", json={"query": "{ viewer { subject } }"}, headers=headers)
    assert (await last_event(system_session)).client_ip == "198.51.100.7"  # the address our proxy appended


async def test_anonymous_requests_leave_no_event(api, world, system_session) -> None:  # type: ignore[no-untyped-def]
    before = len(await events(system_session))
    await api.client.post("/graphql", json={"query": "{ viewer { subject } }"})
    assert len(await events(system_session)) == before


async def test_a_personal_read_that_cannot_be_recorded_is_not_answered(api, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from runxin.graphql.audit import writer

    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(writer, "write_events", broken)
    # A personal-data read fails closed ...
    response = await api.post(LIST_STAFF, {"code": world["school"].code}, as_=world["county"])
    assert response.status_code == 503 and "13812345678" not in response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "AUDIT_UNAVAILABLE"
    # ... a masked read and a mutation are answered (the error is logged)
    masked = await api.post(LIST_STAFF, {"code": world["school"].code}, as_=world["county"], roles=("VIEWER",))
    assert masked.status_code == 200
    created = await api.post(CREATE, {"input": valid_input(world["school"], name="李四")}, as_=world["school"])
    assert created.status_code == 200 and created.json()["data"]["staffCreate"]["staff"]["name"] == "李四"

