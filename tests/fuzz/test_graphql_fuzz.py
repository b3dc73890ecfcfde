"""A property-based fuzzer over the whole schema, as signed-in principals of every level, over real HTTP.

hypothesis-graphql writes queries and mutations from `schema.graphql` (valid ones, and in part
invalid ones: wrong argument types, missing required arguments); each goes to a `runxin serve` on a
seeded tiny city as one of: ADMIN of the city, a county and a school, a city AUDITOR, a county
DATA_OFFICER, a school VIEWER, and an API client with two read scopes. The properties:

- no answer is a 5xx;
- every answer is JSON in the GraphQL response shape;
- no error message reveals internals: SQL, tracebacks, file paths, Python class and module names;
- no error is an unexpected one (masked as "Unexpected error"): each bad input has its own message.

At least 1,000 requests a run on PostgreSQL (the production database, row-level security on) and
300 on SQLite, which shares every layer above the driver (RUNXIN_FUZZ_REQUESTS raises both).
The cost bucket is set out of the way, so the documents run rather than being refused for cost
(the cost rule has its own tests).
"""

from __future__ import annotations

import collections
import json
import os
import re
import uuid
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, nodes
from hypothesis_graphql import strategies as gql

from runxin.graphql.ids import encode_id
from tests.served import people, serve

pytestmark = pytest.mark.slow

SCHEMA = (Path(__file__).parents[2] / "schema.graphql").read_text()
REQUESTS = {
    "postgresql": max(1000, int(os.environ.get("RUNXIN_FUZZ_REQUESTS", "1000"))),
    "sqlite": max(300, int(os.environ.get("RUNXIN_FUZZ_REQUESTS", "300"))),
}

# What an error message may never contain: each pattern names a kind of internal detail.
INTERNALS = {
    "traceback": re.compile(r"Traceback \(most recent call last\)|^\s+File \"", re.M),
    "file path": re.compile(r"(/[\w.-]+){2,}\.py\b|site-packages|/usr/lib/python|\.venv/"),
    "SQL": re.compile(
        r"\b(SELECT\b.+\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|ON\s+CONFLICT|RETURNING\s+\w+\.|"
        r"violates\s+(foreign key|unique|check|not-null)\s+constraint|UNIQUE constraint failed|NOT NULL constraint failed)",
        re.I | re.S,
    ),
    "driver or ORM": re.compile(r"\b(sqlalchemy|asyncpg|aiosqlite|sqlite3|psycopg|greenlet)\b", re.I),
    "exception class": re.compile(
        r"\b(IntegrityError|OperationalError|ProgrammingError|DataError|DBAPIError|StatementError|"
        r"KeyError|TypeError|AttributeError|ValueError|IndexError|AssertionError|RuntimeError|"
        r"UnicodeEncodeError|RecursionError|OverflowError|ZeroDivisionError|NoneType)\b"
    ),
    "Python object": re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>|<class '|\brunxin\.(platform|graphql|tenants)\b"),
}


def _text(draw_strings: st.SearchStrategy[str]) -> st.SearchStrategy[object]:
    return draw_strings.map(nodes.String)


# Ids of seeded records (Relay global ids): a random string is only ever ID_MALFORMED, so most ids
# the fuzzer sends are real ones, of every type, and the documents reach the resolvers behind them.
NODE_TABLES = {
    "Tenant": "tenant",
    "CounsellingCentre": "counselling_centre",
    "Hotline": "hotline",
    "SchoolProfile": "school_profile",
    "Enrolment": "school_enrolment",
    "Staff": "staff",
    "Station": "station",
    "Target": "target",
    "TrainingProgramme": "training_programme",
    "TrainingSession": "training_session",
    "TrainingAttendance": "training_attendance",
}


def seeded_ids(served) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    for type_name, table in NODE_TABLES.items():
        for (value,) in served.rows(f"SELECT id FROM {table} ORDER BY id LIMIT 8"):  # our own table names
            ids.append(encode_id(type_name, uuid.UUID(str(value))))
    return ids


DATES = st.one_of(st.dates().map(str), st.text(max_size=12))
DATETIMES = st.one_of(st.datetimes().map(lambda d: d.isoformat() + "Z"), st.datetimes().map(str), st.text(max_size=20))


def documents(ids: list[str]) -> st.SearchStrategy[str]:
    scalars = {
        "Date": _text(DATES),
        "DateTime": _text(DATETIMES),
        "JSON": _text(st.text(max_size=20)),
        # A file comes only as a multipart part; written into the document it must be refused cleanly.
        "Upload": _text(st.text(max_size=20)),
        "ID": _text(st.one_of(st.sampled_from(ids), st.sampled_from(ids), st.sampled_from(ids), st.text(max_size=30))),
    }
    return st.one_of(
        gql.queries(SCHEMA, custom_scalars=scalars),
        gql.mutations(SCHEMA, custom_scalars=scalars),
        gql.queries(SCHEMA, custom_scalars=scalars, mode=Mode.NEGATIVE),
        gql.mutations(SCHEMA, custom_scalars=scalars, mode=Mode.NEGATIVE),
    )


