"""Small-count suppression: primary below the threshold, complementary so totals reveal nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.suppression import suppress


def test_primary_hides_one_to_four_and_shows_zero_and_five() -> None:
    assert suppress({"a": 0, "b": 1, "c": 4, "d": 5, "e": 30}) == {"b", "c"}


def test_a_lone_hidden_cell_in_a_published_total_takes_a_complement() -> None:
    # Given a school's three classes and their published total, one class with 2 cases
    cells = {"class1": 2, "class2": 9, "class3": 7}
    hidden = suppress(cells, totals=[cells])
    # Then the smallest other class is hidden too: total − shown no longer gives the 2
    assert hidden == {"class1", "class3"}


def test_a_zero_complements_when_nothing_else_is_left() -> None:
    assert suppress({"a": 2, "b": 0}, totals=[["a", "b"]]) == {"a", "b"}


def test_threshold_is_configurable() -> None:
    assert suppress({"a": 6, "b": 9}, threshold=10) == {"a", "b"}
    assert suppress({"a": 1}, threshold=1) == set()


@given(
    st.dictionaries(st.sampled_from("abcdefgh"), st.integers(min_value=0, max_value=40), min_size=1),
    st.integers(min_value=1, max_value=10),
    st.lists(st.sets(st.sampled_from("abcdefgh"), min_size=1), max_size=4),
)
def test_no_hidden_cell_is_recoverable_from_a_total(cells, threshold, groups) -> None:  # type: ignore[no-untyped-def]
    groups = [[key for key in group if key in cells] for group in groups]
    hidden = suppress(cells, threshold=threshold, totals=groups)
    # Every small non-zero count is hidden
    assert {k for k, v in cells.items() if 0 < v < threshold} <= hidden
    # And no published total of two or more cells leaves exactly one hidden cell to be worked out
    for group in groups:
        if len(set(group)) >= 2:
            assert sum(1 for key in set(group) if key in hidden) != 1
