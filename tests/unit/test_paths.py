"""Materialised-path arithmetic: a subtree is exactly the half-open range [path, upper_bound(path))."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.tree.paths import SEGMENT, ancestor_ids, child_path, depth_of, prefix_length, upper_bound
from runxin.tenants.principal import Principal

A = uuid.UUID("0190f5a0-0000-7000-8000-00000000000a")
B = uuid.UUID("0190f5a0-0000-7000-8000-00000000000b")
C = uuid.UUID("0190f5a0-0000-7000-8000-00000000000c")


def test_child_path_of_a_root_and_below() -> None:
    # Given a root and a child
    root = child_path(None, A)
    child = child_path(root, B)
    # Then each segment is the 32-hex id and a slash
    assert root == f"/{A.hex}/"
    assert child == f"/{A.hex}/{B.hex}/"
    assert len(root) == 1 + SEGMENT and len(child) == 1 + 2 * SEGMENT


def test_upper_bound_is_the_path_with_its_last_slash_bumped() -> None:
    path = child_path(None, A)
    assert upper_bound(path) == f"/{A.hex}0"
    assert path < upper_bound(path)


def test_prefix_length_cuts_a_path_at_each_ancestor() -> None:
    # Given a node at depth 2
    path = child_path(child_path(child_path(None, A), B), C)
    # When it is cut at prefix_length(d)
    # Then the prefix is the path of its ancestor at depth d
    assert prefix_length(0) == len(child_path(None, A))
    assert path[: prefix_length(0)] == child_path(None, A)
    assert path[: prefix_length(1)] == child_path(child_path(None, A), B)
    assert path[: prefix_length(2)] == path


def test_ancestor_ids_run_from_the_root_to_the_node() -> None:
    path = child_path(child_path(child_path(None, A), B), C)
    assert ancestor_ids(path) == [A, B, C]
    assert depth_of(path) == 2
    assert ancestor_ids(child_path(None, A)) == [A]


# A random forest: node i (i > 0) hangs under one of the nodes before it, or is a new root.
forests = st.lists(st.one_of(st.none(), st.integers(min_value=0)), min_size=1, max_size=25).flatmap(
    lambda parents: st.tuples(
        st.just([None if p is None or i == 0 else p % i for i, p in enumerate(parents)]),
        st.lists(st.uuids(), min_size=len(parents), max_size=len(parents), unique=True),
    )
)


def _build(parents: list[int | None], ids: list[uuid.UUID]) -> list[str]:
    paths: list[str] = []
    for i, parent in enumerate(parents):
        paths.append(child_path(None if parent is None else paths[parent], ids[i]))
    return paths


def _is_descendant_or_self(parents: list[int | None], node: int, ancestor: int) -> bool:
    current: int | None = node
    while current is not None:
        if current == ancestor:
            return True
        current = parents[current]
    return False


@given(forests)
def test_a_subtree_is_exactly_its_path_range(forest: tuple[list[int | None], list[uuid.UUID]]) -> None:
    # Given a random forest with random ids
    parents, ids = forest
    paths = _build(parents, ids)
    for a, path_a in enumerate(paths):
        lo, hi = path_a, upper_bound(path_a)
        for b, path_b in enumerate(paths):
            # When a path is compared with the range of another node
            in_range = lo <= path_b < hi
            # Then it is in range exactly when it is that node or one of its descendants
            assert in_range == _is_descendant_or_self(parents, b, a), (path_a, path_b)


@given(forests)
def test_paths_encode_ancestry_and_depth(forest: tuple[list[int | None], list[uuid.UUID]]) -> None:
    parents, ids = forest
    paths = _build(parents, ids)
    for i, path in enumerate(paths):
        chain = []
        current: int | None = i
        while current is not None:
            chain.append(ids[current])
            current = parents[current]
        assert ancestor_ids(path) == chain[::-1]
        assert depth_of(path) == len(chain) - 1
        assert len(path) == prefix_length(depth_of(path))


@given(forests)
def test_principal_covers_agrees_with_the_range(forest: tuple[list[int | None], list[uuid.UUID]]) -> None:
    # Given a principal at each node in turn
    parents, ids = forest
    paths = _build(parents, ids)
    for a, path_a in enumerate(paths):
        principal = Principal(subject="s", tenant_id=ids[a], tenant_path=path_a, tenant_kind="COUNTY")
        lo, hi = principal.subtree_bounds
        # Then `covers` (used for writes and disclosure) and the SQL range (used for reads) agree
        for path_b in paths:
            assert principal.covers(path_b) == (lo <= path_b < hi)
        assert principal.ancestor_ids == ancestor_ids(path_a)[:-1]
