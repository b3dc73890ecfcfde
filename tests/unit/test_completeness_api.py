"""Reporting completeness in the schema: an oversight read (the replica may serve it), read with the
reports resource, and carrying no personal field."""

from __future__ import annotations

import pytest

from runxin.graphql.replica import is_oversight_read
from runxin.graphql.schema import build_schema
from runxin.platform.config import Settings

QUERY = """{ tenant(code: "360700") { reportingCompleteness(period: "2025T1") {
  tenant { tenant { code } deadline { lastDay window { closesOn setBy { code } } } figures { code state figure { labelZh } } }
  byFigure { code rates { completeness } }
  descendants(first: 10) { edges { node { missing late subtree { timeliness } } } }
} } }"""


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return build_schema(Settings.from_env(env_file=None, data_dir=tmp_path_factory.mktemp("data")))._schema


def test_completeness_is_an_oversight_read(schema) -> None:  # type: ignore[no-untyped-def]
    assert is_oversight_read(schema, QUERY, None)
    # ... but not when it reaches for staff on the way
    assert not is_oversight_read(
        schema, QUERY.replace("tenant { code }", "tenant { code staff(first: 1) { nodes { name } } }"), None
    )


def test_the_field_is_read_with_the_reports_scope(schema) -> None:  # type: ignore[no-untyped-def]
    from runxin.tenants.policy import RESOURCES

    field = schema.type_map["Tenant"].fields["reportingCompleteness"]
    assert "reports" in RESOURCES
    assert "Requires_READ_reports" in [p.__name__ for p in field.extensions["strawberry-definition"].permission_classes]
