"""Staff rules, one test per rule, each bad value checked by its code."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.staffing.services import QUALIFICATIONS, age_on, validate_staff
from tests.unit.rules import COUNTY, SCHOOL, TODAY, codes, messages

GOOD = {
    "kind": "FULL_TIME",
    "name": "李老师",
    "gender": "FEMALE",
    "birth_date": dt.date(1990, 3, 4),
    "phone": "13812345678",
    "qualifications": "PSY_DEGREE,TEACHER_CERT",
    "strong_teacher": True,
    "employed_since": dt.date(2014, 9, 1),
    "active": True,
}


def with_(**changes: object) -> dict[str, object]:
    return {**GOOD, **changes}


def born_aged(age: int) -> dt.date:
    """A birth date that makes someone exactly `age` on TODAY."""
    return TODAY.replace(year=TODAY.year - age)


def test_a_good_staff_member_passes_at_a_school_and_a_county() -> None:
    assert codes(validate_staff, GOOD, SCHOOL) == {}
    assert codes(validate_staff, GOOD, COUNTY) == {}


def test_kind_is_required_and_one_of_the_staff_kinds() -> None:
    assert codes(validate_staff, with_(kind=None, strong_teacher=False), SCHOOL) == {"kind": "REQUIRED"}
    assert codes(validate_staff, with_(kind="VOLUNTEER", strong_teacher=False), SCHOOL) == {"kind": "NOT_ALLOWED"}


def test_name_is_1_to_100_characters() -> None:
    assert codes(validate_staff, with_(name=None), SCHOOL) == {"name": "REQUIRED"}
    assert codes(validate_staff, with_(name=" "), SCHOOL) == {"name": "REQUIRED"}
    assert codes(validate_staff, with_(name="李" * 101), SCHOOL) == {"name": "TOO_LONG"}
    assert codes(validate_staff, with_(name="李" * 100), SCHOOL) == {}


def test_gender_is_one_of_the_genders() -> None:
    assert codes(validate_staff, with_(gender="F"), SCHOOL) == {"gender": "NOT_ALLOWED"}


@given(st.integers(min_value=18, max_value=75))
def test_ages_18_to_75_pass(age: int) -> None:
    assert codes(validate_staff, with_(birth_date=born_aged(age), employed_since=None), SCHOOL) == {}


@given(st.one_of(st.integers(min_value=-5, max_value=17), st.integers(min_value=76, max_value=120)))
def test_ages_outside_18_to_75_are_refused(age: int) -> None:
    assert codes(validate_staff, with_(birth_date=born_aged(age), employed_since=None), SCHOOL) == {"birth_date": "AGE_OUT_OF_RANGE"}


def test_age_message_names_the_age_and_the_bounds() -> None:
    message = messages(validate_staff, with_(birth_date=born_aged(80), employed_since=None), SCHOOL)
    assert "80" in message and "18 to 75" in message


def test_the_day_before_the_18th_birthday_is_still_17() -> None:
    assert age_on(dt.date(2007, 6, 16), TODAY) == 17
    assert age_on(dt.date(2007, 6, 15), TODAY) == 18
    assert age_on(dt.date(2004, 2, 29), dt.date(2022, 2, 28)) == 17
    assert age_on(dt.date(2004, 2, 29), dt.date(2022, 3, 1)) == 18


def test_an_inactive_record_keeps_its_age_once_past_75() -> None:
    assert codes(validate_staff, with_(birth_date=born_aged(80), employed_since=None, active=False), SCHOOL) == {}


def test_birth_date_is_optional() -> None:
    assert codes(validate_staff, with_(birth_date=None), SCHOOL) == {}


@pytest.mark.parametrize("phone", ["", None, "13812345678", "138 1234 5678"])
def test_phone_is_optional_and_a_mobile_number_if_given(phone: str | None) -> None:
    assert codes(validate_staff, with_(phone=phone), SCHOOL) == {}


@pytest.mark.parametrize("phone", ["0797-8123456", "12355", "1381234567", "phone"])
def test_phone_that_is_no_mobile_number_is_refused(phone: str) -> None:
    assert codes(validate_staff, with_(phone=phone), SCHOOL) == {"phone": "PHONE_FORMAT"}


@given(st.lists(st.sampled_from(QUALIFICATIONS), unique=True))
def test_any_set_of_known_qualifications_passes(chosen: list[str]) -> None:
    assert codes(validate_staff, with_(qualifications=", ".join(chosen)), SCHOOL) == {}


def test_unknown_qualifications_are_refused_and_named() -> None:
    values = with_(qualifications="PSY_DEGREE,PHD")
    assert codes(validate_staff, values, SCHOOL) == {"qualifications": "QUALIFICATION_UNKNOWN"}
    assert "PHD" in messages(validate_staff, values, SCHOOL)


def test_a_qualification_is_listed_once() -> None:
    assert codes(validate_staff, with_(qualifications="PSY_DEGREE,psy_degree"), SCHOOL) == {"qualifications": "DUPLICATE_CODE"}


def test_employed_since_is_not_in_the_future() -> None:
    assert codes(validate_staff, with_(employed_since=TODAY + dt.timedelta(days=1)), SCHOOL) == {"employed_since": "DATE_IN_FUTURE"}
    assert codes(validate_staff, with_(employed_since=TODAY), SCHOOL) == {}


def test_employment_starts_at_18_at_the_earliest() -> None:
    birth = dt.date(1990, 3, 4)
    assert codes(validate_staff, with_(birth_date=birth, employed_since=dt.date(2008, 3, 3)), SCHOOL) == {
        "employed_since": "EMPLOYED_UNDER_AGE"
    }
    assert codes(validate_staff, with_(birth_date=birth, employed_since=dt.date(2008, 3, 4)), SCHOOL) == {}


@pytest.mark.parametrize("kind", ["HIRED_COUNSELLOR", "HOMEROOM"])
def test_only_mental_health_teachers_can_be_the_strong_teacher(kind: str) -> None:
    assert codes(validate_staff, with_(kind=kind, strong_teacher=True), SCHOOL) == {"strong_teacher": "STRONG_TEACHER_KIND"}
    assert codes(validate_staff, with_(kind=kind, strong_teacher=False), SCHOOL) == {}


@pytest.mark.parametrize("kind", ["FULL_TIME", "PART_TIME"])
def test_full_and_part_time_teachers_can_be_the_strong_teacher(kind: str) -> None:
    assert codes(validate_staff, with_(kind=kind, strong_teacher=True), SCHOOL) == {}
