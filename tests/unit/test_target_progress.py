"""Target progress rules: the trend through history and today's value, and the status of a target."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from runxin.platform.targets.progress import (
    DAYS_PER_YEAR,
    ON_TRACK_SHARE,
    PROGRESS_RULE,
    HistoryPoint,
    TargetStatus,
    is_behind,
    point_date,
    projected,
    series,
    target_status,
    trend,
    worst_first,
)

TODAY = dt.date(2026, 3, 1)
LATER = dt.date(2027, 3, 1)
EARLIER = dt.date(2026, 2, 28)

days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31))
values = st.floats(min_value=0, max_value=500, allow_nan=False)


def point(period: str, value: float | None, frozen: dt.date = dt.date(2100, 1, 1), state: str = "REPORTED") -> HistoryPoint:
    return HistoryPoint(period=period, version=1, value=value, state=state, on=point_date(period, frozen))


# --- where a snapshot sits in time ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "end"),
    [
        ("2024", dt.date(2024, 12, 31)),
        ("202502", dt.date(2025, 2, 28)),
        ("2025T1", dt.date(2026, 1, 31)),
        ("2025SY", dt.date(2026, 8, 31)),
    ],
)
def test_a_snapshot_sits_at_its_periods_end(period: str, end: dt.date) -> None:
    assert point_date(period, dt.datetime(2100, 1, 1, 8, 0, tzinfo=dt.UTC)) == end


def test_a_period_approved_before_its_end_sits_on_the_day_it_was_frozen() -> None:
    assert point_date("2025SY", dt.datetime(2026, 6, 20, 9, 30)) == dt.date(2026, 6, 20)


def test_the_series_keeps_reported_values_in_time_order_and_ends_today() -> None:
    history = [point("2025", 0.5), point("2023", 0.1), point("2024", None, state="NOT_REPORTED")]
    assert series(history, 0.7, TODAY) == [(dt.date(2023, 12, 31), 0.1), (dt.date(2025, 12, 31), 0.5), (TODAY, 0.7)]
    assert series(history, None, TODAY) == [(dt.date(2023, 12, 31), 0.1), (dt.date(2025, 12, 31), 0.5)]


# --- trend --------------------------------------------------------------------------------------------


def test_no_trend_without_two_values_on_different_days() -> None:
    assert trend([]) is None
    assert trend([(TODAY, 0.4)]) is None
    assert trend([(TODAY, 0.4), (TODAY, 0.6)]) is None


def test_two_points_a_year_apart_give_their_difference_per_year() -> None:
    start = dt.date(2024, 1, 1)
    end = start + dt.timedelta(days=round(DAYS_PER_YEAR * 2))
    assert trend([(start, 0.2), (end, 0.8)]) == pytest.approx(0.3, rel=1e-3)


def test_the_trend_is_the_least_squares_slope() -> None:
    points = [(dt.date(2023, 12, 31), 0.1), (dt.date(2024, 12, 31), 0.4), (dt.date(2025, 12, 31), 0.5), (TODAY, 0.7)]
    xs = [(day - points[0][0]).days / DAYS_PER_YEAR for day, _ in points]
    expected = statistics.linear_regression(xs, [v for _, v in points]).slope
    assert trend(points) == pytest.approx(expected)


@given(
    st.lists(days, min_size=2, max_size=12, unique=True),
    st.floats(min_value=-100, max_value=100, allow_nan=False),
    st.floats(min_value=-10, max_value=10, allow_nan=False),
)
def test_points_on_a_line_give_its_slope(on: list[dt.date], intercept: float, slope: float) -> None:
    first = min(on)
    points = [(day, intercept + slope * (day - first).days / DAYS_PER_YEAR) for day in on]
    assert trend(points) == pytest.approx(slope, abs=1e-6)


@given(st.lists(st.tuples(days, values), min_size=2, max_size=12), st.floats(min_value=-50, max_value=50, allow_nan=False))
def test_the_trend_ignores_order_and_a_shift_of_every_value(points: list[tuple[dt.date, float]], shift: float) -> None:
    slope = trend(points)
    assume(slope is not None)
    assert trend(list(reversed(points))) == pytest.approx(slope, rel=1e-9, abs=1e-6)
    assert trend([(day, value + shift) for day, value in points]) == pytest.approx(slope, rel=1e-9, abs=1e-6)


@given(st.lists(days, min_size=2, max_size=12, unique=True))
def test_values_that_only_grow_never_trend_down(on: list[dt.date]) -> None:
    ordered = sorted(on)
    assert trend([(day, i / 10) for i, day in enumerate(ordered)]) > 0  # type: ignore[operator]


def test_the_projection_carries_the_slope_from_todays_value() -> None:
    assert projected(0.5, 0.25, TODAY, TODAY) == 0.5
    assert projected(0.5, 0.25, TODAY, TODAY + dt.timedelta(days=round(2 * DAYS_PER_YEAR))) == pytest.approx(1.0, rel=1e-3)


# --- status ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target", "due", "slope", "status"),
    [
        (0.8, 0.8, LATER, None, TargetStatus.MET),
        (0.9, 0.8, EARLIER, None, TargetStatus.MET),  # met counts even after the due date
        (0.5, 0.8, EARLIER, 0.9, TargetStatus.MISSED),
        (None, 0.8, EARLIER, None, TargetStatus.MISSED),  # missed without data too
        (None, 0.8, LATER, 0.5, TargetStatus.NO_DATA),
        (0.75, 0.8, LATER, None, TargetStatus.ON_TRACK),  # within 90% without a trend
        (0.7, 0.8, LATER, None, TargetStatus.AT_RISK),
        (0.5, 0.8, LATER, 0.4, TargetStatus.ON_TRACK),  # a year at +0.4 reaches 0.9
        (0.75, 0.8, LATER, -0.01, TargetStatus.AT_RISK),  # within 90%, but the trend goes the wrong way
        (0.5, 0.8, LATER, 0.2, TargetStatus.AT_RISK),
        (0.5, 0.8, TODAY, 0.4, TargetStatus.AT_RISK),  # due today: no time left to move
    ],
)
def test_status(current: float | None, target: float, due: dt.date, slope: float | None, status: TargetStatus) -> None:
    assert target_status(current, target, due, TODAY, slope) is status


def test_a_met_target_forgives_float_rounding() -> None:
    assert target_status(2 / 3 - 1e-12, 2 / 3, LATER, TODAY) is TargetStatus.MET


statuses = st.sampled_from(list(TargetStatus))
maybe_values = st.none() | values
slopes = st.none() | st.floats(min_value=-5, max_value=5, allow_nan=False)


@given(maybe_values, values, days, days, slopes)
def test_met_exactly_when_the_value_reaches_the_target(current, target, due, today, slope) -> None:  # type: ignore[no-untyped-def]
    status = target_status(current, target, due, today, slope)
    assert (status is TargetStatus.MET) == (current is not None and current >= target - 1e-9)


@given(maybe_values, values, days, days, slopes)
def test_the_rule_is_checked_in_order(current, target, due, today, slope) -> None:  # type: ignore[no-untyped-def]
    status = target_status(current, target, due, today, slope)
    if status is TargetStatus.MISSED:
        assert due < today
    if status is TargetStatus.NO_DATA:
        assert current is None and due >= today
    if status in (TargetStatus.ON_TRACK, TargetStatus.AT_RISK):
        assert current is not None and due >= today


@given(
    st.floats(min_value=0.01, max_value=500),
    st.floats(min_value=0, max_value=1, exclude_max=True),
    days,
    st.integers(min_value=0, max_value=3650),
)
def test_without_a_trend_ninety_percent_is_on_track(target: float, share: float, today: dt.date, ahead: int) -> None:
    current = target * share
    assume(current < target - 1e-9)
    expected = TargetStatus.ON_TRACK if current >= target * ON_TRACK_SHARE - 1e-9 else TargetStatus.AT_RISK
    assert target_status(current, target, today + dt.timedelta(days=ahead), today, None) is expected


@given(values, values, days, days, st.floats(min_value=-5, max_value=5, allow_nan=False), st.floats(min_value=0, max_value=5))
def test_a_steeper_trend_is_never_worse(current, target, due, today, slope, more) -> None:  # type: ignore[no-untyped-def]
    rank = {TargetStatus.AT_RISK: 0, TargetStatus.ON_TRACK: 1}
    before = target_status(current, target, due, today, slope)
    after = target_status(current, target, due, today, slope + more)
    if before in rank and after in rank:
        assert rank[after] >= rank[before]


def test_the_rule_is_stated_once_with_every_status() -> None:
    for status in TargetStatus:
        assert status.value in PROGRESS_RULE


# --- children behind ---------------------------------------------------------------------------------


def test_a_child_is_behind_below_the_target_or_without_data_where_it_applies() -> None:
    assert is_behind(0.5, "REPORTED", 0.8)
    assert not is_behind(0.8, "REPORTED", 0.8)
    assert is_behind(None, "NOT_REPORTED", 0.8)
    assert not is_behind(None, "NOT_APPLICABLE", 0.8)


def test_children_behind_worst_first() -> None:
    children = [
        (TargetStatus.ON_TRACK, 0.7, "c"),
        (TargetStatus.AT_RISK, 0.4, "b"),
        (TargetStatus.NO_DATA, None, "e"),
        (TargetStatus.AT_RISK, 0.2, "d"),
        (TargetStatus.MISSED, 0.6, "a"),
    ]
    assert [code for *_, code in sorted(children, key=lambda c: worst_first(*c))] == ["a", "d", "b", "e", "c"]
