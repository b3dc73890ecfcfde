"""The indicator definitions: complete, unique, and each one buildable by the engine."""

from __future__ import annotations

import asyncio
import re

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
    "FOUR_SPECIAL_STUDENTS": Unit.SCHOOL,
    # Home-school work and all-staff mentorship (seeds/000, 001, 002).
    "HOME_VISIT_COVERAGE": Unit.SCHOOL,
    "FOUR_SPECIAL_MONTHLY": Unit.SCHOOL,
    "MENTOR_STUDENT_COVERAGE": Unit.SCHOOL,
    "SERIOUS_CONCERN_TEAMS": Unit.SCHOOL,
    "TEACHERS_MENTORING": Unit.TEACHER,
    "MENTOR_LOAD_WITHIN_LIMIT": Unit.TEACHER,
    "HOMEROOM_MENTORING": Unit.TEACHER,
    "STUDENTS_WITH_MENTOR": Unit.SCHOOL,
    "STUDENTS_VISITED": Unit.SCHOOL,
    "HOMEROOM_TRAINING_COVERAGE": Unit.TEACHER,
    "PRINCIPAL_TRAINING_COVERAGE": Unit.TEACHER,
    "ALL_TEACHER_TRAINING_COVERAGE": Unit.TEACHER,
    "ALL_TEACHER_CREDITS_PER_TEACHER": Unit.TEACHER,
    "SCREENING_DONE": Unit.SCHOOL,
    "CONCERN_FOLLOWED": Unit.SCHOOL,
    "CRISIS_PLAN_IN_PLACE": Unit.SCHOOL,
    "STUDENTS_SCREENED": Unit.SCHOOL,
    "CONCERN_MILD": Unit.SCHOOL,
    "CONCERN_MODERATE": Unit.SCHOOL,
    "CONCERN_SEVERE": Unit.SCHOOL,
    "REFERRALS_OPEN": Unit.SCHOOL,
    "RETURNED_WITH_CERTIFICATE": Unit.SCHOOL,
    # courses and activities
    "CLASS_HOUR_COMPLIANCE": Unit.CLASS,
    "CLASS_MEETING_COMPLIANCE": Unit.CLASS,
    "HEALTH_COMMITTEE_COMPLETE": Unit.CLASS,
    "THEME_MONTHS_HELD": Unit.SCHOOL,
    "ADAPTATION_ACTIVITIES": Unit.SCHOOL,
    "PARENT_TRAINING_HELD": Unit.SCHOOL,
}
# Counts of students: suppressed above the school; no NONE count and no total of concern is
# published, so no published sum links the level cells.
STUDENT_DERIVED = {
    "STUDENTS_SCREENED",
    "CONCERN_MILD",
    "CONCERN_MODERATE",
    "CONCERN_SEVERE",
    "REFERRALS_OPEN",
    "RETURNED_WITH_CERTIFICATE",
}
# Counts of students: shown above the school only through small-count suppression.
STUDENT_COUNTS = {"FOUR_SPECIAL_STUDENTS", "STUDENTS_WITH_MENTOR", "STUDENTS_VISITED", *STUDENT_DERIVED}
MEANS = {"CREDITS_PER_TEACHER", "ALL_TEACHER_CREDITS_PER_TEACHER"}


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
    expected_kind = ValueKind.MEAN if indicator.code in MEANS else ValueKind.COUNT if indicator.code in STUDENT_COUNTS else ValueKind.RATIO
    assert indicator.value_kind is expected_kind
    assert indicator.student_derived is (indicator.code in STUDENT_COUNTS)
    for target in indicator.targets:
        assert 0 < target.value <= 1 and target.source


@pytest.mark.parametrize("code", [c for c in EXPECTED if c.startswith(("HOME_", "FOUR_", "MENTOR", "SERIOUS", "TEACHERS_", "HOMEROOM_", "STUDENTS_"))])
def test_home_school_and_mentorship_descriptions_cite_their_seed_clause(code: str) -> None:
    assert "seeds/00" in BY_CODE[code].description and "§" in BY_CODE[code].description


@pytest.mark.parametrize("indicator", [i for i in INDICATORS if i.code in set(EXPECTED) - {
    "CENTRE_COVERAGE", "COUNTY_HOTLINE_COVERAGE", "VOLUNTEER_TEAM_COVERAGE", "SCHOOL_HOTLINE_COVERAGE", "STATION_COVERAGE",
    "STATION_STANDARD_RATE", "FULL_TIME_TEACHER_COVERAGE", "STAFF_RATIO_COMPLIANCE", "COUNSELLOR_COVERAGE",
    "TRAINING_COVERAGE", "CREDITS_PER_TEACHER", "MODEL_SCHOOL_SHARE"}], ids=lambda i: i.code)
def test_every_new_indicator_cites_its_seed_clause(indicator) -> None:  # type: ignore[no-untyped-def]
    assert re.search(r"seeds/00\d §", indicator.description), indicator.description


def test_no_none_count_or_concern_total_is_published() -> None:
    assert not {"CONCERN_NONE", "CONCERN_TOTAL", "STUDENTS_OF_CONCERN"} & set(BY_CODE)


def test_targets_carry_the_domain_numbers() -> None:
    assert [(t.value, t.due_year) for t in BY_CODE["FULL_TIME_TEACHER_COVERAGE"].targets] == [(0.8, 2025), (1.0, 2026)]
    assert [(t.value, t.due_year) for t in BY_CODE["MODEL_SCHOOL_SHARE"].targets] == [(0.15, 2025)]
    assert [(t.value, t.due_year) for t in BY_CODE["CENTRE_COVERAGE"].targets] == [(1.0, 2023)]
    # 不漏一校、不漏一人 (seeds/003 §四2): every teacher, a standing target
    for code in ("HOMEROOM_TRAINING_COVERAGE", "PRINCIPAL_TRAINING_COVERAGE", "ALL_TEACHER_TRAINING_COVERAGE"):
        assert [(t.value, t.due_year) for t in BY_CODE[code].targets] == [(1.0, None)], code
    assert BY_CODE["ALL_TEACHER_CREDITS_PER_TEACHER"].targets == ()


@pytest.mark.parametrize(
    "code",
    ["HOMEROOM_TRAINING_COVERAGE", "PRINCIPAL_TRAINING_COVERAGE", "ALL_TEACHER_TRAINING_COVERAGE",
     "ALL_TEACHER_CREDITS_PER_TEACHER", "MODEL_SCHOOL_SHARE"],
)  # fmt: skip
def test_new_and_changed_indicators_cite_their_seed_clause(code: str) -> None:
    assert re.search(r"seeds/00\d §", BY_CODE[code].description), BY_CODE[code].description


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
