"""Reporting-period identifiers: the accepted forms, their dates, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.errors import Invalid
from runxin.platform.periods import FIRST_YEAR, LAST_YEAR, normalise_period, parse_period

years = st.integers(min_value=FIRST_YEAR, max_value=LAST_YEAR)
period_ids = st.one_of(
    years.map(str),
    st.tuples(years, st.integers(1, 12)).map(lambda t: f"{t[0]}{t[1]:02d}"),
    st.tuples(years, st.sampled_from(["T1", "T2", "SY"])).map(lambda t: f"{t[0]}{t[1]}"),
)


@given(period_ids)
def test_valid_ids_round_trip(text: str) -> None:
    period = parse_period(text)
    assert period.id == text
    assert parse_period(period.id) == period
    assert period.start <= period.end
    assert period.contains(period.start) and period.contains(period.end)


@given(years, st.integers(1, 12))
def test_a_month_covers_exactly_its_days(year: int, month: int) -> None:
    period = parse_period(f"{year}{month:02d}")
    assert period.kind == "MONTH"
    assert (period.start.year, period.start.month, period.start.day) == (year, month, 1)
    assert (period.end + dt.timedelta(days=1)).day == 1


@given(years)
def test_terms_split_the_school_year_around_august(year: int) -> None:
    t1, t2, sy = parse_period(f"{year}T1"), parse_period(f"{year}T2"), parse_period(f"{year}SY")
    assert (t1.start, t1.end) == (dt.date(year, 9, 1), dt.date(year + 1, 1, 31))
    assert (t2.start, t2.end) == (dt.date(year + 1, 2, 1), dt.date(year + 1, 7, 31))
    assert (sy.start, sy.end) == (dt.date(year, 9, 1), dt.date(year + 1, 8, 31))
    assert t1.end + dt.timedelta(days=1) == t2.start


def test_calendar_year() -> None:
    period = parse_period("2025")
    assert (period.kind, period.start, period.end) == ("YEAR", dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_lower_case_and_spaces_are_normalised() -> None:
    assert parse_period(" 2025t1 ").id == "2025T1"
    assert parse_period("2025sy").kind == "SCHOOL_YEAR"
    assert normalise_period("2025t2") == "2025T2"
    assert normalise_period("２０２５Ｔ１") == "2025T1"  # full-width, from a Chinese IME
    assert normalise_period("nonsense") == "nonsense"


@pytest.mark.parametrize("text", ["2025-13", "202513", "202500", "2025T3", "2025T0", "garbage", "", "25", "2025-03", "2025Q1", "1999", "2101", "20251", "٢٠٢٥"])
def test_rejected(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_period(text)
    assert caught.value.field == "period"
    assert caught.value.code == "PERIOD_FORMAT"


def test_message_lists_the_accepted_forms() -> None:
    with pytest.raises(Invalid, match="202503 .month.*2025T1 / 2025T2.*2025SY"):
        parse_period("March 2025")


@given(st.text(max_size=12))
def test_anything_else_is_a_period_or_a_period_format_error(text: str) -> None:
    try:
        period = parse_period(text)
    except Invalid as error:
        assert error.code == "PERIOD_FORMAT"
    else:
        assert parse_period(period.id) == period