def leaks(message: str) -> list[str]:
    return [kind for kind, pattern in INTERNALS.items() if pattern.search(message)]


def test_the_leak_patterns_catch_what_they_are_for() -> None:
    # A pattern that matches nothing would pass every run: each must catch its kind, and let a
    # message of ours through.
    assert leaks('Traceback (most recent call last):\n  File "/app/x.py", line 1') == ["traceback", "file path"]
    assert leaks("(sqlite3.IntegrityError) UNIQUE constraint failed: station.code") == ["SQL", "driver or ORM", "exception class"]
    assert leaks('duplicate key value violates unique constraint "uq_station_code"') == ["SQL"]
    assert leaks("SELECT station.id FROM station WHERE station.tenant_id = $1") == ["SQL"]
    assert leaks("<runxin.platform.models.Station object at 0x7f00aa>") == ["Python object"]
    assert leaks("'NoneType' object has no attribute 'id'") == ["exception class"]
    assert leaks("Unexpected error.") == []
    assert leaks("Variable '$input' got invalid value 'x'; Int cannot represent non-integer value: 'x'") == []


@pytest.fixture
def server(tmp_path, empty_database_url: str):  # type: ignore[no-untyped-def]
    # On each backend: PostgreSQL refuses what SQLite takes (NUL text, out-of-range numbers).
    with serve(tmp_path, empty_database_url, RUNXIN_COST_BUCKET="10000000", RUNXIN_COST_PER_SECOND="1000000") as served:
        served.principals = people(served)
        served.requests = REQUESTS["postgresql" if empty_database_url.startswith("postgresql") else "sqlite"]
        yield served


def test_fuzzing_the_schema_finds_no_5xx_and_no_leak(server) -> None:  # type: ignore[no-untyped-def]
    names = sorted(server.principals)
    sent: collections.Counter[str] = collections.Counter()
    statuses: collections.Counter[int] = collections.Counter()
    codes: collections.Counter[str] = collections.Counter()
    findings: list[str] = []

    with httpx.Client(base_url=server.base_url, timeout=30) as client:

        @settings(
            max_examples=server.requests,
            deadline=None,
            database=None,
            phases=[Phase.generate],  # a finding is reported as it is, not shrunk: the run stays bounded
            suppress_health_check=list(HealthCheck),
        )
        @given(document=documents(seeded_ids(server)))
        def probe(document: str) -> None:
            who = names[sum(sent.values()) % len(names)]  # in turn: every principal gets its share
            response = client.post(
                "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {server.principals[who]}"}
            )
            sent[who] += 1
            statuses[response.status_code] += 1
            where = f"as {who}, HTTP {response.status_code}, document:\n{document}\n"
            if response.status_code >= 500 and response.status_code != 503:
                findings.append(f"{where}answer: {response.text[:2000]}")
                return
            try:
                body = response.json()
            except json.JSONDecodeError:
                findings.append(f"{where}not JSON: {response.text[:500]}")
                return
            if not isinstance(body, dict) or not ({"data", "errors"} & body.keys()):
                findings.append(f"{where}not a GraphQL response: {response.text[:500]}")
                return
            for error in body.get("errors") or []:
                message = json.dumps(error, ensure_ascii=False)
                if kinds := leaks(message):
                    findings.append(f"{where}error reveals {', '.join(kinds)}: {message[:1000]}")
                code = (error.get("extensions") or {}).get("code")
                codes[str(code)] += 1
                if str(error.get("message", "")).startswith("Unexpected error"):
                    findings.append(f"{where}an unexpected (masked) error: {message[:1000]}")
                if response.status_code == 503 and code not in ("OPERATION_TIMEOUT", "AUDIT_UNAVAILABLE"):
                    findings.append(f"{where}unexpected 503: {message[:1000]}")

        probe()

    print(f"\nfuzzer: {sum(sent.values())} requests; by principal {dict(sent)}; by status {dict(sorted(statuses.items()))}")
    print(f"error codes: {dict(codes.most_common())}")
    assert sum(sent.values()) >= server.requests
    assert all(sent[name] >= server.requests // len(names) for name in names), sent
    assert not findings, f"{len(findings)} findings; the first:\n" + "\n".join(findings[:5]) + f"\nserver log: {server.log}"
