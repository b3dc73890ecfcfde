"""Counselling-centre rules, one test per rule, each bad value checked by its code."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.centres.services import validate_centre, validate_centre_activity
from tests.unit.rules import COUNTY, TODAY, codes, messages

GOOD = {
    "name": "章贡区青少年健康成长辅导中心",
    "status": "OPERATIONAL",
    "opening_date": dt.date(2023, 5, 1),
    "address": "章贡区红旗大道 1 号",
    "online": True,
    "offline": True,
    "volunteer_team_size": 40,
}


def with_(**changes: object) -> dict[str, object]:
    return {**GOOD, **changes}


def test_a_good_centre_passes() -> None:
    assert codes(validate_centre, GOOD, COUNTY) == {}


def test_name_is_required_and_not_blank() -> None:
    assert codes(validate_centre, with_(name=None), COUNTY) == {"name": "REQUIRED"}
    assert codes(validate_centre, with_(name="   "), COUNTY) == {"name": "REQUIRED"}


def test_name_is_at_most_200_characters() -> None:
    assert codes(validate_centre, with_(name="中" * 201), COUNTY) == {"name": "TOO_LONG"}
    assert codes(validate_centre, with_(name="中" * 200), COUNTY) == {}


def test_status_is_one_of_the_centre_statuses() -> None:
    assert codes(validate_centre, with_(status="OPEN"), COUNTY)["status"] == "NOT_ALLOWED"


def test_an_operational_centre_needs_an_opening_date() -> None:
    assert codes(validate_centre, with_(opening_date=None), COUNTY) == {"opening_date": "REQUIRED"}
    assert codes(validate_centre, with_(status="PLANNED", opening_date=None), COUNTY) == {}
    assert codes(validate_centre, with_(status="SUSPENDED", opening_date=None), COUNTY) == {}


@pytest.mark.parametrize("status", ["OPERATIONAL", "SUSPENDED"])
def test_an_open_or_suspended_centre_cannot_open_in_the_future(status: str) -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    assert codes(validate_centre, with_(status=status, opening_date=tomorrow), COUNTY) == {"opening_date": "DATE_IN_FUTURE"}
    assert codes(validate_centre, with_(status=status, opening_date=TODAY), COUNTY) == {}


@pytest.mark.parametrize("status", ["PLANNED", "UNDER_CONSTRUCTION"])
def test_a_centre_not_yet_open_may_plan_its_opening(status: str) -> None:
    assert codes(validate_centre, with_(status=status, opening_date=dt.date(2026, 9, 1)), COUNTY) == {}


def test_address_is_at_most_300_characters() -> None:
    assert codes(validate_centre, with_(address="路" * 301), COUNTY) == {"address": "TOO_LONG"}
    assert codes(validate_centre, with_(address=""), COUNTY) == {}


def test_at_least_one_service_mode() -> None:
    assert codes(validate_centre, with_(online=False, offline=False), COUNTY) == {"online": "SERVICE_MODE_REQUIRED"}
    assert codes(validate_centre, with_(online=True, offline=False), COUNTY) == {}
    assert codes(validate_centre, with_(online=False, offline=True), COUNTY) == {}


@given(st.integers(min_value=0, max_value=10_000))
def test_volunteer_team_size_within_0_to_10000_passes(size: int) -> None:
    assert codes(validate_centre, with_(volunteer_team_size=size), COUNTY) == {}


@given(st.integers(max_value=-1))
def test_negative_volunteer_team_is_refused(size: int) -> None:
    assert codes(validate_centre, with_(volunteer_team_size=size), COUNTY) == {"volunteer_team_size": "NEGATIVE"}


@given(st.integers(min_value=10_001))
def test_volunteer_team_above_10000_is_refused(size: int) -> None:
    assert codes(validate_centre, with_(volunteer_team_size=size), COUNTY) == {"volunteer_team_size": "TOO_LARGE"}


def test_every_problem_is_reported_at_once_with_the_broken_number() -> None:
    bad = with_(name="", volunteer_team_size=10_001, online=False, offline=False)
    assert codes(validate_centre, bad, COUNTY) == {
        "name": "REQUIRED",
        "volunteer_team_size": "TOO_LARGE",
        "online": "SERVICE_MODE_REQUIRED",
    }
    assert "10001" in messages(validate_centre, bad, COUNTY) and "10000" in messages(validate_centre, bad, COUNTY)


# Activity per period

ACTIVITY = {"period": "202503", "guidance_visits": 12, "trainings_delivered": 2}


def test_good_activity_passes() -> None:
    assert codes(validate_centre_activity, ACTIVITY, COUNTY) == {}


@pytest.mark.parametrize("period", ["2025-13", "202513", "2025T3", "soon"])
def test_activity_period_must_be_a_period(period: str) -> None:
    assert codes(validate_centre_activity, {**ACTIVITY, "period": period}, COUNTY) == {"period": "PERIOD_FORMAT"}


def test_activity_period_must_have_begun() -> None:
    assert codes(validate_centre_activity, {**ACTIVITY, "period": "202507"}, COUNTY) == {"period": "PERIOD_IN_FUTURE"}
    assert codes(validate_centre_activity, {**ACTIVITY, "period": "202506"}, COUNTY) == {}  # in progress
    assert codes(validate_centre_activity, {**ACTIVITY, "period": "2025T1"}, COUNTY) == {"period": "PERIOD_IN_FUTURE"}


def test_activity_counts_are_required() -> None:
    assert codes(validate_centre_activity, {"period": "2025"}, COUNTY) == {
        "guidance_visits": "REQUIRED",
        "trainings_delivered": "REQUIRED",
    }


@given(st.sampled_from(["guidance_visits", "trainings_delivered"]), st.integers(min_value=0, max_value=100_000))
def test_activity_counts_within_range_pass(field: str, count: int) -> None:
    assert codes(validate_centre_activity, {**ACTIVITY, field: count}, COUNTY) == {}


@given(st.sampled_from(["guidance_visits", "trainings_delivered"]), st.integers(max_value=-1))
def test_negative_activity_counts_are_refused(field: str, count: int) -> None:
    assert codes(validate_centre_activity, {**ACTIVITY, field: count}, COUNTY) == {field: "NEGATIVE"}


@given(st.sampled_from(["guidance_visits", "trainings_delivered"]), st.integers(min_value=100_001))
def test_activity_counts_above_100000_are_refused(field: str, count: int) -> None:
    assert codes(validate_centre_activity, {**ACTIVITY, field: count}, COUNTY) == {field: "TOO_LARGE"}
