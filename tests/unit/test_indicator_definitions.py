"""The indicator definitions: complete, unique, and each one buildable by the engine."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from runxin.platform.errors import Invalid
from runxin.platform.ids import new_id
from runxin.platform.indicators import BY_CODE, INDICATORS, Unit, ValueKind, compute_indicators
from runxin.platform.indicators.engine import TenantRef, _statement
from runxin.platform.indicators.facts import FAMILIES
from runxin.platform.standards import STANDARDS
from runxin.platform.tree.paths import child_path

# The API-visible codes of domain.md, exactly.
EXPECTED = {
    "CENTRE_COVERAGE": Unit.COUNTY,
    "COUNTY_HOTLINE_COVERAGE": Unit.COUNTY,
    "VOLUNTEER_TEAM_COVERAGE": Unit.COUNTY,
    "SCHOOL_HOTLINE_COVERAGE": Unit.SCHOOL,
    "STATION_COVERAGE": Unit.SCHOOL,
    "STATION_STANDARD_RATE": Unit.SCHOOL,
    "FULL_TIME_TEACHER_COVERAGE": Unit.SCHOOL,
    "STAFF_RATIO_COMPLIANCE": Unit.SCHOOL,
    "COUNSELLOR_COVERAGE": Unit.SCHOOL,
    "TRAINING_COVERAGE": Unit.TEACHER,
    "CREDITS_PER_TEACHER": Unit.TEACHER,
    "MODEL_SCHOOL_SHARE": Unit.SCHOOL,
    # courses and activities
    "CLASS_HOUR_COMPLIANCE": Unit.CLASS,
    "CLASS_MEETING_COMPLIANCE": Unit.CLASS,
    "HEALTH_COMMITTEE_COMPLETE": Unit.CLASS,
    "THEME_MONTHS_HELD": Unit.SCHOOL,
    "ADAPTATION_ACTIVITIES": Unit.SCHOOL,
    "PARENT_TRAINING_HELD": Unit.SCHOOL,
}


def test_every_indicator_is_defined_once_with_its_unit() -> None:
    codes = [indicator.code for indicator in INDICATORS]
    assert len(codes) == len(set(codes))
    assert {i.code: i.unit for i in INDICATORS} == EXPECTED
    assert set(BY_CODE) == set(EXPECTED)


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.code)
def test_definition_is_complete(indicator) -> None:  # type: ignore[no-untyped-def]
    assert indicator.code.isupper() and " " not in indicator.code
    assert indicator.name and indicator.description.endswith(".")
    # The Chinese name is Chinese, not a copy of the English one.
    assert any("\u4e00" <= ch <= "\u9fff" for ch in indicator.name_zh)
    assert indicator.unit in FAMILIES
    expected_kind = ValueKind.MEAN if indicator.code == "CREDITS_PER_TEACHER" else ValueKind.RATIO
    assert indicator.value_kind is expected_kind
    for target in indicator.targets:
        assert 0 < target.value <= 1 and target.source


def test_targets_carry_the_domain_numbers() -> None:
    assert [(t.value, t.due_year) for t in BY_CODE["FULL_TIME_TEACHER_COVERAGE"].targets] == [(0.8, 2025), (1.0, 2026)]
    assert [(t.value, t.due_year) for t in BY_CODE["MODEL_SCHOOL_SHARE"].targets] == [(0.15, 2025)]
    assert [(t.value, t.due_year) for t in BY_CODE["CENTRE_COVERAGE"].targets] == [(1.0, 2023)]


@pytest.mark.parametrize("version", sorted(STANDARDS))
@pytest.mark.parametrize("unit", list(Unit))
def test_each_family_compiles_on_both_dialects(unit: Unit, version: str) -> None:
    # Given the indicators of one family and two sibling tenants
    city = child_path(None, new_id())
    refs = [TenantRef(id=new_id(), path=child_path(city, new_id()), depth=1, kind="COUNTY") for _ in range(2)]
    family = [i for i in INDICATORS if i.unit is unit]
    # When the engine builds its one statement for them
    statement = _statement(unit, family, refs, 1, year=2025, standard=STANDARDS[version])
    # Then it compiles for SQLite and PostgreSQL with a units and a numerator column per indicator
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        sql = str(statement.compile(dialect=dialect))
        assert "MATERIALIZED" in sql and "GROUP BY" in sql
        for n in range(len(family)):
            assert f"u{n}" in sql and f"n{n}" in sql


def test_unknown_code_is_refused_before_any_query() -> None:
    with pytest.raises(Invalid) as caught:
        # No session is needed: the codes are checked first.
        asyncio.run(compute_indicators(None, [], year=2025, standard=STANDARDS["2023"], codes=["NOPE"]))  # type: ignore[arg-type]
    assert caught.value.code == "UNKNOWN_INDICATOR" and "NOPE" in caught.value.message


def test_a_path_that_disagrees_with_the_depth_is_refused() -> None:
    ref = TenantRef(id=new_id(), path=child_path(None, new_id()), depth=1, kind="COUNTY")
    with pytest.raises(ValueError):
        asyncio.run(compute_indicators(None, [ref], year=2025, standard=STANDARDS["2023"]))  # type: ignore[arg-type]
