"""Model-school recognition rules: who records which level, valid dates, and when one is in force."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.recognitions.models import RECOGNITION_LEVELS, highest_level, in_force_on
from runxin.platform.recognitions.services import may_record, validate_recognition
from tests.unit.rules import CITY, COUNTY, FOREIGN_SCHOOL, OTHER_COUNTY, SCHOOL, TODAY, codes, messages, tenant

GOOD = {
    "level": "COUNTY",
    "title": "县级心理健康教育特色学校",
    "recognised_on": dt.date(2024, 6, 1),
    "awarded_by": "章贡区教育局",
    "certificate_no": "2024-001",
    "valid_until": None,
    "revoked_on": None,
}
PROVINCE = tenant("PROVINCE", "360000")
CITY_UNDER_PROVINCE = tenant("CITY", "360800", PROVINCE)
COUNTY_UNDER_PROVINCE = tenant("COUNTY", "360802", CITY_UNDER_PROVINCE)
SCHOOL_UNDER_PROVINCE = tenant("SCHOOL", "2136000009", COUNTY_UNDER_PROVINCE)


def with_(**changes: object) -> dict[str, object]:
    return {**GOOD, **changes}


def test_a_county_records_a_county_level_recognition_of_its_school() -> None:
    assert codes(validate_recognition, GOOD, SCHOOL, writer=COUNTY, creating=True) == {}


def test_a_county_may_not_record_a_city_level_one() -> None:
    values = with_(level="CITY")
    assert codes(validate_recognition, values, SCHOOL, writer=COUNTY, creating=True) == {"level": "LEVEL_ABOVE_WRITER"}
    assert "city" in messages(validate_recognition, values, SCHOOL, writer=COUNTY, creating=True)


@pytest.mark.parametrize("level", RECOGNITION_LEVELS)
def test_a_city_at_the_top_of_its_tree_records_every_level(level: str) -> None:
    # No province tenant above it: the city enters its schools' provincial and national titles
    assert codes(validate_recognition, with_(level=level), SCHOOL, writer=CITY, creating=True) == {}


def test_under_a_province_the_city_records_up_to_city_level_and_the_province_the_rest() -> None:
    for level, city_may in zip(RECOGNITION_LEVELS, (True, True, False, False), strict=True):
        assert may_record(CITY_UNDER_PROVINCE, SCHOOL_UNDER_PROVINCE, level) is city_may, level
        # the province is the top of its tree: it records every level
        assert may_record(PROVINCE, SCHOOL_UNDER_PROVINCE, level)
    assert may_record(COUNTY_UNDER_PROVINCE, SCHOOL_UNDER_PROVINCE, "COUNTY")
    assert not may_record(COUNTY_UNDER_PROVINCE, SCHOOL_UNDER_PROVINCE, "CITY")


def test_the_school_itself_does_not_record_its_recognitions() -> None:
    assert codes(validate_recognition, GOOD, SCHOOL, writer=SCHOOL, creating=True) == {"level": "RECORDED_BY_BUREAU"}


def test_a_bureau_outside_the_schools_branch_may_not_record() -> None:
    assert not may_record(OTHER_COUNTY, SCHOOL, "COUNTY")
    assert codes(validate_recognition, GOOD, FOREIGN_SCHOOL, writer=COUNTY, creating=True) == {"level": "LEVEL_ABOVE_WRITER"}


def test_a_system_job_records_without_a_writer() -> None:
    assert codes(validate_recognition, with_(level="NATIONAL"), SCHOOL, creating=True) == {}


def test_required_fields_and_the_certificate_on_creation() -> None:
    values = with_(title=None, awarded_by=None, certificate_no=None, recognised_on=None)
    assert codes(validate_recognition, values, SCHOOL, writer=COUNTY, creating=True) == {
        "title": "REQUIRED",
        "awarded_by": "REQUIRED",
        "certificate_no": "REQUIRED",
        "recognised_on": "REQUIRED",
    }
    # a recognition carried over from a profile's level has no certificate, and stays editable
    assert codes(validate_recognition, with_(certificate_no=None), SCHOOL, writer=COUNTY) == {}


def test_unknown_level_is_refused() -> None:
    assert codes(validate_recognition, with_(level="TOWN"), SCHOOL, writer=COUNTY, creating=True) == {"level": "NOT_ALLOWED"}


def test_dates_are_ordered_and_not_in_the_future() -> None:
    future = TODAY + dt.timedelta(days=1)
    assert codes(validate_recognition, with_(recognised_on=future), SCHOOL, writer=COUNTY) == {"recognised_on": "DATE_IN_FUTURE"}
    assert codes(validate_recognition, with_(valid_until=dt.date(2024, 5, 31)), SCHOOL, writer=COUNTY) == {
        "valid_until": "DATE_ORDER"
    }
    assert codes(validate_recognition, with_(revoked_on=dt.date(2024, 1, 1)), SCHOOL, writer=COUNTY) == {"revoked_on": "DATE_ORDER"}
    assert codes(validate_recognition, with_(revoked_on=future), SCHOOL, writer=COUNTY) == {"revoked_on": "DATE_IN_FUTURE"}


def _days() -> st.SearchStrategy[dt.date]:
    return st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2027, 12, 31))


@given(_days(), st.none() | _days(), st.none() | _days(), _days())
def test_in_force_means_granted_not_revoked_not_expired(granted, until, revoked, day) -> None:  # type: ignore[no-untyped-def]
    row = {"recognised_on": granted, "valid_until": until, "revoked_on": revoked, "level": "CITY"}
    expected = granted <= day and (revoked is None or day < revoked) and (until is None or day <= until)
    assert in_force_on(row, day) is expected
    assert highest_level([row], day) == ("CITY" if expected else "NONE")


def test_highest_level_in_force_wins() -> None:
    day = dt.date(2025, 12, 31)
    rows = [
        {"level": "NATIONAL", "recognised_on": dt.date(2020, 1, 1), "valid_until": dt.date(2024, 12, 31), "revoked_on": None},
        {"level": "PROVINCE", "recognised_on": dt.date(2021, 1, 1), "valid_until": None, "revoked_on": dt.date(2025, 3, 1)},
        {"level": "COUNTY", "recognised_on": dt.date(2019, 1, 1), "valid_until": None, "revoked_on": None},
        {"level": "CITY", "recognised_on": dt.date(2025, 12, 31), "valid_until": dt.date(2025, 12, 31), "revoked_on": None},
    ]
    # the national title lapsed, the provincial one was withdrawn: the city title granted and
    # ending on the day itself is the highest in force
    assert highest_level(rows, day) == "CITY"
    assert highest_level(rows[:3], day) == "COUNTY"
    assert highest_level([], day) == "NONE"
