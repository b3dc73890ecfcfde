"""Target rules: a known indicator, a value in its range, a due date, a scope under the setter."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.targets.services import indicator_bounds, validate_target
from tests.unit.rules import CITY, COUNTY, OTHER_COUNTY, SCHOOL, codes, messages

BOUNDS = indicator_bounds()
RATIOS = sorted(code for code, b in BOUNDS.items() if b.maximum == 1)
GOOD = {"indicator": "FULL_TIME_TEACHER_COVERAGE", "value": 0.8, "due_date": dt.date(2025, 12, 31), "note": ""}


def with_(**changes: object) -> dict[str, object]:
    return {**GOOD, **changes}


def test_the_indicators_of_domain_md_are_known() -> None:
    assert {
        "CENTRE_COVERAGE",
        "COUNTY_HOTLINE_COVERAGE",
        "VOLUNTEER_TEAM_COVERAGE",
        "SCHOOL_HOTLINE_COVERAGE",
        "STATION_COVERAGE",
        "STATION_STANDARD_RATE",
        "FULL_TIME_TEACHER_COVERAGE",
        "STAFF_RATIO_COMPLIANCE",
        "COUNSELLOR_COVERAGE",
        "TRAINING_COVERAGE",
        "CREDITS_PER_TEACHER",
        "MODEL_SCHOOL_SHARE",
        "HOMEROOM_TRAINING_COVERAGE",
        "PRINCIPAL_TRAINING_COVERAGE",
        "ALL_TEACHER_TRAINING_COVERAGE",
        "ALL_TEACHER_CREDITS_PER_TEACHER",
    } <= set(BOUNDS)


def test_a_good_target_passes() -> None:
    assert codes(validate_target, GOOD, COUNTY, setter=CITY) == {}
    assert codes(validate_target, GOOD, CITY, setter=CITY) == {}


def test_indicator_value_and_due_date_are_required() -> None:
    assert codes(validate_target, {}, COUNTY, setter=CITY) == {"indicator": "REQUIRED", "value": "REQUIRED", "due_date": "REQUIRED"}


def test_unknown_indicator_is_refused_and_the_known_ones_listed() -> None:
    values = with_(indicator="HAPPINESS")
    assert codes(validate_target, values, COUNTY, setter=CITY) == {"indicator": "INDICATOR_UNKNOWN"}
    assert "MODEL_SCHOOL_SHARE" in messages(validate_target, values, COUNTY, setter=CITY)


@given(st.sampled_from(RATIOS), st.floats(0, 1))
def test_ratio_targets_from_0_to_1_pass(indicator: str, value: float) -> None:
    assert codes(validate_target, with_(indicator=indicator, value=value), CITY, setter=CITY) == {}


@given(st.sampled_from(RATIOS), st.floats(min_value=1, exclude_min=True, allow_infinity=False))
def test_ratio_targets_above_1_are_refused(indicator: str, value: float) -> None:
    assert codes(validate_target, with_(indicator=indicator, value=value), CITY, setter=CITY) == {"value": "TOO_LARGE"}


@given(st.sampled_from(RATIOS), st.floats(max_value=0, exclude_max=True, allow_infinity=False))
def test_negative_targets_are_refused(indicator: str, value: float) -> None:
    assert codes(validate_target, with_(indicator=indicator, value=value), CITY, setter=CITY) == {"value": "NEGATIVE"}


CREDIT_MEANS = ("CREDITS_PER_TEACHER", "ALL_TEACHER_CREDITS_PER_TEACHER")


@given(st.sampled_from(CREDIT_MEANS), st.floats(0, 500))
def test_credits_per_teacher_targets_from_0_to_500_pass(indicator: str, value: float) -> None:
    assert codes(validate_target, with_(indicator=indicator, value=value), CITY, setter=CITY) == {}


@given(st.sampled_from(CREDIT_MEANS), st.floats(min_value=500, exclude_min=True, allow_infinity=False))
def test_credits_per_teacher_above_500_is_refused(indicator: str, value: float) -> None:
    assert codes(validate_target, with_(indicator=indicator, value=value), CITY, setter=CITY) == {"value": "TOO_LARGE"}


def test_value_message_names_the_value_and_the_bound() -> None:
    message = messages(validate_target, with_(value=1.5), CITY, setter=CITY)
    assert "1.5" in message and "at most 1" in message


def test_a_county_indicator_is_not_set_for_a_school() -> None:
    assert codes(validate_target, with_(indicator="CENTRE_COVERAGE", value=1), SCHOOL, setter=COUNTY) == {"indicator": "INDICATOR_SCOPE"}
    assert codes(validate_target, with_(indicator="CENTRE_COVERAGE", value=1), COUNTY, setter=CITY) == {}


@pytest.mark.parametrize("due", [dt.date(2000, 1, 1), dt.date(2026, 12, 31), dt.date(2100, 12, 31)])
def test_due_dates_from_2000_to_2100_pass(due: dt.date) -> None:
    assert codes(validate_target, with_(due_date=due), COUNTY, setter=CITY) == {}


@pytest.mark.parametrize("due", [dt.date(1999, 12, 31), dt.date(2101, 1, 1)])
def test_due_dates_outside_2000_to_2100_are_refused(due: dt.date) -> None:
    assert codes(validate_target, with_(due_date=due), COUNTY, setter=CITY) == {"due_date": "DATE_OUT_OF_RANGE"}


def test_note_is_at_most_300_characters() -> None:
    assert codes(validate_target, with_(note="注" * 301), COUNTY, setter=CITY) == {"note": "TOO_LONG"}


@pytest.mark.parametrize(("scope", "setter"), [(CITY, COUNTY), (OTHER_COUNTY, COUNTY)])
def test_the_scope_is_the_setter_or_below_it(scope, setter) -> None:  # type: ignore[no-untyped-def]
    assert codes(validate_target, GOOD, scope, setter=setter) == {"tenant_id": "SCOPE_OUTSIDE_SETTER"}


def test_a_school_does_not_set_targets() -> None:
    assert codes(validate_target, GOOD, SCHOOL, setter=SCHOOL) == {"set_by_id": "SETTER_KIND"}
