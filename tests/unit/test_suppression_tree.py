"""Suppression over a tree of sums: no count below the threshold is shown, and none can be worked out.

The property test checks `suppress_tree` against an independent exact method: Gaussian elimination
over the rationals on the sums "a tenant's figure = the sum of its children's", with the published
cells moved to the right-hand side. A hidden cell is determined by the published ones exactly when
its unit vector lies in the row space of the system restricted to the hidden cells.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runxin.platform.suppression import suppress_tree
from tests.factories.elimination import determined


# Trees: a city, 0-6 counties, 0-6 schools each; school counts small or large; parents are sums.
@st.composite
def trees(draw: st.DrawFn) -> tuple[dict[str, str | None], dict[str, int]]:
    parent_of: dict[str, str | None] = {"city": None}
    counts: dict[str, int] = {}
    for c in range(draw(st.integers(0, 6))):
        county = f"county{c}"
        parent_of[county] = "city"
        total = 0
        for s in range(draw(st.integers(0, 6))):
            school = f"school{c}.{s}"
            parent_of[school] = county
            counts[school] = draw(st.one_of(st.integers(0, 6), st.integers(0, 200)))
            total += counts[school]
        counts[county] = total
    counts["city"] = sum(counts[cell] for cell, parent in parent_of.items() if parent == "city")
    return parent_of, counts


@settings(max_examples=400, deadline=None)
@given(trees(), st.integers(min_value=1, max_value=10))
def test_no_small_count_is_shown_or_derivable(tree, threshold) -> None:  # type: ignore[no-untyped-def]
    parent_of, counts = tree
    # When the pattern is decided
    hidden = suppress_tree(counts, parent_of, threshold=threshold)
    # Then every count from 1 to threshold - 1 is hidden
    assert {cell for cell, count in counts.items() if 0 < count < threshold} <= hidden
    # And no hidden cell is fixed by the published ones (exact elimination, not the peeling)
    assert determined(parent_of, hidden) == set()


@st.composite
def untidy_trees(draw: st.DrawFn) -> tuple[dict[str, str | None], dict[str, int | None], set[str]]:
    """Trees of snapshot-like cells: some not reported (fixed zeros), some without a figure (None),
    and sums that need not add up (figures frozen at different times)."""
    parent_of, _ = draw(trees())
    values: dict[str, int | None] = {}
    fixed: set[str] = set()
    for cell in parent_of:
        kind = draw(st.sampled_from(["count", "count", "count", "fixed", "missing"]))
        if kind == "fixed":
            values[cell] = 0
            fixed.add(cell)
        elif kind == "count":
            values[cell] = draw(st.one_of(st.integers(0, 6), st.integers(0, 200)))
    return parent_of, values, fixed


@settings(max_examples=400, deadline=None)
@given(untidy_trees(), st.integers(min_value=1, max_value=10))
def test_fixed_and_missing_cells_leave_no_small_count_derivable(tree, threshold) -> None:  # type: ignore[no-untyped-def]
    parent_of, values, fixed = tree
    hidden = suppress_tree(values, parent_of, threshold=threshold, fixed=fixed)
    # Fixed cells are shown; small counts and cells without a figure are not
    assert not hidden & fixed
    assert {c for c, v in values.items() if v is not None and 0 < v < threshold and c not in fixed} <= hidden
    assert {c for c in parent_of if values.get(c) is None} <= hidden
    # And elimination over the sums that hold determines none of them
    assert determined(parent_of, hidden, fixed=fixed) == set()


def test_the_independent_method_sees_a_lone_hidden_child() -> None:
    # Given a county of two schools, one hidden alone: elimination must find it (the check can fail)
    parent_of = {"county": None, "a": "county", "b": "county"}
    assert determined(parent_of, {"a"}) == {"a"}
    assert determined(parent_of, {"a", "b"}) == set()
    # Hidden county and one of its two schools: the school is fixed from above? No: two unknowns
    assert determined(parent_of, {"county", "a"}) == set()


def test_a_small_school_takes_its_smallest_non_zero_sibling() -> None:
    parent_of = {"city": None, "county": "city", "a": "county", "b": "county", "c": "county", "z": "county"}
    counts = {"city": 63, "county": 63, "a": 3, "b": 40, "c": 20, "z": 0}
    # The county is the city's only child and stays shown, so the city says nothing new
    assert suppress_tree(counts, parent_of, threshold=5) == {"a", "c"}


def test_a_zero_is_shown_and_hidden_only_when_nothing_else_is_left() -> None:
    parent_of = {"county": None, "a": "county", "z": "county"}
    assert suppress_tree({"county": 0, "a": 0, "z": 0}, parent_of) == set()
    # A small school beside a zero and a larger one: the larger one protects it, not the zero
    parent_of |= {"b": "county"}
    assert suppress_tree({"county": 9, "a": 2, "z": 0, "b": 7}, parent_of) == {"a", "b"}
    # Two hidden schools protect each other under a shown county: the zero county beside it stays shown
    tree = {"city": None, "k": "city", "z": "city", "a": "k", "b": "k"}
    hidden = suppress_tree({"city": 40, "k": 40, "z": 0, "a": 3, "b": 37}, tree)
    assert hidden == {"a", "b"}


def test_an_only_child_hides_its_parent_and_then_the_parents_sibling() -> None:
    # A county with one school of 3: the county is 3 too (primary). The city then has the hidden
    # county with one sibling: the sibling is hidden with it, and so on down the sibling's schools.
    parent_of = {"city": None, "k1": "city", "s1": "k1", "k2": "city", "s2": "k2", "s3": "k2"}
    counts = {"city": 53, "k1": 3, "s1": 3, "k2": 50, "s2": 20, "s3": 30}
    hidden = suppress_tree(counts, parent_of, threshold=5)
    assert {"s1", "k1", "k2"} <= hidden
    assert determined(parent_of, hidden) == set()
    # k2 hidden and its two schools shown would give it away from below: one school goes with it
    assert "s2" in hidden


def test_a_lone_cell_under_a_large_parent_takes_the_parent() -> None:
    # A school is its county's only child and small, the county's figure is the same (hidden too),
    # and the county is the city's only child: the city is hidden as well (nothing else to hide).
    parent_of = {"city": None, "county": "city", "school": "county"}
    assert suppress_tree({"city": 2, "county": 2, "school": 2}, parent_of) == {"city", "county", "school"}


def test_fixed_cells_are_never_hidden_and_an_unknown_cell_is_protected() -> None:
    parent_of = {"county": None, "a": "county", "b": "county", "n": "county"}
    # n has not reported: it is known to add 0, so it cannot protect a; b is hidden instead
    assert suppress_tree({"county": 43, "a": 3, "b": 40, "n": 0}, parent_of, fixed={"n"}) == {"a", "b"}
    # b has no published figure: it is an unknown, and a cell that is only unknown alone is protected
    hidden = suppress_tree({"county": 43, "a": 30, "n": 0}, parent_of, fixed={"n"})
    assert "b" in hidden and "a" in hidden
    assert determined(parent_of, hidden) == set()


def test_threshold_one_hides_nothing() -> None:
    parent_of = {"county": None, "a": "county", "b": "county"}
    assert suppress_tree({"county": 3, "a": 1, "b": 2}, parent_of, threshold=1) == set()


@pytest.mark.parametrize("threshold", [2, 5, 10])
def test_every_primary_cell_is_hidden_in_a_wide_flat_tree(threshold: int) -> None:
    parent_of: dict[str, str | None] = {"county": None} | {f"s{i}": "county" for i in range(30)}
    counts = {f"s{i}": i for i in range(30)} | {"county": sum(range(30))}
    hidden = suppress_tree(counts, parent_of, threshold=threshold)
    assert {f"s{i}" for i in range(1, threshold)} <= hidden
    assert determined(parent_of, hidden) == set()
