"""Completeness rules without a database: late against missing, deadlines from windows set above, no
window, the rates, and the registry's shape."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.completeness import BY_CODE, REQUIRED_FIGURES, FigureState, Rates, RequiredFigure, due_for
from runxin.platform.completeness.rules import BUREAU_TIME, DeadlineRule, check_grace_days, day_end, deadline_of, state_of
from runxin.platform.hotlines.models import HotlineCallCount
from runxin.platform.periods import PERIOD_KINDS, parse_period
from runxin.platform.reporting.locks import LOCKED
from runxin.platform.reporting.rules import Window
from runxin.platform.reporting.windows import SetWindow, nearest_window
from runxin.platform.tree.paths import child_path

T1 = parse_period("2025T1")  # 1 Sep 2025 - 31 Jan 2026
WINDOW = Window(dt.date(2026, 1, 15), dt.date(2026, 2, 20), "测试县教育局")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


# --- late against missing -------------------------------------------------------------------------


def test_a_figure_not_owed_is_not_required_whether_or_not_it_is_there() -> None:
    deadline = deadline_of(WINDOW, T1, None)
    assert state_of(owed=False, present=True, arrived_at=utc(2026, 3, 1), deadline=deadline) is FigureState.NOT_REQUIRED
    assert state_of(owed=False, present=False, arrived_at=None, deadline=deadline) is FigureState.NOT_REQUIRED


def test_an_owed_figure_that_is_not_there_is_missing_before_and_after_the_deadline() -> None:
    # Missing is about the figure, not the clock: the deadline is shown beside it.
    assert state_of(owed=True, present=False, arrived_at=None, deadline=deadline_of(WINDOW, T1, None)) is FigureState.MISSING
    assert state_of(owed=True, present=False, arrived_at=None, deadline=None) is FigureState.MISSING


def test_late_is_after_midnight_china_time_at_the_end_of_the_closing_day() -> None:
    deadline = deadline_of(WINDOW, T1, None)
    assert deadline is not None and deadline.rule is DeadlineRule.WINDOW and deadline.window is WINDOW
    # 20 February 23:59:59 in UTC+8 is 15:59:59 UTC: on time; a second later it is late.
    assert deadline.due_at == utc(2026, 2, 20, 16, 0)
    assert state_of(owed=True, present=True, arrived_at=utc(2026, 2, 20, 15, 59, 59), deadline=deadline) is FigureState.PRESENT
    assert state_of(owed=True, present=True, arrived_at=utc(2026, 2, 20, 16, 0), deadline=deadline) is FigureState.LATE
    # SQLite hands back naive times, written in UTC
    assert state_of(owed=True, present=True, arrived_at=dt.datetime(2026, 2, 20, 16, 0), deadline=deadline) is FigureState.LATE


def test_partly_answered_figures_are_missing_not_late() -> None:
    # Two hotlines owe counts and one answered late: the figure is not there, so MISSING, not LATE.
    assert (
        state_of(owed=True, present=False, arrived_at=utc(2026, 3, 1), deadline=deadline_of(WINDOW, T1, None))
        is FigureState.MISSING
    )


def test_without_a_window_nothing_is_late_unless_a_grace_is_set() -> None:
    assert deadline_of(None, T1, None) is None
    assert state_of(owed=True, present=True, arrived_at=utc(2030, 1, 1), deadline=None) is FigureState.PRESENT
    grace = deadline_of(None, T1, 30)
    assert grace is not None and grace.rule is DeadlineRule.GRACE and grace.window is None
    assert grace.last_day == dt.date(2026, 3, 2)  # 31 January + 30 days
    assert grace.due_at == day_end(dt.date(2026, 3, 2)) == dt.datetime(2026, 3, 3, tzinfo=BUREAU_TIME)
    # A window, where there is one, wins over the grace
    assert deadline_of(WINDOW, T1, 30).last_day == WINDOW.closes_on  # type: ignore[union-attr]


def test_the_grace_setting_is_bounded() -> None:
    assert check_grace_days(None) is None and check_grace_days(0) == 0 and check_grace_days(366) == 366
    for bad in (-1, 367):
        with pytest.raises(ValueError, match="0 to 366"):
            check_grace_days(bad)


# --- which window governs ---------------------------------------------------------------------------


def set_window(path: str, depth: int, closes: dt.date) -> SetWindow:
    return SetWindow(uuid.uuid4(), path, depth, Window(closes - dt.timedelta(days=30), closes, f"bureau at depth {depth}"))


def test_the_nearest_bureau_strictly_above_sets_the_deadline() -> None:
    city = child_path(None, uuid.uuid4())
    county_a, county_b = child_path(city, uuid.uuid4()), child_path(city, uuid.uuid4())
    school_a, school_b = child_path(county_a, uuid.uuid4()), child_path(county_b, uuid.uuid4())
    by_city, by_county = set_window(city, 0, dt.date(2026, 2, 28)), set_window(county_a, 1, dt.date(2026, 2, 15))
    setters = [by_city, by_county]
    # A school of a county that set one: the county's; a school of a county that set none: the city's
    assert nearest_window(setters, school_a) is by_county.window
    assert nearest_window(setters, school_b) is by_city.window
    # A county's own window is not its deadline: its report goes up to the city
    assert nearest_window(setters, county_a) is by_city.window
    # The city has nobody above it
    assert nearest_window(setters, city) is None
    # Windows of another tree govern nothing here
    elsewhere = child_path(None, uuid.uuid4())
    assert nearest_window([set_window(elsewhere, 0, dt.date(2026, 2, 1))], school_a) is None


# --- the rates ----------------------------------------------------------------------------------------


def test_rates_of_nothing_required_are_null() -> None:
    assert Rates().completeness is None and Rates().timeliness is None and Rates().missing == 0


@given(st.lists(st.sampled_from(list(FigureState)), max_size=30))
def test_rates_count_states_and_add_up(states: list[FigureState]) -> None:
    total = sum((Rates.of(s) for s in states), Rates())
    owed = [s for s in states if s is not FigureState.NOT_REQUIRED]
    assert (total.required, total.on_time, total.late, total.missing) == (
        len(owed), owed.count(FigureState.PRESENT), owed.count(FigureState.LATE), owed.count(FigureState.MISSING),
    )  # fmt: skip
    if owed:
        assert total.completeness == (len(owed) - owed.count(FigureState.MISSING)) / len(owed)
        assert total.timeliness == owed.count(FigureState.PRESENT) / len(owed)
        assert total.timeliness <= total.completeness  # type: ignore[operator]


# --- the registry ----------------------------------------------------------------------------------------


def test_every_figure_is_due_for_some_kind_of_period_and_names_its_source() -> None:
    assert len(BY_CODE) == len(REQUIRED_FIGURES)
    for figure in REQUIRED_FIGURES:
        assert set(figure.period_kinds) <= set(PERIOD_KINDS)
        assert "seeds/" in figure.description, f"{figure.code}: cite the seed clause that requires it"
        assert figure.label and figure.label_zh
    due = {kind: [f.code for f in due_for(parse_period(pid))] for kind, pid in
           (("YEAR", "2025"), ("MONTH", "202503"), ("TERM", "2025T1"), ("SCHOOL_YEAR", "2025SY"))}  # fmt: skip
    assert due == {
        "YEAR": ["TRAINING_CREDITS"],
        "MONTH": [],
        "TERM": ["HOTLINE_CALLS", "CENTRE_ACTIVITY", "CLASS_TERM_HOURS"],
        "SCHOOL_YEAR": ["ENROLMENT", "SCREENING_ROUND"],
    }


def test_every_period_keyed_record_the_chain_locks_is_a_required_figure() -> None:
    # The period locks list the records kept per period; each is owed by someone for its periods.
    registered = {figure.record for figure in REQUIRED_FIGURES}
    assert set(LOCKED) <= registered, f"register {[m.__name__ for m in set(LOCKED) - registered]} in REQUIRED_FIGURES"


def test_a_malformed_entry_is_refused_when_the_registry_is_built() -> None:
    good = {"code": "X_FIGURE", "label": "x", "label_zh": "x", "description": "x", "tenant_kinds": ("SCHOOL",),
            "period_kinds": ("TERM",), "record": HotlineCallCount, "in_period": lambda p: HotlineCallCount.period == p.id}  # fmt: skip
    RequiredFigure(**good)
    for change, message in (
        ({"code": "lower"}, "SCREAMING_CASE"),
        ({"tenant_kinds": ("VILLAGE",)}, "tenant_kinds"),
        ({"period_kinds": ("WEEK",)}, "period_kinds"),
        ({"arrival": "arrived_on"}, "arrived_on"),
    ):
        with pytest.raises(ValueError, match=message):
            RequiredFigure(**(good | change))


def test_the_grace_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from runxin.platform.config import Settings
    from runxin.platform.errors import ConfigurationError

    monkeypatch.delenv("RUNXIN_COMPLETENESS_GRACE_DAYS", raising=False)
    assert Settings.from_env(env_file=None, data_dir=tmp_path).completeness_grace_days is None
    monkeypatch.setenv("RUNXIN_COMPLETENESS_GRACE_DAYS", "30")
    assert Settings.from_env(env_file=None, data_dir=tmp_path).completeness_grace_days == 30
    for bad, says in (("thirty", "whole number"), ("400", "0 to 366")):
        monkeypatch.setenv("RUNXIN_COMPLETENESS_GRACE_DAYS", bad)
        with pytest.raises(ConfigurationError, match=says):
            Settings.from_env(env_file=None, data_dir=tmp_path)
