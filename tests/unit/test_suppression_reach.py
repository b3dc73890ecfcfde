"""Where student-derived figures can leave: every API field that carries an indicator figure is one
the response cache knows to version by the whole tree, and no other reader computes from them."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLObjectType, get_named_type

from runxin.graphql.response_cache import FIGURE_MENTIONS
from runxin.graphql.schema import build_schema
from runxin.platform.config import Settings
from runxin.platform.indicators import INDICATORS, ValueKind
from runxin.platform.indicators.facts import Unit
from runxin.platform.indicators.gaps import CHECKED

# The types that hold indicator figures, or what is derived from them (a target's status and gap).
FIGURE_TYPES = {"IndicatorValue", "TargetProgress", "TargetHistoryPoint", "ChildBehind", "ReportSnapshot", "IndicatorChange", "EffectiveTarget"}


def test_every_field_carrying_figures_is_a_figure_mention() -> None:
    schema = build_schema(Settings(data_dir=Path("/nonexistent"), database_url="sqlite+aiosqlite:///:memory:"))._schema
    missing = []
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            if get_named_type(field.type).name in FIGURE_TYPES and name not in FIGURE_MENTIONS:
                missing.append(f"{type_.name}.{name}")
    assert missing == []
    # The ADX document is a string of figures
    assert "adxDocument" in schema.query_type.fields and "adxDocument" in FIGURE_MENTIONS


def test_student_derived_indicators_are_school_counts() -> None:
    # The tree-of-sums pattern decides on the numerator of a count over schools; a share of students
    # would need its denominator protected too, which the patterns do not do.
    derived = [i for i in INDICATORS if i.student_derived]
    assert derived, "FOUR_SPECIAL_STUDENTS at least"
    assert all(i.value_kind is ValueKind.COUNT and i.unit is Unit.SCHOOL for i in derived)


def test_the_gap_finder_reads_no_student_derived_indicator() -> None:
    # Gaps are shown to the county for each school, unsuppressed: they must not come from student counts.
    by_code = {i.code: i for i in INDICATORS}
    assert not any(by_code[code].student_derived for code in CHECKED)
