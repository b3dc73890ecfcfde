"""Training programme, session and attendance rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.training.models import TrainingSession
from runxin.platform.training.services import validate_attendance, validate_programme, validate_training_session
from tests.unit.rules import CITY, COUNTY, FOREIGN_SCHOOL, OTHER_COUNTY, SCHOOL, TODAY, codes

PROGRAMME = {"name": "心理健康教师全员培训", "level": "COUNTY", "audience": "MENTAL_HEALTH_TEACHERS", "year": 2025}


def programme(**changes: object) -> dict[str, object]:
    return {**PROGRAMME, **changes}


def test_a_good_programme_passes() -> None:
    assert codes(validate_programme, PROGRAMME, COUNTY) == {}


def test_programme_name_level_and_year_are_required() -> None:
    assert codes(validate_programme, {"audience": "PRINCIPALS"}, COUNTY) == {"name": "REQUIRED", "level": "REQUIRED", "year": "REQUIRED"}


def test_programme_name_is_at_most_200_characters() -> None:
    assert codes(validate_programme, programme(name="培" * 201), COUNTY) == {"name": "TOO_LONG"}


def test_level_and_audience_are_from_their_lists() -> None:
    assert codes(validate_programme, programme(level="DISTRICT", audience="PARENTS"), COUNTY) == {
        "level": "NOT_ALLOWED",
        "audience": "NOT_ALLOWED",
    }


@pytest.mark.parametrize(
    ("owner", "allowed"),
    [
        (CITY, ("NATIONAL", "PROVINCIAL", "CITY")),
        (COUNTY, ("NATIONAL", "PROVINCIAL", "CITY", "COUNTY")),
        (SCHOOL, ("NATIONAL", "PROVINCIAL", "CITY", "COUNTY", "SCHOOL")),
    ],
)
def test_a_tenant_records_programmes_of_its_own_level_or_higher(owner, allowed) -> None:  # type: ignore[no-untyped-def]
    for level in ("NATIONAL", "PROVINCIAL", "CITY", "COUNTY", "SCHOOL"):
        expected = {} if level in allowed else {"level": "LEVEL_BELOW_OWNER"}
        assert codes(validate_programme, programme(level=level), owner) == expected, (owner.kind, level)


@given(st.integers(2000, TODAY.year + 1))
def test_programme_years_2000_to_next_year_pass(year: int) -> None:
    assert codes(validate_programme, programme(year=year), COUNTY) == {}


@given(st.one_of(st.integers(1000, 1999), st.integers(TODAY.year + 2, 3000)))
def test_programme_years_outside_are_refused(year: int) -> None:
    assert codes(validate_programme, programme(year=year), COUNTY)["year"] in ("TOO_SMALL", "TOO_LARGE")


# Sessions

SESSION = {"title": "第一期", "starts_on": dt.date(2025, 3, 1), "ends_on": dt.date(2025, 3, 3), "hours": Decimal(24), "credits": Decimal(3)}


def session_(**changes: object) -> dict[str, object]:
    return {**SESSION, **changes}


def test_a_good_session_passes() -> None:
    assert codes(validate_training_session, SESSION, COUNTY) == {}


def test_session_fields_are_required() -> None:
    assert codes(validate_training_session, {}, COUNTY) == {
        "title": "REQUIRED",
        "starts_on": "REQUIRED",
        "ends_on": "REQUIRED",
        "hours": "REQUIRED",
        "credits": "REQUIRED",
    }


def test_a_session_ends_on_or_after_its_start() -> None:
    assert codes(validate_training_session, session_(ends_on=dt.date(2025, 2, 28)), COUNTY) == {"ends_on": "DATE_ORDER"}
    assert codes(validate_training_session, session_(ends_on=dt.date(2025, 3, 1)), COUNTY) == {}


@given(st.decimals(min_value=Decimal("0.1"), max_value=200, places=1))
def test_hours_above_0_up_to_200_pass(hours: Decimal) -> None:
    assert codes(validate_training_session, session_(hours=hours), COUNTY) == {}


def test_zero_or_negative_hours_are_refused() -> None:
    assert codes(validate_training_session, session_(hours=0), COUNTY) == {"hours": "TOO_SMALL"}
    assert codes(validate_training_session, session_(hours=-1), COUNTY) == {"hours": "NEGATIVE"}


@given(st.decimals(min_value=Decimal("200.1"), max_value=10_000, places=1))
def test_more_than_200_hours_are_refused(hours: Decimal) -> None:
    assert codes(validate_training_session, session_(hours=hours), COUNTY) == {"hours": "TOO_LARGE"}


@given(st.decimals(min_value=0, max_value=50, places=1))
def test_credits_0_to_50_pass(credits: Decimal) -> None:
    assert codes(validate_training_session, session_(credits=credits), COUNTY) == {}


@given(
    st.one_of(
        st.decimals(max_value=Decimal("-0.1"), places=1, allow_nan=False, allow_infinity=False),
        st.decimals(min_value=Decimal("50.1"), places=1, allow_nan=False, allow_infinity=False),
    )
)
def test_credits_outside_0_to_50_are_refused(credits: Decimal) -> None:
    assert codes(validate_training_session, session_(credits=credits), COUNTY)["credits"] in ("NEGATIVE", "TOO_LARGE")


# Attendance

ENDED = TrainingSession(title="第一期", starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 3, 3), hours=Decimal(24), credits=Decimal(3))


def attend(owner=COUNTY, attendee=SCHOOL, session=ENDED, **values: object) -> dict[str, str]:  # type: ignore[no-untyped-def]
    values = {"completed": True, "credits_awarded": Decimal(3), **values}
    return codes(validate_attendance, values, attendee, training_session=session, programme_owner=owner)


def test_a_teacher_of_the_county_attends_its_session() -> None:
    assert attend() == {}
    assert attend(attendee=COUNTY) == {}
    assert attend(owner=CITY, attendee=SCHOOL) == {}
    assert attend(owner=SCHOOL, attendee=SCHOOL) == {}


@pytest.mark.parametrize(("owner", "attendee"), [(COUNTY, FOREIGN_SCHOOL), (COUNTY, OTHER_COUNTY), (SCHOOL, COUNTY), (COUNTY, CITY)])
def test_a_teacher_outside_the_programme_owner_is_refused(owner, attendee) -> None:  # type: ignore[no-untyped-def]
    assert attend(owner=owner, attendee=attendee) == {"staff_id": "ATTENDEE_OUTSIDE_PROGRAMME"}


@given(st.decimals(min_value=0, max_value=3, places=1))
def test_credits_up_to_the_session_credits_pass(credits: Decimal) -> None:
    assert attend(credits_awarded=credits) == {}


@given(st.decimals(min_value=Decimal("3.1"), max_value=100, places=1))
def test_credits_above_the_session_credits_are_refused(credits: Decimal) -> None:
    assert attend(credits_awarded=credits) == {"credits_awarded": "CREDITS_EXCEED_SESSION"}


def test_negative_credits_are_refused() -> None:
    assert attend(credits_awarded=Decimal(-1)) == {"credits_awarded": "NEGATIVE"}


def test_not_completed_earns_no_credits() -> None:
    assert attend(completed=False, credits_awarded=Decimal(1)) == {"credits_awarded": "CREDITS_WITHOUT_COMPLETION"}
    assert attend(completed=False, credits_awarded=Decimal(0)) == {}


def test_completion_is_recorded_once_the_session_has_ended() -> None:
    later = TrainingSession(title="下期", starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=2), hours=Decimal(8), credits=Decimal(1))
    assert attend(session=later, credits_awarded=Decimal(1)) == {"completed": "SESSION_NOT_ENDED"}
    assert attend(session=later, completed=False, credits_awarded=Decimal(0)) == {}


def test_attendance_fields_are_required() -> None:
    assert codes(validate_attendance, {}, SCHOOL) == {"completed": "REQUIRED", "credits_awarded": "REQUIRED"}
