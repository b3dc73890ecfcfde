"""Hotline rules and the phone-number formats they accept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.hotlines.services import validate_call_counts, validate_hotline
from runxin.platform.phones import is_mobile, is_phone
from tests.unit.rules import COUNTY, SCHOOL, codes, messages

GOOD = {"number": "0797-8123456", "always_open": True, "schedule": "", "status": "ACTIVE"}


def with_(**changes: object) -> dict[str, object]:
    return {**GOOD, **changes}


def test_a_good_hotline_passes() -> None:
    assert codes(validate_hotline, GOOD, COUNTY) == {}
    assert codes(validate_hotline, GOOD, SCHOOL) == {}


@pytest.mark.parametrize(
    "number",
    [
        "13812345678",  # mobile
        "19912345678",
        "0797-8123456",  # landline, 4-digit area code, 7-digit local number
        "07978123456",
        "010-62345678",  # 3-digit area code, 8-digit local number
        "021 6234 5678",  # spaces are ignored
        "０７９７－８１２３４５６",  # full-width digits and hyphen from a Chinese IME
        "0797-12355",  # a service number behind an area code
        "12355",  # national short service numbers
        "12356",
        "110",
        "400-123-4567",  # shared-cost and toll-free numbers
        "4001234567",
        "800-820-1234",
    ],
)
def test_chinese_phone_formats_are_accepted(number: str) -> None:
    assert is_phone(number)
    assert codes(validate_hotline, with_(number=number), COUNTY) == {}


@pytest.mark.parametrize(
    "number",
    [
        "12812345678",  # mobile networks start 13-19
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "010-12345678",  # a local number never starts with 1
        "0797-0123456",  # nor with 0
        "0101-2345678",  # 0101 is no area code
        "797-8123456",  # the trunk 0 is missing
        "1234",  # no 4-digit service numbers
        "13355",  # nor 5-digit ones outside 10xxx and 12xxx
        "400-12-34567",
        "500-123-4567",
        "hotline",
        "٠٧٩٧٨١٢٣٤٥٦",  # non-ASCII digits
        "",
    ],
)
def test_other_numbers_are_refused_with_phone_format(number: str) -> None:
    assert not is_phone(number)
    assert codes(validate_hotline, with_(number=number), COUNTY) == {"number": "PHONE_FORMAT"}


@given(st.integers(min_value=3, max_value=9), st.integers(min_value=0, max_value=999_999_999))
def test_every_mobile_number_is_a_phone(network: int, rest: int) -> None:
    number = f"1{network}{rest:09d}"
    assert is_mobile(number) and is_phone(number)


def test_number_is_required() -> None:
    assert codes(validate_hotline, with_(number=None), COUNTY) == {"number": "REQUIRED"}


def test_a_hotline_not_open_24h_needs_a_schedule() -> None:
    assert codes(validate_hotline, with_(always_open=False, schedule=""), COUNTY) == {"schedule": "SCHEDULE_REQUIRED"}
    assert codes(validate_hotline, with_(always_open=False, schedule="  "), COUNTY) == {"schedule": "SCHEDULE_REQUIRED"}
    assert codes(validate_hotline, with_(always_open=False, schedule="周一至周五 8:00-22:00"), COUNTY) == {}


def test_schedule_is_at_most_200_characters() -> None:
    assert codes(validate_hotline, with_(always_open=False, schedule="x" * 201), COUNTY) == {"schedule": "TOO_LONG"}


def test_status_is_one_of_the_hotline_statuses() -> None:
    assert codes(validate_hotline, with_(status="OPEN"), COUNTY) == {"status": "NOT_ALLOWED"}


# Call counts per period

COUNTS = {"period": "202505", "calls": 120, "crisis_calls": 6, "referrals": 3}


def test_good_counts_pass() -> None:
    assert codes(validate_call_counts, COUNTS, COUNTY) == {}


def test_counts_period_must_be_a_period() -> None:
    assert codes(validate_call_counts, {**COUNTS, "period": "2025T3"}, COUNTY) == {"period": "PERIOD_FORMAT"}
    assert codes(validate_call_counts, {**COUNTS, "period": None}, COUNTY) == {"period": "REQUIRED"}


def test_counts_period_must_have_begun() -> None:
    assert codes(validate_call_counts, {**COUNTS, "period": "2026"}, COUNTY) == {"period": "PERIOD_IN_FUTURE"}


@given(st.integers(min_value=0, max_value=1_000_000), st.data())
def test_counts_within_range_and_within_calls_pass(calls: int, data: st.DataObject) -> None:
    crisis = data.draw(st.integers(0, calls))
    referrals = data.draw(st.integers(0, calls))
    values = {**COUNTS, "calls": calls, "crisis_calls": crisis, "referrals": referrals}
    assert codes(validate_call_counts, values, COUNTY) == {}


@given(st.sampled_from(["calls", "crisis_calls", "referrals"]), st.integers(max_value=-1))
def test_negative_counts_are_refused(field: str, count: int) -> None:
    assert codes(validate_call_counts, {**COUNTS, field: count}, COUNTY)[field] == "NEGATIVE"


@given(st.integers(min_value=1_000_001))
def test_more_than_a_million_calls_is_refused(calls: int) -> None:
    assert codes(validate_call_counts, {**COUNTS, "calls": calls}, COUNTY) == {"calls": "TOO_LARGE"}


@given(st.integers(0, 999_000), st.integers(1, 1000), st.sampled_from(["crisis_calls", "referrals"]))
def test_crisis_calls_and_referrals_cannot_exceed_calls(calls: int, excess: int, field: str) -> None:
    values = {**COUNTS, "calls": calls, "crisis_calls": 0, "referrals": 0, field: calls + excess}
    assert codes(validate_call_counts, values, COUNTY) == {field: "COUNT_EXCEEDS_CALLS"}


def test_exceeding_message_names_both_numbers() -> None:
    message = messages(validate_call_counts, {**COUNTS, "calls": 10, "crisis_calls": 11}, COUNTY)
    assert "11" in message and "10 calls" in message
