"""Student-file, screening-round, referral and crisis-plan rules, without a database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.disclosure.rules import rules_from
from runxin.platform.errors import Invalid, InvalidMany
from runxin.platform.standards import STANDARDS
from runxin.platform.students.care import school_year_of
from runxin.platform.students.crisis import validate_crisis_plan
from runxin.platform.students.referrals import TRANSITIONS, validate_referral
from runxin.platform.students.screening import validate_round
from runxin.platform.students.services import normalised_student_file, validate_student_file
from runxin.platform.tree.models import Tenant

TODAY = dt.date(2025, 12, 1)
SCHOOL = Tenant(kind="SCHOOL", code="2136000001", name="测试学校")


def codes(error: Exception) -> set[tuple[str, str]]:
    errors = error.errors if isinstance(error, InvalidMany) else [error]
    return {(e.field, e.code) for e in errors}  # type: ignore[union-attr]


def a_file(**change) -> dict:  # type: ignore[no-untyped-def]
    return {
        "student_ref": "2025-0301",
        "name": "李小明",
        "gender": "MALE",
        "grade": 8,
        "birth_date": dt.date(2012, 5, 1),
        **change,
    }


def test_a_plain_file_passes() -> None:
    validate_student_file(a_file(four_special="FAMILY,BEHAVIOUR", concern_level="MILD"), SCHOOL, today=TODAY)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"student_ref": "2025 0301"}, ("student_ref", "STUDENT_REF_FORMAT")),
        ({"student_ref": "x" * 33}, ("student_ref", "STUDENT_REF_FORMAT")),
        ({"grade": 0}, ("grade", "GRADE_OUT_OF_RANGE")),
        ({"grade": 13}, ("grade", "GRADE_OUT_OF_RANGE")),
        ({"gender": "UNDISCLOSED"}, ("gender", "NOT_ALLOWED")),
        ({"four_special": "FAMILY,ORPHAN"}, ("four_special", "FOUR_SPECIAL_UNKNOWN")),
        ({"four_special": "FAMILY,FAMILY"}, ("four_special", "DUPLICATE_CODE")),
        ({"concern_level": "HIGH"}, ("concern_level", "NOT_ALLOWED")),
        ({"birth_date": dt.date(2024, 1, 1)}, ("birth_date", "AGE_OUT_OF_RANGE")),
        ({"name": "  "}, ("name", "REQUIRED")),
    ],
)
def test_bad_files_are_refused_with_a_reason(change: dict, expected: tuple[str, str]) -> None:
    with pytest.raises((Invalid, InvalidMany)) as caught:
        validate_student_file(a_file(**change), SCHOOL, today=TODAY)
    assert expected in codes(caught.value)
    assert all(e.message for e in getattr(caught.value, "errors", [caught.value]))


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    with pytest.raises(InvalidMany) as caught:
        validate_student_file(a_file(grade=14, gender="X", student_ref="a b"), SCHOOL, today=TODAY)
    assert {f for f, _ in codes(caught.value)} == {"grade", "gender", "student_ref"}


def test_four_special_codes_are_stored_canonically() -> None:
    assert normalised_student_file({"four_special": " family, Behaviour ", "student_ref": " S1 "}) == {
        "four_special": "FAMILY,BEHAVIOUR",
        "student_ref": "S1",
    }


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_a_school_year_runs_from_september_to_august(day: dt.date) -> None:
    year = school_year_of(day)
    assert dt.date(year, 9, 1) <= day <= dt.date(year + 1, 8, 31)


def test_a_round_belongs_to_the_school_year_of_its_day() -> None:
    validate_round({"held_on": dt.date(2025, 10, 10), "school_year": 2025, "title": "秋季筛查"}, SCHOOL, today=TODAY)
    with pytest.raises(Invalid) as caught:
        validate_round(
            {"held_on": dt.date(2026, 3, 1), "school_year": 2026, "title": "春季筛查"}, SCHOOL, today=dt.date(2026, 4, 1)
        )
    assert codes(caught.value) == {("school_year", "ROUND_YEAR_MISMATCH")}
    assert "2025" in caught.value.message
    with pytest.raises(Invalid) as future:
        validate_round({"held_on": TODAY + dt.timedelta(days=1), "title": "x"}, SCHOOL, today=TODAY)
    assert codes(future.value) == {("held_on", "DATE_IN_FUTURE")}


def referral(**change) -> dict:  # type: ignore[no-untyped-def]
    return {"hospital": "市第三人民医院", "referred_on": dt.date(2025, 10, 1), "state": "REFERRED", **change}


@pytest.mark.parametrize("start", sorted(TRANSITIONS))
@pytest.mark.parametrize("end", sorted(TRANSITIONS))
def test_only_the_listed_transitions_are_allowed(start: str, end: str) -> None:
    values = referral(state=end, certificate_received_on=dt.date(2025, 11, 1))
    allowed = end == start or end in TRANSITIONS[start]
    if allowed:
        validate_referral(values, previous_state=start, today=TODAY)
    else:
        with pytest.raises(Invalid) as caught:
            validate_referral(values, previous_state=start, today=TODAY)
        assert codes(caught.value) == {("state", "TRANSITION_NOT_ALLOWED")}


def test_the_documented_path_is_what_the_table_allows() -> None:
    assert TRANSITIONS["REFERRED"] == {"IN_TREATMENT", "CLOSED"}
    assert TRANSITIONS["IN_TREATMENT"] == {"RETURNED", "CLOSED"}
    assert TRANSITIONS["RETURNED"] == TRANSITIONS["CLOSED"] == frozenset()


def test_a_return_needs_the_hospitals_certificate() -> None:
    with pytest.raises(Invalid) as caught:
        validate_referral(referral(state="RETURNED"), previous_state="IN_TREATMENT", today=TODAY)
    assert codes(caught.value) == {("certificate_received_on", "CERTIFICATE_REQUIRED")}
    assert "certificateReceivedOn" in caught.value.message
    with pytest.raises(Invalid) as early:
        validate_referral(
            referral(state="RETURNED", certificate_received_on=dt.date(2025, 9, 1)), previous_state="IN_TREATMENT", today=TODAY
        )
    assert codes(early.value) == {("certificate_received_on", "DATE_ORDER")}


def test_a_crisis_plan_is_reviewed_after_its_adoption() -> None:
    validate_crisis_plan(
        {"title": "预案", "adopted_on": dt.date(2024, 9, 1), "reviewed_on": dt.date(2025, 9, 1)}, SCHOOL, today=TODAY
    )
    with pytest.raises(Invalid) as caught:
        validate_crisis_plan(
            {"title": "预案", "adopted_on": dt.date(2025, 9, 1), "reviewed_on": dt.date(2024, 9, 1)}, SCHOOL, today=TODAY
        )
    assert codes(caught.value) == {("reviewed_on", "DATE_ORDER")}


def test_a_teacher_follows_two_students_under_every_standard() -> None:
    # seeds/001 §(五)1: 1 to 2 students per teacher; no document allows more.
    assert {s.max_students_per_follower for s in STANDARDS.values()} == {2}


def test_students_can_never_be_a_detail_resource() -> None:
    with pytest.raises(Invalid) as caught:
        rules_from("stations,students", "ADMIN", "name", 5, roles=("ADMIN",))
    assert caught.value.code == "STUDENT_DATA_STAYS_AT_SCHOOL"
