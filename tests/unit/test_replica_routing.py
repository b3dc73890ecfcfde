"""Which documents may run on the streaming replica: the oversight reads only (graphql/replica.py)."""

from __future__ import annotations

import pytest

from runxin.graphql.replica import OVERSIGHT_TYPES, is_oversight_read
from runxin.graphql.schema import build_schema
from runxin.platform.config import Settings
from runxin.platform.db.replica import lsn_value


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return build_schema(Settings.from_env(env_file=None, data_dir=tmp_path_factory.mktemp("data")))._schema


@pytest.mark.parametrize(
    "document",
    [
        "{ tenants(first: 10) { nodes { code name indicators { indicator value asOf } } } }",
        "query Q($c: String!) { tenant(code: $c) { __typename staffCounts { fullTime } gaps { indicator } } }",
        '{ tenant(code: "360700") { ...F } } fragment F on Tenant { children(first: 5) { edges { node { code } } } }',
        "{ indicatorDefinitions { code } }",
    ],
)
def test_oversight_reads_may_use_the_replica(schema, document: str) -> None:  # type: ignore[no-untyped-def]
    assert is_oversight_read(schema, document, None)


@pytest.mark.parametrize(
    "document",
    [
        # personal data, directly, through a fragment, or through a node lookup
        '{ tenant(code: "360700") { name staff(first: 5) { nodes { name phone } } } }',
        '{ tenant(code: "360700") { ...S } } fragment S on Tenant { staff(first: 1) { nodes { id } } }',
        '{ node(id: "x") { ... on Staff { name } } }',
        # the viewer, the audit log, deliveries and the disclosure policy stay on the primary
        "{ viewer { subject } }",
        "{ auditEvents(first: 1) { nodes { subject } } }",
        '{ tenant(code: "360700") { disclosurePolicy { personalFields } } }',
        # writes, and what cannot be decided
        'mutation { tenantCreate(input: {code: "1", name: "x", kind: SCHOOL, parentId: "y"}) { userErrors { code } } }',
        "{ tenants(first: 1) { nodes { code }",
        "query A { indicatorDefinitions { code } } query B { viewer { subject } }",
    ],
)
def test_everything_else_stays_on_the_primary(schema, document: str) -> None:  # type: ignore[no-untyped-def]
    assert not is_oversight_read(schema, document, None)


def test_the_named_operation_decides(schema) -> None:  # type: ignore[no-untyped-def]
    document = "query A { indicatorDefinitions { code } } query B { viewer { subject } }"
    assert is_oversight_read(schema, document, "A")
    assert not is_oversight_read(schema, document, "B")


def test_no_oversight_type_carries_a_personal_field(schema) -> None:  # type: ignore[no-untyped-def]
    # The personal fields of staff (tenants/disclosure.py) appear on no type the replica may serve.
    personal = {"gender", "birthDate", "phone"}
    for name in OVERSIGHT_TYPES:
        assert name in schema.type_map, f"{name} is not a type of the schema: update OVERSIGHT_TYPES"
        assert not personal & set(schema.type_map[name].fields), name


def test_lsns_compare_as_numbers() -> None:
    assert lsn_value("0/16B3748") < lsn_value("0/A0000000") < lsn_value("1/0")
    assert lsn_value("16/B374D848") == (0x16 << 32) | 0xB374D848
